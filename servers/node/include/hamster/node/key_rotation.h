// Master key rotation for encryption at rest (docs/encryption.md): what a
// node reports about its master keys and a rotation in progress.
//
// A rotation makes a new master key active, then re-wraps every stored data
// key (object versions and multipart uploads) under it in batches. Its
// progress is derived from the metadata itself (records still under other
// keys), so it survives a crash and resumes where the metadata says it is.
#ifndef HAMSTER_NODE_KEY_ROTATION_H_
#define HAMSTER_NODE_KEY_ROTATION_H_

#include <cstdint>
#include <string>
#include <vector>

namespace hamster::node {

struct MasterKeyStatus {
  std::string id;
  int64_t created_unix_seconds = 0;
  // False for a key records reference but the keyring lacks (their objects
  // cannot be read: the keyring file was replaced by an older one).
  bool in_keyring = true;
  bool active = false;
  // Stored data keys (SSE-S3 object versions and uploads) wrapped under it;
  // a key may be retired only at 0.
  uint64_t references = 0;
};

struct KeyRotationProgress {
  bool started = false;  // false: no rotation was ever started on this node
  std::string target_key_id;
  int64_t started_unix_seconds = 0;
  // Data keys under other keys when the rotation started, and those still
  // not under the active key now (new writes are never counted).
  uint64_t total = 0;
  uint64_t remaining = 0;
  // From this node's last complete re-wrap pass: data keys its old master
  // key could not unwrap (a damaged record). They stay under that key, keep
  // it from being retired, and are tried again by every later pass.
  uint64_t unreadable = 0;
  std::string unreadable_error;  // the first of them; empty when none
  uint64_t done() const { return remaining >= total ? 0 : total - remaining; }
  bool finished() const { return remaining == 0; }
};

struct KeyStatus {
  std::string active_key_id;
  std::vector<MasterKeyStatus> keys;  // in keyring order, oldest first
  KeyRotationProgress rotation;
};

// What one re-wrap batch did (LocalBackend::RewrapBatch).
struct RewrapBatchResult {
  // Records under a non-active key the batch proposed to re-wrap (one that
  // changed meanwhile is left alone by the command and found by a later pass).
  uint64_t found = 0;
  bool pass_done = false;  // the scan reached the end; the cursor starts over
  // Records this pass skipped so far (this batch included) because their
  // data key could not be unwrapped, and why the first of them failed.
  uint64_t unreadable = 0;
  std::string unreadable_error;
};

}  // namespace hamster::node

#endif  // HAMSTER_NODE_KEY_ROTATION_H_
