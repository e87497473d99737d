// The encoding of a membership change entry (format version 1):
//   version:u8 type:varint node_id:varint context_size:varint context
//   voter_count:varint voters:varint... learner_count:varint learners:varint...
// Later versions may append fields; a decoder of version N reads versions <= N.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "hamster/raft/raw_node.h"
#include "hamster/raft/types.h"
#include "membership.h"

namespace hamster::raft {
namespace {

constexpr uint8_t kConfChangeFormatVersion = 1;

void PutVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

bool GetVarint(std::string_view& in, uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64 && !in.empty(); shift += 7) {
    const uint8_t byte = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

void PutIds(std::string& out, const std::vector<NodeId>& ids) {
  PutVarint(out, ids.size());
  for (NodeId id : ids) PutVarint(out, id);
}

bool GetIds(std::string_view& in, std::vector<NodeId>& ids) {
  uint64_t count = 0;
  // Each id takes at least one byte, which bounds the count by what is left.
  if (!GetVarint(in, count) || count > in.size()) return false;
  ids.resize(count);
  for (NodeId& id : ids) {
    if (!GetVarint(in, id)) return false;
  }
  return true;
}

}  // namespace

std::string EncodeConfChangeEntry(const ConfChangeEntry& entry) {
  std::string out;
  out.push_back(static_cast<char>(kConfChangeFormatVersion));
  PutVarint(out, static_cast<uint64_t>(entry.change.type));
  PutVarint(out, entry.change.node_id);
  PutVarint(out, entry.change.context.size());
  out.append(entry.change.context);
  PutIds(out, entry.conf_state.voters);
  PutIds(out, entry.conf_state.learners);
  return out;
}

absl::StatusOr<ConfChangeEntry> DecodeConfChangeEntry(std::string_view data) {
  if (data.empty()) return absl::DataLossError("empty membership change entry");
  const uint8_t version = static_cast<uint8_t>(data.front());
  if (version == 0 || version > kConfChangeFormatVersion) {
    return absl::DataLossError(
        absl::StrCat("membership change entry has unknown format version ", version));
  }
  data.remove_prefix(1);
  ConfChangeEntry entry;
  uint64_t type = 0;
  uint64_t context_size = 0;
  if (!GetVarint(data, type) || !GetVarint(data, entry.change.node_id) ||
      !GetVarint(data, context_size) || context_size > data.size()) {
    return absl::DataLossError("truncated membership change entry");
  }
  if (type > static_cast<uint64_t>(ConfChangeType::kDemoteVoter)) {
    return absl::DataLossError(absl::StrCat("unknown membership change type ", type));
  }
  entry.change.type = static_cast<ConfChangeType>(type);
  entry.change.context = std::string(data.substr(0, context_size));
  data.remove_prefix(context_size);
  if (!GetIds(data, entry.conf_state.voters) || !GetIds(data, entry.conf_state.learners)) {
    return absl::DataLossError("truncated membership change entry");
  }
  if (!data.empty()) return absl::DataLossError("trailing bytes in membership change entry");
  absl::Status valid = ValidateConfState(entry.conf_state);
  if (!valid.ok()) return valid;
  return entry;
}

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kFollower:
      return "follower";
    case Role::kPreCandidate:
      return "pre-candidate";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
  }
  return "unknown";
}

std::string_view MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kAppend:
      return "Append";
    case MessageType::kAppendResponse:
      return "AppendResponse";
    case MessageType::kHeartbeat:
      return "Heartbeat";
    case MessageType::kHeartbeatResponse:
      return "HeartbeatResponse";
    case MessageType::kVote:
      return "Vote";
    case MessageType::kVoteResponse:
      return "VoteResponse";
    case MessageType::kPreVote:
      return "PreVote";
    case MessageType::kPreVoteResponse:
      return "PreVoteResponse";
    case MessageType::kSnapshot:
      return "Snapshot";
    case MessageType::kSnapshotResponse:
      return "SnapshotResponse";
    case MessageType::kTimeoutNow:
      return "TimeoutNow";
    case MessageType::kTransferLeader:
      return "TransferLeader";
    case MessageType::kReadIndex:
      return "ReadIndex";
    case MessageType::kReadIndexResponse:
      return "ReadIndexResponse";
  }
  return "unknown";
}

std::string_view ProgressStateName(ProgressState state) {
  switch (state) {
    case ProgressState::kProbe:
      return "probe";
    case ProgressState::kReplicate:
      return "replicate";
    case ProgressState::kSnapshot:
      return "snapshot";
  }
  return "unknown";
}

}  // namespace hamster::raft
