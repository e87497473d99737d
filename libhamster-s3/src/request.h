// Pieces of an S3 request head: the query string, the addressed bucket and
// key (path-style or virtual-hosted-style), and typed header accessors.
#ifndef HAMSTER_S3_SRC_REQUEST_H_
#define HAMSTER_S3_SRC_REQUEST_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hamster/s3/http.h"
#include "src/sigv4_internal.h"  // PercentDecode, ParseHttpDate

namespace hamster::s3 {

// Decoded query parameters; a parameter without '=' maps to "".
using QueryParams = std::map<std::string, std::string>;

struct RequestTarget {
  std::string raw_path;   // as sent, percent-encoded (what SigV4 signs)
  std::string raw_query;  // without '?'
  QueryParams query;
  std::string bucket;     // empty: the service (ListBuckets)
  std::string key;        // decoded; empty: the bucket itself
};

// kInvalidArgument (as s3::Error) for bad percent-encoding or a path that
// does not start with '/'.
absl::StatusOr<RequestTarget> ParseTarget(const HttpRequest& request,
                                          std::string_view virtual_host_domain);

// Header value, or nullopt/empty; names are lowercase.
std::optional<std::string> HeaderValue(const HttpRequest& request, std::string_view name);

std::string FormatHttpDate(absl::Time time);
// 2006-01-02T15:04:05.000Z as S3 XML uses.
std::string FormatIsoTime(absl::Time time);

// S3 bucket naming rules (3-63 chars, lowercase letters, digits, '.', '-',
// starts and ends with a letter or digit, not an IP address, no "..", no
// reserved prefixes/suffixes).
bool IsValidBucketName(std::string_view name);

}  // namespace hamster::s3

#endif  // HAMSTER_S3_SRC_REQUEST_H_
