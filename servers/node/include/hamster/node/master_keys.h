// MasterKeys holds a node's keyring (hamster/crypto/keyring.h) for encryption
// at rest: the active master key wraps new data keys; older keys unwrap the
// data keys still wrapped under them until rotation re-wraps those and the
// key is retired (docs/encryption.md).
//
// Every change is persisted (the `persist` callback, e.g. SaveKeyring to the
// keyring file) before it takes effect, so a key that wrapped a committed
// data key is never lost by a crash.
//
// Thread safety: every method may be called concurrently.
#ifndef HAMSTER_NODE_MASTER_KEYS_H_
#define HAMSTER_NODE_MASTER_KEYS_H_

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/crypto/keyring.h"

namespace hamster::node {

class MasterKeys {
 public:
  using Persist = std::function<absl::Status(const crypto::Keyring&)>;
  // `persist` may be empty: the keyring then lives in memory only (tests).
  MasterKeys(crypto::Keyring keyring, Persist persist)
      : keyring_(std::move(keyring)), persist_(std::move(persist)) {}

  crypto::MasterKey Active() const;
  std::optional<crypto::MasterKey> Find(std::string_view id) const;
  crypto::Keyring Snapshot() const;

  // Adds `key` as the new active key; returns its id. Errors: persist's.
  absl::StatusOr<std::string> AddActive(const crypto::Key& key, int64_t now_unix_seconds);
  // Forgets a key: kNotFound, kFailedPrecondition for the active one, or
  // persist's error. The caller makes sure nothing references it.
  absl::Status Remove(std::string_view id);

 private:
  mutable std::mutex mu_;
  crypto::Keyring keyring_;  // guarded by mu_
  Persist persist_;
};

}  // namespace hamster::node

#endif  // HAMSTER_NODE_MASTER_KEYS_H_
