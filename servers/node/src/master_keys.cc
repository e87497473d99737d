#include "hamster/node/master_keys.h"

namespace hamster::node {

crypto::MasterKey MasterKeys::Active() const {
  std::lock_guard lock(mu_);
  return keyring_.active();
}

std::optional<crypto::MasterKey> MasterKeys::Find(std::string_view id) const {
  std::lock_guard lock(mu_);
  const crypto::MasterKey* key = keyring_.Find(id);
  if (key == nullptr) return std::nullopt;
  return *key;
}

crypto::Keyring MasterKeys::Snapshot() const {
  std::lock_guard lock(mu_);
  return keyring_;
}

absl::StatusOr<std::string> MasterKeys::AddActive(const crypto::Key& key,
                                                  int64_t now_unix_seconds) {
  std::lock_guard lock(mu_);
  crypto::Keyring next = keyring_;
  const std::string id = next.AddActive(key, now_unix_seconds);
  if (persist_) {
    if (absl::Status s = persist_(next); !s.ok()) return s;
  }
  keyring_ = std::move(next);
  return id;
}

absl::Status MasterKeys::Remove(std::string_view id) {
  std::lock_guard lock(mu_);
  crypto::Keyring next = keyring_;
  if (absl::Status s = next.Remove(id); !s.ok()) return s;
  if (persist_) {
    if (absl::Status s = persist_(next); !s.ok()) return s;
  }
  keyring_ = std::move(next);
  return absl::OkStatus();
}

}  // namespace hamster::node
