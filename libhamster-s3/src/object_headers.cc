#include "src/object_headers.h"

#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "hamster/s3/errors.h"
#include "src/request.h"
#include "src/strings.h"

namespace hamster::s3 {
namespace {

constexpr size_t kMaxUserMetadataBytes = 2 * 1024;
constexpr std::string_view kUserMetadataPrefix = "x-amz-meta-";

// True when `etag` matches one entry of a comma-separated If-Match /
// If-None-Match list ("*" matches any).
bool EtagListMatches(std::string_view list, std::string_view etag) {
  for (std::string_view entry : Split(list, ',', false)) {
    entry = StripWhitespace(entry);
    ConsumePrefix(&entry, "W/");
    if (entry == "*") return true;
    if (entry.size() >= 2 && entry.front() == '"' && entry.back() == '"') {
      entry = entry.substr(1, entry.size() - 2);
    }
    if (entry == etag) return true;
  }
  return false;
}

// HTTP dates have one-second resolution; compare at that resolution.
absl::Time TruncatedToSeconds(absl::Time time) { return absl::FromUnixSeconds(absl::ToUnixSeconds(time)); }

}  // namespace

absl::StatusOr<ObjectMetadata> MetadataFromHeaders(const HttpRequest& request) {
  ObjectMetadata metadata;
  size_t user_bytes = 0;
  for (const HttpHeader& header : request.headers) {
    const std::string& name = header.name;
    if (name == "content-type") metadata.content_type = header.value;
    else if (name == "content-encoding") metadata.content_encoding = header.value;
    else if (name == "content-disposition") metadata.content_disposition = header.value;
    else if (name == "content-language") metadata.content_language = header.value;
    else if (name == "cache-control") metadata.cache_control = header.value;
    else if (name == "expires") metadata.expires = header.value;
    else if (StartsWith(name, kUserMetadataPrefix)) {
      std::string key = name.substr(kUserMetadataPrefix.size());
      user_bytes += key.size() + header.value.size();
      metadata.user[std::move(key)] = header.value;
    }
  }
  // aws-chunked is a transfer detail of this request, not a property of the object.
  std::vector<std::string_view> encodings;
  for (std::string_view encoding : Split(metadata.content_encoding, ',', false)) {
    encoding = StripWhitespace(encoding);
    if (!encoding.empty() && encoding != "aws-chunked") encodings.push_back(encoding);
  }
  std::string kept;
  for (std::string_view encoding : encodings) {
    if (!kept.empty()) kept += ',';
    kept += encoding;
  }
  metadata.content_encoding = std::move(kept);
  if (user_bytes > kMaxUserMetadataBytes) {
    return Error(ErrorCode::kMetadataTooLarge,
                 "Your metadata headers exceed the maximum allowed metadata size (2 KiB).");
  }
  return metadata;
}

void AppendObjectHeaders(const ObjectInfo& info, bool with_checksums,
                         std::vector<HttpHeader>& headers) {
  const ObjectMetadata& metadata = info.metadata;
  headers.push_back({"etag", Cat("\"", info.etag, "\"")});
  headers.push_back({"last-modified", FormatHttpDate(info.last_modified)});
  headers.push_back({"accept-ranges", "bytes"});
  headers.push_back({"content-type", metadata.content_type.empty() ? "binary/octet-stream"
                                                                   : metadata.content_type});
  const std::array<std::pair<std::string_view, const std::string*>, 5> optional = {{
      {"content-encoding", &metadata.content_encoding},
      {"content-disposition", &metadata.content_disposition},
      {"content-language", &metadata.content_language},
      {"cache-control", &metadata.cache_control},
      {"expires", &metadata.expires},
  }};
  for (const auto& [name, value] : optional) {
    if (!value->empty()) headers.push_back({std::string(name), *value});
  }
  for (const auto& [name, value] : metadata.user) {
    headers.push_back({Cat(kUserMetadataPrefix, name), value});
  }
  if (info.tag_count > 0) {
    headers.push_back({"x-amz-tagging-count", Cat(info.tag_count)});
  }
  if (with_checksums) {
    for (const auto& [algorithm, value] : metadata.checksums) {
      headers.push_back({Cat("x-amz-checksum-", algorithm), value});
    }
  }
}

ConditionOutcome EvaluateConditions(const HttpRequest& request, const ObjectInfo& info,
                                    std::string_view header_prefix) {
  auto header = [&](std::string_view name) {
    return request.FindHeader(Cat(header_prefix, name));
  };
  const bool copy = !header_prefix.empty();
  const absl::Time modified = TruncatedToSeconds(info.last_modified);
  const std::string* if_match = header("if-match");
  if (if_match != nullptr && !EtagListMatches(*if_match, info.etag)) {
    return ConditionOutcome::kPreconditionFailed;
  }
  if (const std::string* since = header("if-unmodified-since"); if_match == nullptr && since) {
    std::optional<absl::Time> time = ParseHttpDate(*since);
    if (time.has_value() && modified > *time) return ConditionOutcome::kPreconditionFailed;
  }
  const std::string* if_none_match = header("if-none-match");
  if (if_none_match != nullptr && EtagListMatches(*if_none_match, info.etag)) {
    return copy ? ConditionOutcome::kPreconditionFailed : ConditionOutcome::kNotModified;
  }
  if (const std::string* since = header("if-modified-since"); if_none_match == nullptr && since) {
    std::optional<absl::Time> time = ParseHttpDate(*since);
    if (time.has_value() && modified <= *time) {
      return copy ? ConditionOutcome::kPreconditionFailed : ConditionOutcome::kNotModified;
    }
  }
  return ConditionOutcome::kProceed;
}

WriteConditions WriteConditionsFromHeaders(const HttpRequest& request) {
  WriteConditions conditions;
  if (const std::string* value = request.FindHeader("if-none-match")) {
    conditions.if_none_match_any = StripWhitespace(*value) == "*";
  }
  if (const std::string* value = request.FindHeader("if-match")) {
    std::string_view etag = StripWhitespace(*value);
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
      etag = etag.substr(1, etag.size() - 2);
    }
    conditions.if_match = std::string(etag);
  }
  return conditions;
}

absl::StatusOr<std::optional<ByteRange>> ParseRange(std::string_view header, uint64_t size) {
  std::string_view spec = StripWhitespace(header);
  if (!ConsumePrefix(&spec, "bytes=") || Contains(spec, ",")) return std::nullopt;
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string_view first_text = StripWhitespace(spec.substr(0, dash));
  const std::string_view last_text = StripWhitespace(spec.substr(dash + 1));
  uint64_t first = 0;
  uint64_t last = 0;
  const auto unsatisfiable = [&] {
    return Error(ErrorCode::kInvalidRange, "The requested range is not satisfiable");
  };
  if (first_text.empty()) {  // suffix: the last N bytes
    if (!ParseInteger(last_text, &last)) return std::nullopt;
    if (last == 0 || size == 0) return unsatisfiable();
    const uint64_t length = std::min(last, size);
    return ByteRange{.offset = size - length, .length = length};
  }
  if (!ParseInteger(first_text, &first)) return std::nullopt;
  if (last_text.empty()) {
    last = size == 0 ? 0 : size - 1;
  } else if (!ParseInteger(last_text, &last) || last < first) {
    return std::nullopt;
  }
  if (first >= size) return unsatisfiable();
  last = std::min(last, size - 1);
  return ByteRange{.offset = first, .length = last - first + 1};
}

}  // namespace hamster::s3
