// RawNode is one member of a Raft group as a pure state machine: the embedder feeds it time
// (Tick), messages from peers (Step) and requests (Propose, ReadIndex, ...), and collects
// what it must do in a Ready batch. It does no I/O, starts no thread, reads no clock, and
// draws its randomness (election timeouts) from Config::random_seed: the same inputs give the
// same outputs.
//
// The embedder's loop:
//
//   node->Tick();                       // every tick (e.g. 10 ms of its clock)
//   node->Step(message);                // for each message received from a peer
//   while (node->HasReady()) {
//     Ready ready = node->TakeReady();
//     send(ready.messages);             // may go out at once, even before step 1 finishes
//     1. persist, in one atomic and durable write: ready.snapshot (replacing the log),
//        ready.entries (replacing any stored entries from entries[0].index on), and
//        ready.hard_state. Skip the fsync when !ready.must_sync.
//     2. send(ready.messages_after_persist);   // they promise what step 1 made durable
//     3. restore ready.snapshot into the state machine, then apply
//        ready.committed_entries in order; serve ready.read_states once applied;
//     node->Advance();
//   }
//
// Only one Ready is outstanding at a time: HasReady() is false from TakeReady() until
// Advance(). Tick, Step, Propose and the other calls remain allowed in between (e.g. while a
// slow fsync runs); what they produce appears in the next Ready.
//
// Messages are best effort: the transport may drop, delay, duplicate or reorder them. Message
// contents from the network are validated: Step() returns InvalidArgument for a malformed one.
//
// Thread safety: none. Call a RawNode from one thread at a time (the threaded driver Node
// serializes calls for ordinary embedders).

#ifndef HAMSTER_RAFT_RAW_NODE_H_
#define HAMSTER_RAFT_RAW_NODE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/raft/storage.h"
#include "hamster/raft/types.h"

namespace hamster::raft {

struct Config {
  NodeId id = kNoNode;         // REQUIRED: this node's id, not kNoNode
  Storage* storage = nullptr;  // REQUIRED; borrowed: must outlive the RawNode

  // A follower that hears nothing from a leader for a random number of ticks in
  // [election_ticks, 2 * election_ticks) starts an election. A leader sends heartbeats every
  // heartbeat_ticks. REQUIRES: 0 < heartbeat_ticks < election_ticks.
  int election_ticks = 10;
  int heartbeat_ticks = 1;
  // Seeds the election-timeout jitter; give each node its own (e.g. mix in the node id).
  uint64_t random_seed = 0;

  // The last index the embedder's state machine has already applied, when it is durable
  // across restarts; committed entries are delivered from the one after it. 0 means
  // "from the snapshot on". REQUIRES: at most the stored commit index.
  LogIndex applied = 0;

  // Pre-vote: a node first asks whether it could win before raising its term, so a node
  // rejoining after a partition does not depose a working leader.
  bool pre_vote = true;
  // Check-quorum: a leader that has not heard from a quorum within election_ticks steps down,
  // and a follower that heard from a leader within election_ticks refuses votes (its lease).
  bool check_quorum = true;

  // Entries per Append message are cut at this many bytes of data (at least one entry).
  uint64_t max_message_bytes = 1 << 20;
  // Appends in flight to one follower in the replicate state: the pipelining window.
  int max_inflight_messages = 256;
  // Propose() refuses with kUnavailable while the proposed but uncommitted entries hold more
  // than this many bytes (one proposal is always accepted on an empty pipeline).
  uint64_t max_uncommitted_bytes = 64 << 20;
  // Committed entries per Ready are cut at this many bytes (at least one entry).
  uint64_t max_committed_bytes_per_ready = 64 << 20;
  // Snapshots go to followers in chunks of this size, at most this many unacknowledged.
  uint64_t snapshot_chunk_bytes = 1 << 20;
  int max_inflight_snapshot_chunks = 4;
  // ReadIndex() refuses with kUnavailable beyond this many pending read requests.
  int max_pending_reads = 4096;
  // A learner may be promoted only when its log reaches the leader's commit index and it has
  // responded within the last election timeout; see ProposeConfChange().
};

// What the embedder must do, in the order given at the top of this file.
struct Ready {
  std::optional<SoftState> soft_state;          // set when leader or role changed
  std::optional<HardState> hard_state;          // set when it changed; persist it
  std::optional<Snapshot> snapshot;             // a snapshot received from the leader: install it
  std::vector<Entry> entries;                   // append to the stored log (may overwrite a suffix)
  std::vector<Entry> committed_entries;         // apply in order
  std::vector<Message> messages;                // send now
  std::vector<Message> messages_after_persist;  // send once step 1 is durable
  std::vector<ReadState> read_states;
  // False when only the commit index changed: the write may skip its fsync, since a lost
  // commit index is learned again from the leader.
  bool must_sync = false;
};

enum class ProgressState : uint8_t {
  kProbe,      // one Append at a time until the follower's match is found
  kReplicate,  // Appends pipelined up to max_inflight_messages
  kSnapshot,   // sending a snapshot; Appends wait
};
std::string_view ProgressStateName(ProgressState state);

struct PeerStatus {
  LogIndex match = 0;  // the highest index known to be replicated on the peer
  LogIndex next = 0;   // the next index to send
  ProgressState state = ProgressState::kProbe;
  bool learner = false;
  bool recent_active = false;  // heard from within the current check-quorum period
};

struct NodeStatus {
  NodeId id = kNoNode;
  HardState hard_state;
  SoftState soft_state;
  LogIndex applied = 0;
  LogIndex last_index = 0;
  ConfState conf_state;                // membership in effect: the latest in the log
  NodeId transferee = kNoNode;         // leader only: the node leadership is being handed to
  std::map<NodeId, PeerStatus> peers;  // leader only, this node included
};

class Raft;

class RawNode {
 public:
  // Restores the node from `config.storage`. Returns InvalidArgument for a bad Config,
  // DataLoss if the storage's state is inconsistent (commit beyond the last entry, undecodable
  // membership entry), and any storage error as is.
  static absl::StatusOr<std::unique_ptr<RawNode>> Create(const Config& config);
  ~RawNode();
  RawNode(const RawNode&) = delete;
  RawNode& operator=(const RawNode&) = delete;

  // Advances logical time by one tick (election and heartbeat timers).
  void Tick();

  // Processes a message from a peer. Returns InvalidArgument for a malformed message (wrong
  // recipient, entries not consecutive, inconsistent snapshot chunk); messages that are merely
  // stale or irrelevant are dropped and return OK.
  absl::Status Step(Message message);

  // Starts an election now (through pre-vote when enabled). Returns FailedPrecondition if
  // this node is not a voter or is installing a snapshot. A no-op on a leader.
  absl::Status Campaign();

  // Appends `data` to the log if this node is the leader. On success, the entry is committed
  // iff an entry at the returned index with the returned term is ever committed; if a
  // committed entry at that index has another term, the proposal is lost. Returns
  // kUnavailable when this node is not the leader (status().soft_state.leader_id may name
  // it), during a leadership transfer, or when max_uncommitted_bytes is reached.
  absl::StatusOr<LogPosition> Propose(std::string data);

  // Proposes a membership change; it takes effect when its entry is appended. Single-server
  // changes only (ADR 0009): returns kUnavailable as Propose() does; FailedPrecondition when
  // the leader has not yet committed an entry of its term or another change is still
  // uncommitted (retry later), when promoting a learner that has not caught up, or when the
  // change does not apply (adding a present member, removing an absent one, removing the
  // last voter); InvalidArgument for node id 0.
  absl::StatusOr<LogPosition> ProposeConfChange(const ConfChange& change);

  // Requests a linearizable read point; it comes back as a ReadState with the same `context`
  // (unique per node, e.g. a counter) in a later Ready. A leader confirms its leadership with
  // a heartbeat round first; a follower asks the leader. Requests are dropped if leadership
  // changes meanwhile: retry after a timeout. Returns kUnavailable when no leader is known or
  // max_pending_reads is reached.
  absl::Status ReadIndex(std::string context);

  // Asks the leader to hand leadership to `transferee` (a voter). On a follower the request is
  // forwarded. While a transfer runs (at most election_ticks) the leader refuses proposals.
  // Returns kUnavailable when no leader is known, InvalidArgument for kNoNode.
  absl::Status TransferLeader(NodeId transferee);

  // The transport could not reach `peer`: the leader stops pipelining to it and probes.
  void ReportUnreachable(NodeId peer);

  bool HasReady() const;
  // REQUIRES: HasReady().
  Ready TakeReady();
  // Tells the node that the last Ready was handled as described at the top of this file.
  // REQUIRES: a Ready is outstanding.
  void Advance();

  NodeStatus status() const;
  // Cheap parts of status(), for embedders that poll after every call.
  SoftState soft_state() const;
  HardState hard_state() const;
  // OK unless storage failed; then the node is stopped and this is the storage's error.
  absl::Status health() const;

 private:
  explicit RawNode(std::unique_ptr<Raft> raft);
  std::unique_ptr<Raft> raft_;
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_RAW_NODE_H_
