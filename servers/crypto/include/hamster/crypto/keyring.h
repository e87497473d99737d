// The master keys of a node, each with an id, one of them active (new data
// keys are wrapped under it). Kept as a small text file (docs/encryption.md):
//
//   hamster-keyring 1
//   next-id 3
//   active key-2
//   key key-1 <created unix seconds> <base64 of 32 key bytes>
//   key key-2 <created unix seconds> <base64 of 32 key bytes>
//
// The file is written with mode 0600 to a temporary name, fsynced, renamed
// into place and its directory fsynced, so a crash leaves the old or the new
// keyring, never a torn one.
// Thread safety: Keyring is a value; the file functions may run concurrently
// for different paths only.
#ifndef HAMSTER_CRYPTO_KEYRING_H_
#define HAMSTER_CRYPTO_KEYRING_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/crypto/segment_cipher.h"

namespace hamster::crypto {

inline constexpr int kKeyringFormatVersion = 1;

struct MasterKey {
  std::string id;
  Key key{};
  int64_t created_unix_seconds = 0;
};

class Keyring {
 public:
  // A keyring with one active key made of `key_bytes`.
  static Keyring WithFirstKey(const Key& key_bytes, int64_t now_unix_seconds);
  // kInvalidArgument naming the line when `text` is not a keyring this build
  // reads (a newer format version included).
  static absl::StatusOr<Keyring> Parse(std::string_view text);
  std::string Serialize() const;

  const std::vector<MasterKey>& keys() const { return keys_; }
  const std::string& active_id() const { return active_id_; }
  const MasterKey& active() const;  // REQUIRES: the keyring is not empty
  const MasterKey* Find(std::string_view id) const;

  // Adds a key under the next id and makes it active; returns its id.
  std::string AddActive(const Key& key_bytes, int64_t now_unix_seconds);
  // kNotFound for an unknown id, kFailedPrecondition for the active key.
  absl::Status Remove(std::string_view id);

 private:
  std::vector<MasterKey> keys_;
  std::string active_id_;
  uint64_t next_id_ = 1;
};

// Reads the keyring at `path`: kNotFound if there is no file, kDataLoss or
// kInvalidArgument if it does not parse, kPermissionDenied if group or others
// may read it (a master key must not be world-readable).
absl::StatusOr<Keyring> LoadKeyring(const std::string& path);
// Replaces the file at `path` atomically and durably, mode 0600.
absl::Status SaveKeyring(const std::string& path, const Keyring& keyring);

}  // namespace hamster::crypto

#endif  // HAMSTER_CRYPTO_KEYRING_H_
