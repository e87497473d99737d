// The Raft state machine behind RawNode: roles, elections, replication, commit, reads,
// leadership transfer, membership and snapshots. RawNode is a thin facade over it.
//
// Every storage read may fail; such a failure stops the node (failure_), after which every
// public call returns it and nothing more is produced. Internal functions therefore return
// absl::Status and callers propagate it with an early return.

#ifndef HAMSTER_RAFT_SRC_RAFT_H_
#define HAMSTER_RAFT_SRC_RAFT_H_

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/raft/raw_node.h"
#include "membership.h"
#include "prng.h"
#include "progress.h"
#include "raft_log.h"

namespace hamster::raft {

class Raft {
 public:
  static absl::StatusOr<std::unique_ptr<Raft>> Create(const Config& config);

  void Tick();
  absl::Status Step(Message message);
  absl::Status Campaign();
  absl::StatusOr<LogPosition> Propose(std::string data);
  absl::StatusOr<LogPosition> ProposeConfChange(const ConfChange& change);
  absl::Status ReadIndex(std::string context);
  absl::Status TransferLeader(NodeId transferee);
  void ReportUnreachable(NodeId peer);

  bool HasReady() const;
  Ready TakeReady();
  void Advance();
  NodeStatus status() const;
  HardState hard_state() const;
  SoftState soft_state() const;
  const absl::Status& health() const { return failure_; }

 private:
  enum class CampaignType { kPreElection, kElection, kTransfer };
  enum class VoteResult { kPending, kWon, kLost };
  struct ReadRequest {
    NodeId from;  // this node's id for a local request
    std::string context;
  };
  // A heartbeat round confirming leadership for the reads that arrived before it.
  struct ReadRound {
    uint64_t id;
    LogIndex index;  // the commit index when the round started
    std::vector<ReadRequest> requests;
    std::set<NodeId> acks;
  };
  // The snapshot being received from the leader.
  struct IncomingSnapshot {
    NodeId from;
    SnapshotMetadata metadata;
    uint64_t total_size_bytes;
    std::string data;
  };
  // What the outstanding Ready handed out, for Advance().
  struct InFlight {
    std::optional<LogPosition> last_entry;
    std::optional<LogIndex> snapshot_index;
    std::optional<LogIndex> last_committed;
    uint64_t committed_bytes = 0;
  };

  Raft(const Config& config, RaftLog log, Membership membership);

  // raft.cc: dispatch, roles, timers.
  absl::Status Fail(absl::Status status);
  // Every public call starts here: fails if the node stopped, then re-reads storage bounds.
  absl::Status Enter();
  absl::Status ValidateMessage(const Message& message) const;
  absl::Status StepByTerm(Message& message, bool& handled);
  absl::Status StepLeader(Message& message);
  absl::Status StepCandidate(Message& message);
  absl::Status StepFollower(Message& message);
  void Reset(Term term);
  void BecomeFollower(Term term, NodeId leader);
  void BecomePreCandidate();
  void BecomeCandidate();
  absl::Status BecomeLeader();
  absl::Status TickElection();
  absl::Status TickHeartbeat();
  void ResetRandomizedElectionTimeout();
  bool Promotable() const;
  bool QuorumActive() const;
  Message NewMessage(MessageType type, NodeId to) const;
  void Send(Message message);

  // raft_election.cc
  absl::Status Hup(CampaignType type);
  absl::Status StartCampaign(CampaignType type);
  VoteResult Poll(NodeId from, bool granted);
  absl::Status HandleVoteRequest(const Message& message);
  absl::Status HandleVoteResponse(const Message& message);

  // raft_replication.cc
  absl::StatusOr<LogPosition> AppendEntry(Entry entry);
  enum class SendMode {
    kIfEntries,          // only if there are entries to send
    kIfEntriesOrCommit,  // also to tell a commit index the follower was not sent yet
    kAlways,             // also as an empty probe
  };
  // Returns whether a message went out.
  absl::StatusOr<bool> SendAppend(NodeId to, SendMode mode);
  absl::Status BroadcastAppend();
  void SendHeartbeat(NodeId to, const std::string& context);
  void BroadcastHeartbeat(const std::string& context);
  absl::Status MaybeCommit();
  absl::Status OnCommitAdvanced();
  absl::Status HandleAppend(Message& message);
  void HandleHeartbeat(const Message& message);
  absl::Status HandleAppendResponse(const Message& message);
  absl::Status HandleHeartbeatResponse(const Message& message);
  absl::Status OnMembershipChanged();
  absl::Status UpdateMembership(LogIndex first_changed, const std::vector<Entry>& entries);
  void ResetProgress();
  void SendTimeoutNow(NodeId to);

  // raft_snapshot.cc
  absl::StatusOr<bool> MaybeSendSnapshot(NodeId to, Progress& progress);
  void SendSnapshotChunks(NodeId to, Progress& progress);
  void TickSnapshotTransfers();
  absl::Status HandleSnapshotChunk(const Message& message);
  absl::Status HandleSnapshotResponse(const Message& message);
  absl::StatusOr<bool> Restore(Snapshot snapshot);
  absl::StatusOr<std::shared_ptr<const Snapshot>> SnapshotToSend();

  // raft_read.cc
  absl::Status HandleReadRequest(ReadRequest request);
  void StartReadRound(std::vector<ReadRequest> requests);
  void HandleReadAck(NodeId from, const std::string& context);
  void RespondToRead(const ReadRequest& request, LogIndex index);
  absl::Status ReleasePendingReads();
  absl::StatusOr<bool> CommittedEntryInCurrentTerm() const;
  size_t PendingReadCount() const;
  absl::Status HandleTransferLeader(NodeId transferee);
  void AbortLeaderTransfer() { lead_transferee_ = kNoNode; }

  const Config config_;
  const NodeId id_;
  absl::Status failure_;
  Term term_ = 0;
  NodeId vote_ = kNoNode;
  Role role_ = Role::kFollower;
  NodeId lead_ = kNoNode;
  RaftLog log_;
  Membership membership_;
  std::map<NodeId, Progress> progress_;  // leader only
  std::map<NodeId, bool> votes_;         // candidate and pre-candidate only
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;
  NodeId lead_transferee_ = kNoNode;
  uint64_t uncommitted_bytes_ = 0;
  // Proposals and commit advances are sent to followers once per Ready, batching them.
  bool pending_broadcast_ = false;
  Prng prng_;

  std::deque<ReadRound> read_rounds_;
  std::vector<ReadRequest> reads_waiting_for_commit_;
  uint64_t next_read_round_ = 1;
  std::vector<ReadState> read_states_;

  std::shared_ptr<const Snapshot> snapshot_cache_;
  std::optional<IncomingSnapshot> incoming_snapshot_;

  std::vector<Message> messages_;
  std::vector<Message> messages_after_persist_;
  std::optional<InFlight> in_flight_;
  SoftState prev_soft_state_;
  HardState prev_hard_state_;
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_SRC_RAFT_H_
