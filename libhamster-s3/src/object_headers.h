// Object headers in both directions (stored metadata, conditional requests,
// byte ranges), shared by GET/HEAD, PUT, Copy and multipart handlers.
#ifndef HAMSTER_S3_SRC_OBJECT_HEADERS_H_
#define HAMSTER_S3_SRC_OBJECT_HEADERS_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hamster/s3/backend.h"
#include "hamster/s3/http.h"

namespace hamster::s3 {

// Content-* headers, Cache-Control, Expires and x-amz-meta-*. User metadata
// over 2 KiB fails with kMetadataTooLarge, as S3.
absl::StatusOr<ObjectMetadata> MetadataFromHeaders(const HttpRequest& request);

// ETag, Last-Modified, content headers, x-amz-meta-*, and the stored
// checksums when `with_checksums` (x-amz-checksum-mode: ENABLED).
void AppendObjectHeaders(const ObjectInfo& info, bool with_checksums,
                         std::vector<HttpHeader>& headers);

enum class ConditionOutcome { kProceed, kNotModified, kPreconditionFailed };

// If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since as S3
// evaluates them for GET and HEAD (RFC 7232 precedence). With
// `header_prefix` "x-amz-copy-source-" it evaluates a copy's source
// conditions, where every failure is a failed precondition.
ConditionOutcome EvaluateConditions(const HttpRequest& request, const ObjectInfo& info,
                                    std::string_view header_prefix);

// If-None-Match: * and If-Match on a write.
WriteConditions WriteConditionsFromHeaders(const HttpRequest& request);

struct ByteRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// A Range header ("bytes=a-b", "bytes=a-", "bytes=-n") against an object of
// `size` bytes. nullopt: serve the whole object (no header, or one S3 ignores:
// malformed or several ranges). kInvalidRange when it cannot be satisfied.
absl::StatusOr<std::optional<ByteRange>> ParseRange(std::string_view header, uint64_t size);

}  // namespace hamster::s3

#endif  // HAMSTER_S3_SRC_OBJECT_HEADERS_H_
