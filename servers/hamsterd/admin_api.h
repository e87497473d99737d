// hamsterd's admin API (docs/adr/0014-admin-api-and-key-rotation.md): HTTP +
// JSON on a listener of its own, every request signed with SigV4 under the
// root credentials (the S3 verifier, hamster::s3::VerifySignature).
//
//   GET  /admin/v1/keys               master keys, references, rotation progress
//   POST /admin/v1/keys/rotate        new active key; re-wrapping starts
//   POST /admin/v1/keys/{id}/retire   forget a key no data key is wrapped under
//
// Errors are {"error": {"code": "...", "message": "..."}}: 403 for any
// authentication failure, 400 for a request with a body, 404 for an unknown
// path or key, 405 for a wrong method, 409 when the node's state refuses (the
// active key, a key still referenced), 503/500 for the rest.
//
// Thread safety: Handle() is called concurrently (RequestHandler).
#ifndef HAMSTER_SERVERS_HAMSTERD_ADMIN_API_H_
#define HAMSTER_SERVERS_HAMSTERD_ADMIN_API_H_

#include <functional>
#include <string>

#include "absl/time/time.h"
#include "hamster/node/local_node.h"
#include "hamster/s3/http.h"
#include "hamster/s3/service.h"

namespace hamster::hamsterd {

struct AdminApiOptions {
  node::LocalNode* node = nullptr;                   // borrowed; outlives the API
  const s3::CredentialStore* credentials = nullptr;  // borrowed; outlives the API
  std::string region;                                // as the S3 endpoint's
  std::function<absl::Time()> now;                   // wall clock, for SigV4 windows
};

class AdminApi : public s3::RequestHandler {
 public:
  explicit AdminApi(AdminApiOptions options) : options_(std::move(options)) {}
  void Handle(const s3::HttpRequest& request, s3::BodyReader& body,
              s3::ResponseWriter& response) override;
  void HandleTransportError(s3::ErrorCode code, std::string_view message,
                            s3::ResponseWriter& response) override;

 private:
  AdminApiOptions options_;
};

// The JSON of a key status (also the body of GET /admin/v1/keys).
std::string KeyStatusJson(const node::KeyStatus& status);

}  // namespace hamster::hamsterd

#endif  // HAMSTER_SERVERS_HAMSTERD_ADMIN_API_H_
