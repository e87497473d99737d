// S3Service turns HTTP requests into Backend calls: it routes (path-style and
// virtual-hosted-style), authenticates (SigV4: header, presigned query,
// aws-chunked payloads), validates, streams bodies, and renders S3 XML and
// error responses. It does no I/O of its own and reads time only through
// ServiceOptions::now, so it runs the same under a test or a real server.
// Thread safety: Handle() may be called concurrently.
#ifndef HAMSTER_S3_SERVICE_H_
#define HAMSTER_S3_SERVICE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hamster/s3/backend.h"
#include "hamster/s3/http.h"

namespace hamster::s3 {

// Secret keys by access key id. Thread safety: called concurrently.
class CredentialStore {
 public:
  virtual ~CredentialStore() = default;
  virtual std::optional<std::string> SecretKey(std::string_view access_key_id) const = 0;
};

// Verifies a request's SigV4 signature (Authorization header or presigned
// query) exactly as S3Service does, for another HTTP API that accepts the
// same credentials (hamsterd's admin API). The body is not checked: such an
// API must refuse bodies, or check them against x-amz-content-sha256 itself.
// Returns the access key id. Errors as s3::Error: kAccessDenied (no
// credentials), kInvalidAccessKeyId, kSignatureDoesNotMatch,
// kRequestTimeTooSkewed, kAuthorizationHeaderMalformed, ...
absl::StatusOr<std::string> VerifySignature(const HttpRequest& request,
                                            const CredentialStore& credentials, absl::Time now,
                                            std::string_view region);

struct ServiceOptions {
  Backend* backend = nullptr;                  // borrowed; outlives the service
  const CredentialStore* credentials = nullptr;  // borrowed; outlives the service
  std::string region = "us-east-1";
  // With a domain, "bucket.<domain>" in the Host header addresses the bucket
  // (virtual-hosted style); path style always works.
  std::string virtual_host_domain;
  std::function<absl::Time()> now;                 // wall clock, for SigV4 windows
  std::function<std::string()> new_request_id;   // unique per request
  // One PUT or one part carries at most this much, as in S3 (larger objects
  // are uploaded in parts).
  uint64_t max_upload_size_bytes = uint64_t{5} << 30;  // 5 GiB
};

class S3Service : public RequestHandler {
 public:
  explicit S3Service(ServiceOptions options);
  void Handle(const HttpRequest& request, BodyReader& body, ResponseWriter& response) override;
  void HandleTransportError(ErrorCode code, std::string_view message,
                            ResponseWriter& response) override;

 private:
  ServiceOptions options_;
};

}  // namespace hamster::s3

#endif  // HAMSTER_S3_SERVICE_H_
