// The replicated state of raft-kv: a string map, changed only by applying committed PUTs.

#ifndef HAMSTER_RAFT_EXAMPLES_RAFT_KV_KV_STATE_MACHINE_H_
#define HAMSTER_RAFT_EXAMPLES_RAFT_KV_KV_STATE_MACHINE_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "hamster/raft/node.h"

namespace raft_kv {

// A PUT as it travels through the Raft log: a format version byte, the key's length
// (4 bytes, little-endian), the key, the value.
std::string EncodePut(std::string_view key, std::string_view value);

class KvStateMachine final : public hamster::raft::StateMachine {
 public:
  // Called on the Node's thread.
  absl::StatusOr<std::string> Apply(const hamster::raft::Entry& entry) override;
  std::string Snapshot() override;
  absl::Status Restore(std::string_view snapshot) override;

  // Called by client connections, concurrently with the above.
  std::optional<std::string> Get(const std::string& key) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> data_;
};

}  // namespace raft_kv

#endif  // HAMSTER_RAFT_EXAMPLES_RAFT_KV_KV_STATE_MACHINE_H_
