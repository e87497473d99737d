// Node is the threaded driver of one Raft member for ordinary embedders: it owns a RawNode
// and runs the loop of raw_node.h on its own thread, with a real clock ticking, a
// DurableStorage (RocksDbStorage, or MemoryDurableStorage in tests), a Transport and the
// embedder's StateMachine.
//
// Threading: one internal "raft thread" does all the work: it ticks, steps messages, sends
// ready.messages, persists (the fsync runs on it), sends ready.messages_after_persist, calls
// the StateMachine, and resolves futures. Public methods may be called from any thread; they
// queue a request for the raft thread and return at once. The transport delivers messages
// from its own threads into a bounded queue (overflow is dropped: Raft tolerates loss).
// Because Apply and Snapshot run on the raft thread, a slow state machine delays heartbeats:
// keep them short.
//
// Outcomes of a proposal: the future resolves with the StateMachine's Apply result once the
// entry is applied here; with kUnavailable (leader hint attached, see LeaderHint()) when this
// node is not the leader or the leader refuses proposals for now; with kAborted when a
// different entry was committed at the proposal's index (it was lost: retry); with kUnknown
// when a snapshot from the leader covered the index (it may or may not have been applied);
// with kCancelled when the Node stops first. A proposal whose index is never committed (its
// leader failed, and nothing is proposed afterwards) stays pending: wait with a deadline.
//
// Restart: a Node started on a storage that already holds a log restores the state machine
// from the latest snapshot and re-applies the committed entries after it, so the
// StateMachine starts empty. Peer addresses learned from membership changes are kept in the
// snapshots this Node makes (around the embedder's data), so a restarted node can reach
// members added after the log was compacted.

#ifndef HAMSTER_RAFT_NODE_H_
#define HAMSTER_RAFT_NODE_H_

#include <chrono>
#include <cstdint>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/raft/durable_storage.h"
#include "hamster/raft/raw_node.h"
#include "hamster/raft/transport.h"
#include "hamster/raft/types.h"

namespace hamster::raft {

// The embedder's replicated state machine. The Node calls it from its raft thread only, one
// call at a time, so it needs no locking of its own against the Node (only against the
// embedder's readers).
class StateMachine {
 public:
  virtual ~StateMachine() = default;
  // Applies a committed entry (EntryType::kNormal, non-empty data) and returns the result
  // handed to its proposer. Must be deterministic: every replica applies the same entries in
  // the same order. A non-OK status is a result too (it goes to the proposer); it does not
  // stop the Node.
  virtual absl::StatusOr<std::string> Apply(const Entry& entry) = 0;
  // The whole state after the last applied entry.
  virtual std::string Snapshot() = 0;
  // Replaces the whole state with a Snapshot() result (from this or another node). A non-OK
  // status stops the Node (as a storage failure does).
  virtual absl::Status Restore(std::string_view snapshot) = 0;
};

struct NodeOptions {
  // REQUIRED. `raft.id` names this node; `raft.storage` and `raft.applied` are ignored
  // (the Node passes `storage` and the snapshot index). Other fields as in Config.
  Config raft;
  DurableStorage* storage = nullptr;      // REQUIRED; borrowed, outlives the Node
  Transport* transport = nullptr;         // REQUIRED; borrowed, outlives the Node
  StateMachine* state_machine = nullptr;  // REQUIRED; borrowed, outlives the Node
  // Addresses of the initial members (other than this node), told to the transport at start.
  std::map<NodeId, std::string> peers;
  std::chrono::milliseconds tick_interval{100};
  // An Append without entries (the leader passing on a new commit index) waits this long for
  // the next Append to that follower, which carries the commit anyway: under a stream of
  // proposals that saves a message per commit and follower, and the follower's answer when
  // one is due. An idle follower learns the commit this much later; linearizable reads do
  // not wait for it (their heartbeat round carries the commit index). Zero sends at once.
  std::chrono::microseconds commit_notice_delay{1000};
  // Snapshot the state machine and compact the log once this many entries were applied
  // since the last snapshot (0: never), keeping this many entries behind the snapshot so
  // slightly lagging followers catch up from the log instead of a snapshot.
  uint64_t snapshot_every_entries = 10000;
  uint64_t compact_keep_entries = 1000;
  // A ReadIndex request not answered within this many ticks fails with kUnavailable (the
  // core drops read requests when leadership changes).
  int read_timeout_ticks = 50;
  // Requests (proposals, reads, membership calls) waiting for the raft thread beyond this
  // many are refused with kUnavailable; incoming messages beyond it are dropped.
  size_t max_queued_requests = 4096;
};

// The leader a kUnavailable status from Propose() names, when one is known.
std::optional<NodeId> LeaderHint(const absl::Status& status);

class Node : public MessageSink {
 public:
  // Restores the state machine from storage, creates the RawNode, starts the transport and
  // the raft thread. Returns InvalidArgument for missing options, and the error of
  // RawNode::Create, StateMachine::Restore or Transport::Start.
  static absl::StatusOr<std::unique_ptr<Node>> Start(NodeOptions options);
  ~Node() override;  // Stop()s
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Proposes `data` (non-empty: empty entries are reserved for new leaders) and resolves with
  // the Apply result; see the top of this file for the other outcomes.
  std::future<absl::StatusOr<std::string>> Propose(std::string data);

  // Resolves OK once a linearizable read is safe: the state machine has applied every entry
  // committed before the call. kUnavailable when no leader is known or the request timed out
  // (read_timeout_ticks): retry.
  std::future<absl::Status> ReadIndex();

  // Membership changes (one at a time; see RawNode::ProposeConfChange for the errors). Each
  // resolves once the change is applied on this node. AddLearner tells every member's
  // transport `address` (the change's context); a learner becomes a voter through
  // PromoteToVoter once it has caught up (FailedPrecondition before: retry).
  std::future<absl::Status> AddLearner(NodeId id, std::string address);
  std::future<absl::Status> PromoteToVoter(NodeId id);
  std::future<absl::Status> RemoveNode(NodeId id);

  // Asks the leader to hand leadership to `transferee`; resolves once the request is handed
  // to the core (not when the transfer completes: watch Status()).
  std::future<absl::Status> TransferLeadership(NodeId transferee);

  // The core's view (term, leader, role, commit, applied, membership, per-peer progress on a
  // leader) as of the raft thread's last iteration.
  NodeStatus Status() const;
  // OK while running; the failure that stopped the raft thread (storage, state machine), or
  // kCancelled after Stop().
  absl::Status health() const;

  // Stops the transport and the raft thread; pending and later requests fail with
  // kCancelled. Idempotent.
  void Stop();

  // MessageSink, for the transport (any thread).
  void Deliver(Message message) override;
  void PeerUnreachable(NodeId peer) override;

 private:
  class Loop;
  explicit Node(std::unique_ptr<Loop> loop);
  std::unique_ptr<Loop> loop_;
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_NODE_H_
