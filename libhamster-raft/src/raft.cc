#include "raft.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/str_cat.h"

namespace hamster::raft {
namespace {

// Entries are read in batches of this size when scanning the log at startup.
constexpr uint64_t kStartupScanBytes = 16 << 20;

absl::Status ValidateConfig(const Config& config) {
  if (config.id == kNoNode) return absl::InvalidArgumentError("config: id must not be 0");
  if (config.storage == nullptr) return absl::InvalidArgumentError("config: storage is null");
  if (config.heartbeat_ticks <= 0 || config.election_ticks <= config.heartbeat_ticks) {
    return absl::InvalidArgumentError("config: needs 0 < heartbeat_ticks < election_ticks");
  }
  if (config.max_inflight_messages < 1 || config.max_inflight_snapshot_chunks < 1 ||
      config.snapshot_chunk_bytes < 1 || config.max_pending_reads < 1) {
    return absl::InvalidArgumentError(
        "config: max_inflight_messages, max_inflight_snapshot_chunks, snapshot_chunk_bytes and "
        "max_pending_reads must be positive");
  }
  return absl::OkStatus();
}

// Replays the membership entries that follow the snapshot.
absl::Status ReplayMembership(const RaftLog& log, LogIndex from, Membership& membership) {
  const LogIndex last = log.last_index();
  while (from <= last) {
    absl::StatusOr<std::vector<Entry>> entries = log.Slice(from, last + 1, kStartupScanBytes);
    if (!entries.ok()) return entries.status();
    absl::Status appended = membership.Append(*entries);
    if (!appended.ok()) return appended;
    from += entries->size();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<Raft>> Raft::Create(const Config& config) {
  absl::Status valid = ValidateConfig(config);
  if (!valid.ok()) return valid;
  absl::StatusOr<HardState> hard_state = config.storage->LoadHardState();
  if (!hard_state.ok()) return hard_state.status();
  absl::StatusOr<SnapshotMetadata> snapshot = config.storage->LoadSnapshotMetadata();
  if (!snapshot.ok()) return snapshot.status();
  absl::Status conf_valid = ValidateConfState(snapshot->conf_state);
  if (!conf_valid.ok()) {
    return absl::DataLossError(absl::StrCat("stored snapshot: ", conf_valid.message()));
  }
  absl::StatusOr<RaftLog> log = RaftLog::Open(config.storage, hard_state->commit, snapshot->index);
  if (!log.ok()) return log.status();
  if (config.applied > log->committed()) {
    return absl::InvalidArgumentError(absl::StrCat("config: applied index ", config.applied,
                                                   " beyond the commit index ", log->committed()));
  }
  Membership membership(snapshot->index, snapshot->conf_state);
  absl::Status replayed = ReplayMembership(*log, snapshot->index + 1, membership);
  if (!replayed.ok()) return replayed;
  membership.Compact(log->committed());
  log->SetApplied(std::max(config.applied, log->applied()));

  std::unique_ptr<Raft> raft(new Raft(config, std::move(*log), std::move(membership)));
  raft->term_ = hard_state->term;
  raft->vote_ = hard_state->vote;
  raft->BecomeFollower(raft->term_, kNoNode);
  raft->prev_hard_state_ = raft->hard_state();
  raft->prev_soft_state_ = raft->soft_state();
  return raft;
}

Raft::Raft(const Config& config, RaftLog log, Membership membership)
    : config_(config),
      id_(config.id),
      log_(std::move(log)),
      membership_(std::move(membership)),
      prng_(config.random_seed ^ (config.id * 0x9e3779b97f4a7c15ULL)) {}

absl::Status Raft::Fail(absl::Status status) {
  if (failure_.ok()) failure_ = std::move(status);
  return failure_;
}

absl::Status Raft::Enter() {
  if (!failure_.ok()) return failure_;
  absl::Status refreshed = log_.RefreshStorageBounds();
  if (!refreshed.ok()) return Fail(refreshed);
  return absl::OkStatus();
}

void Raft::Tick() {
  // health() reports a failure; Tick has no caller to tell.
  if (!Enter().ok()) return;
  absl::Status ticked = role_ == Role::kLeader ? TickHeartbeat() : TickElection();
  if (!ticked.ok()) Fail(ticked).IgnoreError();  // as above
}

absl::Status Raft::TickElection() {
  ++election_elapsed_;
  if (!Promotable() || election_elapsed_ < randomized_election_timeout_) return absl::OkStatus();
  election_elapsed_ = 0;
  return Hup(config_.pre_vote ? CampaignType::kPreElection : CampaignType::kElection);
}

absl::Status Raft::TickHeartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  if (election_elapsed_ >= config_.election_ticks) {
    election_elapsed_ = 0;
    if (config_.check_quorum) {
      if (!QuorumActive()) {
        BecomeFollower(term_, kNoNode);
        return absl::OkStatus();
      }
      for (auto& [id, progress] : progress_) progress.recent_active = id == id_;
    }
    // A transfer that did not finish within an election timeout has failed.
    AbortLeaderTransfer();
  }
  if (heartbeat_elapsed_ < config_.heartbeat_ticks) return absl::OkStatus();
  heartbeat_elapsed_ = 0;
  BroadcastHeartbeat("");
  TickSnapshotTransfers();
  return absl::OkStatus();
}

bool Raft::QuorumActive() const {
  size_t active = 0;
  for (NodeId voter : membership_.current().voters) {
    auto it = progress_.find(voter);
    if (voter == id_ || (it != progress_.end() && it->second.recent_active)) ++active;
  }
  return active >= membership_.QuorumSize();
}

bool Raft::Promotable() const { return membership_.IsVoter(id_) && !log_.HasPendingSnapshot(); }

void Raft::ResetRandomizedElectionTimeout() {
  randomized_election_timeout_ =
      config_.election_ticks + static_cast<int>(prng_.Below(config_.election_ticks));
}

void Raft::Reset(Term term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNoNode;
  }
  lead_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedElectionTimeout();
  AbortLeaderTransfer();
  votes_.clear();
  progress_.clear();
  read_rounds_.clear();
  reads_waiting_for_commit_.clear();
  incoming_snapshot_.reset();
  uncommitted_bytes_ = 0;
}

void Raft::BecomeFollower(Term term, NodeId leader) {
  Reset(term);
  lead_ = leader;
  role_ = Role::kFollower;
}

void Raft::BecomePreCandidate() {
  // Nothing durable changes: the term is raised only once the pre-vote is won.
  votes_.clear();
  lead_ = kNoNode;
  role_ = Role::kPreCandidate;
}

void Raft::BecomeCandidate() {
  Reset(term_ + 1);
  vote_ = id_;
  role_ = Role::kCandidate;
}

absl::Status Raft::BecomeLeader() {
  Reset(term_);
  lead_ = id_;
  role_ = Role::kLeader;
  ResetProgress();
  // An entry of the new term lets the leader commit what earlier terms left uncommitted.
  absl::StatusOr<LogPosition> appended = AppendEntry(Entry{});
  if (!appended.ok()) return appended.status();
  return BroadcastAppend();
}

Message Raft::NewMessage(MessageType type, NodeId to) const {
  Message message;
  message.type = type;
  message.from = id_;
  message.to = to;
  message.term = term_;
  return message;
}

void Raft::Send(Message message) {
  // These promise durable state: a vote, a candidacy (term and self-vote), or log entries.
  switch (message.type) {
    case MessageType::kVote:
    case MessageType::kVoteResponse:
    case MessageType::kAppendResponse:
      messages_after_persist_.push_back(std::move(message));
      return;
    default:
      messages_.push_back(std::move(message));
  }
}

HardState Raft::hard_state() const {
  return HardState{.term = term_, .vote = vote_, .commit = log_.committed()};
}

SoftState Raft::soft_state() const { return SoftState{.leader_id = lead_, .role = role_}; }

absl::Status Raft::Step(Message message) {
  absl::Status entered = Enter();
  if (!entered.ok()) return entered;
  absl::Status valid = ValidateMessage(message);
  if (!valid.ok()) return valid;
  bool handled = false;
  absl::Status stepped = StepByTerm(message, handled);
  if (stepped.ok() && !handled) {
    switch (message.type) {
      case MessageType::kVote:
      case MessageType::kPreVote:
        stepped = HandleVoteRequest(message);
        break;
      default:
        stepped = role_ == Role::kLeader     ? StepLeader(message)
                  : role_ == Role::kFollower ? StepFollower(message)
                                             : StepCandidate(message);
    }
  }
  if (!stepped.ok()) return Fail(stepped);
  return absl::OkStatus();
}

absl::Status Raft::StepByTerm(Message& message, bool& handled) {
  const MessageType type = message.type;
  if (message.term > term_) {
    if (type == MessageType::kVote || type == MessageType::kPreVote) {
      // A follower that heard from its leader within the election timeout keeps it, so a
      // partitioned node cannot depose it; a transfer the leader asked for is the exception.
      const bool in_lease =
          config_.check_quorum && lead_ != kNoNode && election_elapsed_ < config_.election_ticks;
      if (in_lease && !message.leader_transfer) {
        handled = true;
        return absl::OkStatus();
      }
    }
    if (type == MessageType::kPreVote ||
        (type == MessageType::kPreVoteResponse && !message.reject)) {
      // A pre-vote changes nothing; a granted one carries the term the candidate would use.
    } else if (type == MessageType::kAppend || type == MessageType::kHeartbeat ||
               type == MessageType::kSnapshot) {
      BecomeFollower(message.term, message.from);
    } else {
      BecomeFollower(message.term, kNoNode);
    }
    return absl::OkStatus();
  }
  if (message.term < term_) {
    handled = true;
    if ((config_.check_quorum || config_.pre_vote) &&
        (type == MessageType::kHeartbeat || type == MessageType::kAppend)) {
      // A deposed leader (e.g. back from a partition) learns the new term from this and steps
      // down; with pre-vote it could otherwise never learn it.
      Send(NewMessage(MessageType::kAppendResponse, message.from));
    } else if (type == MessageType::kPreVote) {
      Message response = NewMessage(MessageType::kPreVoteResponse, message.from);
      response.reject = true;
      Send(std::move(response));
    }
  }
  return absl::OkStatus();
}

absl::Status Raft::StepLeader(Message& message) {
  switch (message.type) {
    case MessageType::kAppendResponse:
      return HandleAppendResponse(message);
    case MessageType::kHeartbeatResponse:
      return HandleHeartbeatResponse(message);
    case MessageType::kSnapshotResponse:
      return HandleSnapshotResponse(message);
    case MessageType::kTransferLeader:
      return HandleTransferLeader(message.transferee);
    case MessageType::kReadIndex:
      if (PendingReadCount() >= static_cast<size_t>(config_.max_pending_reads)) {
        return absl::OkStatus();  // the follower's request times out and is retried
      }
      return HandleReadRequest(ReadRequest{.from = message.from, .context = message.context});
    default:
      return absl::OkStatus();
  }
}

absl::Status Raft::StepCandidate(Message& message) {
  switch (message.type) {
    case MessageType::kAppend:
      BecomeFollower(message.term, message.from);
      return HandleAppend(message);
    case MessageType::kHeartbeat:
      BecomeFollower(message.term, message.from);
      HandleHeartbeat(message);
      return absl::OkStatus();
    case MessageType::kSnapshot:
      BecomeFollower(message.term, message.from);
      return HandleSnapshotChunk(message);
    case MessageType::kVoteResponse:
    case MessageType::kPreVoteResponse:
      return HandleVoteResponse(message);
    default:
      return absl::OkStatus();
  }
}

absl::Status Raft::StepFollower(Message& message) {
  switch (message.type) {
    case MessageType::kAppend:
      election_elapsed_ = 0;
      lead_ = message.from;
      return HandleAppend(message);
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      lead_ = message.from;
      HandleHeartbeat(message);
      return absl::OkStatus();
    case MessageType::kSnapshot:
      election_elapsed_ = 0;
      lead_ = message.from;
      return HandleSnapshotChunk(message);
    case MessageType::kTransferLeader:
      if (lead_ != kNoNode) {
        Message forward = NewMessage(MessageType::kTransferLeader, lead_);
        forward.transferee = message.transferee;
        Send(std::move(forward));
      }
      return absl::OkStatus();
    case MessageType::kTimeoutNow:
      // The leader hands over: campaign at once, without pre-vote and past leases.
      if (!Promotable()) return absl::OkStatus();
      return Hup(CampaignType::kTransfer);
    case MessageType::kReadIndexResponse:
      read_states_.push_back(ReadState{.index = message.index, .context = message.context});
      return absl::OkStatus();
    default:
      return absl::OkStatus();
  }
}

absl::Status Raft::ValidateMessage(const Message& message) const {
  if (message.type > MessageType::kReadIndexResponse) {
    return absl::InvalidArgumentError("message: unknown type");
  }
  const std::string name(MessageTypeName(message.type));
  if (message.to != id_) {
    return absl::InvalidArgumentError(
        absl::StrCat("message ", name, ": addressed to ", message.to, ", this is ", id_));
  }
  if (message.from == kNoNode || message.from == id_) {
    return absl::InvalidArgumentError(absl::StrCat("message ", name, ": bad sender"));
  }
  // Requests come from a node that knows a term; answers may come from a fresh node (term 0).
  const bool request =
      message.type == MessageType::kAppend || message.type == MessageType::kHeartbeat ||
      message.type == MessageType::kSnapshot || message.type == MessageType::kVote ||
      message.type == MessageType::kPreVote || message.type == MessageType::kTimeoutNow;
  if (request && message.term == 0) {
    return absl::InvalidArgumentError(absl::StrCat("message ", name, ": term 0"));
  }
  if (message.type != MessageType::kAppend && !message.entries.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("message ", name, ": unexpected entries"));
  }
  if (message.type == MessageType::kAppend) {
    Term previous_term = message.log_term;
    for (size_t i = 0; i < message.entries.size(); ++i) {
      const Entry& entry = message.entries[i];
      if (entry.index != message.index + 1 + i || entry.term < previous_term ||
          entry.term > message.term || entry.type > EntryType::kConfChange) {
        return absl::InvalidArgumentError(
            absl::StrCat("message Append: entry ", i, " out of sequence"));
      }
      previous_term = entry.term;
    }
  }
  if (message.type == MessageType::kSnapshot) {
    if (!message.snapshot_chunk) return absl::InvalidArgumentError("message Snapshot: no chunk");
    const SnapshotChunk& chunk = *message.snapshot_chunk;
    const bool fits = chunk.offset <= chunk.total_size_bytes &&
                      chunk.data.size() <= chunk.total_size_bytes - chunk.offset;
    if (!fits || chunk.done != (chunk.offset + chunk.data.size() == chunk.total_size_bytes) ||
        chunk.metadata.index == 0 || chunk.metadata.term == 0 ||
        chunk.metadata.term > message.term) {
      return absl::InvalidArgumentError("message Snapshot: inconsistent chunk");
    }
    absl::Status conf = ValidateConfState(chunk.metadata.conf_state);
    if (!conf.ok())
      return absl::InvalidArgumentError(absl::StrCat("message Snapshot: ", conf.message()));
  }
  if (message.type == MessageType::kTransferLeader && message.transferee == kNoNode) {
    return absl::InvalidArgumentError("message TransferLeader: no transferee");
  }
  return absl::OkStatus();
}

absl::Status Raft::Campaign() {
  absl::Status entered = Enter();
  if (!entered.ok()) return entered;
  if (role_ == Role::kLeader) return absl::OkStatus();
  if (!Promotable()) {
    return absl::FailedPreconditionError(
        absl::StrCat("node ", id_, " cannot campaign: not a voter, or installing a snapshot"));
  }
  absl::Status started =
      Hup(config_.pre_vote ? CampaignType::kPreElection : CampaignType::kElection);
  if (!started.ok()) return Fail(started);
  return absl::OkStatus();
}

void Raft::ReportUnreachable(NodeId peer) {
  if (role_ != Role::kLeader) return;
  auto it = progress_.find(peer);
  if (it != progress_.end() && it->second.state == ProgressState::kReplicate) {
    it->second.BecomeProbe();
  }
}

}  // namespace hamster::raft
