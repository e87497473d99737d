// Server-side SigV4 verification of a request head: the Authorization header
// or a presigned query string. Body integrity is checked later, while the
// body streams (payload.h), with what Authenticate() returns.
#ifndef HAMSTER_S3_SRC_AUTH_H_
#define HAMSTER_S3_SRC_AUTH_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hamster/s3/http.h"
#include "hamster/s3/service.h"

namespace hamster::s3 {

enum class PayloadMode {
  kUnsigned,                  // UNSIGNED-PAYLOAD, or presigned
  kSha256,                    // x-amz-content-sha256 is the hex hash of the body
  kStreamingSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  kStreamingSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  kStreamingUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

struct AuthContext {
  std::string access_key_id;
  PayloadMode payload_mode = PayloadMode::kUnsigned;
  std::string payload_sha256_hex;  // with kSha256
  // For the streaming modes: what chunk signatures chain from.
  std::string signing_key;  // raw
  std::string amz_date;
  std::string scope;
  std::string seed_signature;
};

// Verifies the request's signature. `path` is the request path as received
// (percent-encoded), `query` the raw query string. Presigned URLs may live up
// to 7 days (X-Amz-Expires <= 604800); header-signed requests must be within
// 15 minutes of `now`. An empty `region` accepts whatever region the
// credential scope names (the signature still covers it).
// Errors (as s3::Error): kAccessDenied (no credentials, expired presigned URL),
// kInvalidAccessKeyId, kSignatureDoesNotMatch, kRequestTimeTooSkewed,
// kAuthorizationHeaderMalformed, kInvalidArgument (bad X-Amz-Expires,
// unsupported x-amz-content-sha256 value), kInvalidRequest.
absl::StatusOr<AuthContext> Authenticate(const HttpRequest& request, std::string_view path,
                                         std::string_view query, const CredentialStore& credentials,
                                         absl::Time now, std::string_view region);

}  // namespace hamster::s3

#endif  // HAMSTER_S3_SRC_AUTH_H_
