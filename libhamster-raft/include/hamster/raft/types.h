// The values the Raft core exchanges with its embedder: log entries, the durable hard state,
// cluster membership, snapshots and the messages nodes send each other.
//
// Everything here is a plain value type (copyable, comparable, no hidden sharing), so the
// embedder may move it across threads, serialize it in any format, and compare it in tests.
// A transport maps Message to its own wire format (the gRPC adapter maps it to protobuf);
// the core never serializes a Message itself.
//
// Thread safety: values; no synchronization needed beyond the usual for std types.

#ifndef HAMSTER_RAFT_TYPES_H_
#define HAMSTER_RAFT_TYPES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace hamster::raft {

using NodeId = uint64_t;
using Term = uint64_t;
using LogIndex = uint64_t;

// Node ids are chosen by the embedder; 0 means "nobody" (no vote, no known leader).
inline constexpr NodeId kNoNode = 0;

enum class EntryType : uint8_t {
  kNormal = 0,      // data is the embedder's command (empty for the entry a new leader appends)
  kConfChange = 1,  // data encodes a membership change: decode it with DecodeConfChangeEntry()
};

struct Entry {
  Term term = 0;
  LogIndex index = 0;
  EntryType type = EntryType::kNormal;
  std::string data;
  bool operator==(const Entry&) const = default;
};

// Where an entry sits in the log. An entry is identified by (index, term): two logs holding an
// entry with the same index and term hold the same entry and the same log before it.
struct LogPosition {
  LogIndex index = 0;
  Term term = 0;
  bool operator==(const LogPosition&) const = default;
};

// The state that must be durable before the node sends certain messages (see Ready).
struct HardState {
  Term term = 0;
  NodeId vote = kNoNode;  // whom this node voted for in `term`
  LogIndex commit = 0;    // a lower bound of the cluster's commit index, known to this node
  bool operator==(const HardState&) const = default;
};

// Cluster membership. Voters elect leaders and count towards commit quorums; learners only
// receive the log. Both lists are sorted and disjoint.
struct ConfState {
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;
  bool operator==(const ConfState&) const = default;
};

struct SnapshotMetadata {
  LogIndex index = 0;    // the last log entry the snapshot covers
  Term term = 0;         // the term of that entry
  ConfState conf_state;  // the membership in effect at `index`
  bool operator==(const SnapshotMetadata&) const = default;
};

// A snapshot of the embedder's state machine after applying entries 1..metadata.index.
// `data` is opaque to the core.
struct Snapshot {
  SnapshotMetadata metadata;
  std::string data;
  bool operator==(const Snapshot&) const = default;
};

// A membership change as the embedder proposes it. The core turns it into the complete
// membership that results (ConfState) and replicates that; see ProposeConfChange().
enum class ConfChangeType : uint8_t {
  kAddLearner = 0,   // a new member that receives the log but does not vote
  kAddVoter = 1,     // promotes an existing, caught-up learner to voter
  kRemoveNode = 2,   // removes a voter or a learner
  kDemoteVoter = 3,  // turns a voter into a learner
};

struct ConfChange {
  ConfChangeType type = ConfChangeType::kAddLearner;
  NodeId node_id = kNoNode;
  std::string context;  // opaque to the core, e.g. the new member's address
  bool operator==(const ConfChange&) const = default;
};

// What a kConfChange entry carries: the change that was proposed and the membership it
// produces. The membership takes effect on every node as soon as the entry is in its log
// (not when committed); see docs/adr/0009-raft-core.md.
struct ConfChangeEntry {
  ConfChange change;
  ConfState conf_state;
  bool operator==(const ConfChangeEntry&) const = default;
};

std::string EncodeConfChangeEntry(const ConfChangeEntry& entry);
// Returns DataLoss if `data` is not an encoding produced by EncodeConfChangeEntry() (of this or
// an older format version), InvalidArgument if the membership it holds is malformed.
absl::StatusOr<ConfChangeEntry> DecodeConfChangeEntry(std::string_view data);

enum class Role : uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };
std::string_view RoleName(Role role);

// Message types. Each comment lists the Message fields the type uses; others stay default.
enum class MessageType : uint8_t {
  // Leader -> follower: entries after (index, log_term), and the leader's commit.
  // `commit_only`: no entries, sent to a follower known to hold everything up to `index`
  // just to pass on the commit index; the follower does not answer it unless it rejects.
  kAppend,
  // Follower -> leader. Accepted: `index` is the follower's last index matching the leader.
  // Rejected (reject = true): `index` is the rejected Append's index, and (reject_hint,
  // log_term) is the follower's last entry at or below it whose term <= the Append's
  // log_term, so the leader skips a whole conflicting term in one round trip.
  kAppendResponse,
  // Leader -> follower: `commit` (capped at what the follower is known to hold), `context`
  // (a ReadIndex round id, or empty).
  kHeartbeat,
  kHeartbeatResponse,  // Follower -> leader: echoes `context`.
  // Candidate -> voter: term, and the candidate's last (index, log_term). `leader_transfer`
  // is set when the leader asked for this election, so voters ignore their leader lease.
  kVote,
  kVoteResponse,  // `reject`
  // As kVote, for the term the pre-candidate would campaign in; nothing changes on receipt.
  kPreVote,
  kPreVoteResponse,  // `reject`; `term` is the pre-vote's term when granted
  // Leader -> follower: one chunk of a snapshot (`snapshot_chunk`).
  kSnapshot,
  // Follower -> leader: the follower holds the first `index` bytes of the snapshot at
  // `snapshot_index`; reject = true when the chunk did not start there.
  kSnapshotResponse,
  kTimeoutNow,  // Leader -> the transfer target: campaign now.
  // Follower -> leader: please make `transferee` the leader.
  kTransferLeader,
  // Follower -> leader: a linearizable read; `context` is echoed in the response.
  kReadIndex,
  // Leader -> follower: reads at `context` may be served once `index` is applied.
  kReadIndexResponse,
};
std::string_view MessageTypeName(MessageType type);

struct SnapshotChunk {
  SnapshotMetadata metadata;
  uint64_t offset = 0;            // where `data` starts within the snapshot's data
  uint64_t total_size_bytes = 0;  // size of the snapshot's data
  std::string data;
  bool done = false;  // true on the last chunk: offset + data.size() == total_size_bytes
  bool operator==(const SnapshotChunk&) const = default;
};

struct Message {
  MessageType type = MessageType::kAppend;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  Term term = 0;  // the sender's term (for kPreVote: the term it would campaign in)
  LogIndex index = 0;
  Term log_term = 0;
  LogIndex commit = 0;
  std::vector<Entry> entries;
  bool reject = false;
  LogIndex reject_hint = 0;
  bool leader_transfer = false;
  NodeId transferee = kNoNode;
  LogIndex snapshot_index = 0;
  std::optional<SnapshotChunk> snapshot_chunk;
  std::string context;
  bool commit_only = false;
  bool operator==(const Message&) const = default;
};

// A linearizable read point: once the state machine has applied `index`, a read requested
// with `context` sees every write committed before ReadIndex() was called.
struct ReadState {
  LogIndex index = 0;
  std::string context;
  bool operator==(const ReadState&) const = default;
};

// Volatile state, reported when it changes.
struct SoftState {
  NodeId leader_id = kNoNode;
  Role role = Role::kFollower;
  bool operator==(const SoftState&) const = default;
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_TYPES_H_
