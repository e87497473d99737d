#include "src/request.h"

#include <cctype>
#include <ctime>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "hamster/s3/errors.h"
#include "src/strings.h"

namespace hamster::s3 {
namespace {

std::string HostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') return std::string(host);  // IPv6 literal
  const size_t colon = host.rfind(':');
  if (colon != std::string_view::npos) host = host.substr(0, colon);
  return Lowercase(std::string(host));
}

}  // namespace

absl::StatusOr<RequestTarget> ParseTarget(const HttpRequest& request,
                                          std::string_view virtual_host_domain) {
  RequestTarget target;
  std::string_view raw = request.target;
  const size_t question = raw.find('?');
  target.raw_path = std::string(raw.substr(0, question));
  if (question != std::string_view::npos) target.raw_query = std::string(raw.substr(question + 1));
  if (target.raw_path.empty() || target.raw_path.front() != '/') {
    return Error(ErrorCode::kInvalidRequest, "the request target must start with '/'");
  }
  for (std::string_view part : Split(target.raw_query, '&', true)) {
    const size_t equals = part.find('=');
    std::string value;
    if (equals != std::string_view::npos) value = PercentDecode(part.substr(equals + 1), true);
    target.query.emplace(PercentDecode(part.substr(0, equals), true), std::move(value));
  }
  const std::string path = PercentDecode(target.raw_path, false);
  std::string_view rest = std::string_view(path).substr(1);

  std::string host;
  if (const std::string* value = request.FindHeader("host")) host = HostWithoutPort(*value);
  const std::string suffix = Cat(".", Lowercase(std::string(virtual_host_domain)));
  if (!virtual_host_domain.empty() && host.size() > suffix.size() &&
      EndsWith(host, suffix)) {
    target.bucket = host.substr(0, host.size() - suffix.size());
    target.key = std::string(rest);
    return target;
  }
  const size_t slash = rest.find('/');
  target.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) target.key = std::string(rest.substr(slash + 1));
  return target;
}

std::optional<std::string> HeaderValue(const HttpRequest& request, std::string_view name) {
  const std::string* value = request.FindHeader(name);
  if (value == nullptr) return std::nullopt;
  return *value;
}

std::string FormatHttpDate(absl::Time time) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", time, absl::UTCTimeZone());
}

std::string FormatIsoTime(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

bool IsValidBucketName(std::string_view name) {
  if (name.size() < 3 || name.size() > 63) return false;
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-')) {
      return false;
    }
  }
  if (!std::isalnum(static_cast<unsigned char>(name.front())) ||
      !std::isalnum(static_cast<unsigned char>(name.back()))) {
    return false;
  }
  if (Contains(name, "..") || Contains(name, ".-") ||
      Contains(name, "-.")) {
    return false;
  }
  if (StartsWith(name, "xn--") || StartsWith(name, "sthree-") ||
      EndsWith(name, "-s3alias") || EndsWith(name, "--ol-s3")) {
    return false;
  }
  // Formatted like an IPv4 address: four dot-separated numbers.
  std::vector<std::string_view> labels = Split(name, '.', false);
  if (labels.size() == 4) {
    bool all_numeric = true;
    for (std::string_view label : labels) {
      int value = 0;
      all_numeric = all_numeric && ParseInteger(label, &value);
    }
    if (all_numeric) return false;
  }
  return true;
}

}  // namespace hamster::s3
