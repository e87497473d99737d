// The request payload as the Backend sees it: decodes aws-chunked framing
// (verifying each chunk signature and the trailer), and checks every
// integrity claim the client made (x-amz-content-sha256, Content-MD5,
// x-amz-checksum-*, x-amz-decoded-content-length) while computing the MD5 for
// the ETag. A failed check is returned by the Read() that reaches the end of
// the payload, never as a clean end (body.h).
#ifndef HAMSTER_S3_SRC_PAYLOAD_H_
#define HAMSTER_S3_SRC_PAYLOAD_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "hamster/s3/body.h"
#include "src/auth.h"

namespace hamster::s3 {

struct PayloadOptions {
  AuthContext auth;
  // Content-MD5 header (base64), if sent.
  std::optional<std::string> content_md5_base64;
  // x-amz-checksum-<algorithm> headers sent with the request (algorithm
  // lowercase, value base64). For trailer modes, x-amz-trailer names which
  // checksum arrives in the trailer.
  std::map<std::string, std::string> checksum_headers;
  std::optional<std::string> trailer_header;  // x-amz-trailer value
  // Object bytes: x-amz-decoded-content-length for aws-chunked, else Content-Length.
  std::optional<uint64_t> decoded_length;
  // Payloads longer than this fail with kEntityTooLarge.
  uint64_t max_length = uint64_t{5} << 40;
};

class Payload : public PayloadReader {
 public:
  // kInvalidDigest for an unparsable Content-MD5, kInvalidRequest /
  // kInvalidArgument for a checksum header of an unknown algorithm or a bad
  // encoding, kMissingContentLength when aws-chunked lacks its decoded length.
  static absl::StatusOr<std::unique_ptr<Payload>> Create(BodyReader& raw_body,
                                                         PayloadOptions options);
  // Errors from Read(): kIncompleteBody (body ended early), kBadDigest
  // (Content-MD5 or checksum mismatch), kXAmzContentSHA256Mismatch,
  // kSignatureDoesNotMatch (chunk signature), kEntityTooLarge,
  // kInvalidRequest (malformed chunk framing), and the raw body's errors.
};

}  // namespace hamster::s3

#endif  // HAMSTER_S3_SRC_PAYLOAD_H_
