// The root credentials of a node: from the environment, from the data
// directory, or generated on first start and stored there (mode 0600).
#ifndef HAMSTER_SERVERS_HAMSTERD_CREDENTIALS_H_
#define HAMSTER_SERVERS_HAMSTERD_CREDENTIALS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "hamster/s3/service.h"

namespace hamster::hamsterd {

struct RootCredentials {
  std::string access_key_id;
  std::string secret_key;
  bool generated = false;  // created by this call: print it once
};

// HAMSTER_ROOT_ACCESS_KEY + HAMSTER_ROOT_SECRET_KEY (both or neither: else
// kInvalidArgument), else <data_dir>/root-credentials, else new random ones
// written durably to that file. kDataLoss names the file if it is unreadable
// or malformed.
absl::StatusOr<RootCredentials> LoadRootCredentials(const std::string& data_dir);

class RootCredentialStore : public s3::CredentialStore {
 public:
  explicit RootCredentialStore(RootCredentials root) : root_(std::move(root)) {}
  std::optional<std::string> SecretKey(std::string_view access_key_id) const override {
    if (access_key_id != root_.access_key_id) return std::nullopt;
    return root_.secret_key;
  }

 private:
  RootCredentials root_;
};

}  // namespace hamster::hamsterd

#endif  // HAMSTER_SERVERS_HAMSTERD_CREDENTIALS_H_
