// What a Node puts in the snapshots it makes: the peer addresses it learned from membership
// changes (the log entries carrying them get compacted away) around the StateMachine's own
// snapshot. Format version 1:
//   version:u8 address_count:u64 (node_id:u64 size:u64 address)... state_machine_data
// A later version may add fields before the state machine's data.

#ifndef HAMSTER_RAFT_NODE_SRC_SNAPSHOT_ENVELOPE_H_
#define HAMSTER_RAFT_NODE_SRC_SNAPSHOT_ENVELOPE_H_

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "hamster/raft/types.h"

namespace hamster::raft {

struct SnapshotEnvelope {
  std::map<NodeId, std::string> addresses;
  std::string data;  // the StateMachine's
};

std::string EncodeSnapshotEnvelope(const SnapshotEnvelope& envelope);
// DataLoss when `bytes` is not an encoding of a known version.
absl::StatusOr<SnapshotEnvelope> DecodeSnapshotEnvelope(std::string_view bytes);

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_NODE_SRC_SNAPSHOT_ENVELOPE_H_
