// Log replication: proposals, Appends and their flow control, commit, and membership entries.

#include <algorithm>
#include <functional>

#include "absl/strings/str_cat.h"
#include "raft.h"

namespace hamster::raft {
namespace {

absl::Status NotLeader(NodeId id, NodeId leader) {
  if (leader == kNoNode)
    return absl::UnavailableError(absl::StrCat("node ", id, " is not the leader; no leader known"));
  return absl::UnavailableError(
      absl::StrCat("node ", id, " is not the leader; the leader is ", leader));
}

}  // namespace

absl::StatusOr<LogPosition> Raft::Propose(std::string data) {
  absl::Status entered = Enter();
  if (!entered.ok()) return entered;
  if (role_ != Role::kLeader) return NotLeader(id_, lead_);
  if (lead_transferee_ != kNoNode) {
    return absl::UnavailableError(
        absl::StrCat("leadership is being transferred to ", lead_transferee_));
  }
  if (uncommitted_bytes_ > 0 && uncommitted_bytes_ + data.size() > config_.max_uncommitted_bytes) {
    return absl::UnavailableError(absl::StrCat("uncommitted entries hold ", uncommitted_bytes_,
                                               " bytes; the limit is ",
                                               config_.max_uncommitted_bytes));
  }
  absl::StatusOr<LogPosition> position = AppendEntry(Entry{.data = std::move(data)});
  if (!position.ok()) return Fail(position.status());
  pending_broadcast_ = true;
  return position;
}

absl::StatusOr<LogPosition> Raft::ProposeConfChange(const ConfChange& change) {
  absl::Status entered = Enter();
  if (!entered.ok()) return entered;
  if (role_ != Role::kLeader) return NotLeader(id_, lead_);
  if (lead_transferee_ != kNoNode) {
    return absl::UnavailableError(
        absl::StrCat("leadership is being transferred to ", lead_transferee_));
  }
  absl::StatusOr<bool> committed_in_term = CommittedEntryInCurrentTerm();
  if (!committed_in_term.ok()) return Fail(committed_in_term.status());
  // The dissertation's fix for single-server changes: a new leader's change could otherwise
  // form a majority disjoint from an uncommitted change of a previous leader.
  if (!*committed_in_term) {
    return absl::FailedPreconditionError("the leader has not yet committed an entry of its term");
  }
  if (membership_.current_index() > log_.committed()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the membership change at ", membership_.current_index(), " is not yet committed"));
  }
  absl::StatusOr<ConfState> next = membership_.Apply(change);
  if (!next.ok()) return next.status();
  if (change.type == ConfChangeType::kAddVoter) {
    const Progress& learner = progress_.at(change.node_id);
    if (learner.match < log_.committed() || !learner.recent_active) {
      return absl::FailedPreconditionError(
          absl::StrCat("learner ", change.node_id, " has not caught up: it holds up to ",
                       learner.match, ", the commit index is ", log_.committed()));
    }
  }
  Entry entry{
      .type = EntryType::kConfChange,
      .data = EncodeConfChangeEntry(ConfChangeEntry{.change = change, .conf_state = *next})};
  absl::StatusOr<LogPosition> position = AppendEntry(std::move(entry));
  if (!position.ok()) return Fail(position.status());
  pending_broadcast_ = true;
  return position;
}

absl::StatusOr<LogPosition> Raft::AppendEntry(Entry entry) {
  entry.term = term_;
  entry.index = log_.last_index() + 1;
  const LogPosition position{.index = entry.index, .term = entry.term};
  const bool membership_change = entry.type == EntryType::kConfChange;
  uncommitted_bytes_ += entry.data.size();
  std::vector<Entry> entries;
  entries.push_back(std::move(entry));
  if (membership_change) {
    absl::Status appended = membership_.Append(entries);
    if (!appended.ok()) return appended;
  }
  log_.Append(std::move(entries));
  if (membership_change) {
    absl::Status changed = OnMembershipChanged();
    if (!changed.ok()) return changed;
  }
  return position;
}

absl::StatusOr<bool> Raft::SendAppend(NodeId to, SendMode mode) {
  auto it = progress_.find(to);
  if (it == progress_.end() || to == id_) return false;
  Progress& progress = it->second;
  if (progress.IsPaused()) return false;
  const LogIndex previous = progress.next - 1;
  absl::StatusOr<Term> previous_term = log_.TermOf(previous);
  absl::StatusOr<std::vector<Entry>> entries = std::vector<Entry>();
  if (previous_term.ok() && progress.next <= log_.last_index()) {
    entries = log_.Slice(progress.next, log_.last_index() + 1, config_.max_message_bytes);
  }
  // The entries the follower needs were compacted: only a snapshot can catch it up.
  if (absl::IsOutOfRange(previous_term.status()) || absl::IsOutOfRange(entries.status())) {
    return MaybeSendSnapshot(to, progress);
  }
  if (!previous_term.ok()) return previous_term.status();
  if (!entries.ok()) return entries.status();
  if (entries->empty()) {
    if (mode == SendMode::kIfEntries) return false;
    if (mode == SendMode::kIfEntriesOrCommit && progress.sent_commit >= log_.committed()) {
      return false;
    }
  }
  Message message = NewMessage(MessageType::kAppend, to);
  message.index = previous;
  message.log_term = *previous_term;
  message.commit = log_.committed();
  if (!entries->empty()) {
    const LogIndex last = entries->back().index;
    if (progress.state == ProgressState::kReplicate) {
      progress.OptimisticUpdate(last);
      progress.inflights.Add(last);
    } else {
      progress.probe_sent = true;
    }
  }
  // Its answer would tell nothing new: the match index stays, and heartbeats keep the
  // follower's activity known. Skipping it saves a message per commit per follower.
  message.commit_only = entries->empty() &&
                        mode == SendMode::kIfEntriesOrCommit &&
                        progress.state == ProgressState::kReplicate && progress.match == previous;
  message.entries = std::move(*entries);
  progress.sent_commit = std::max(progress.sent_commit, message.commit);
  Send(std::move(message));
  return true;
}

absl::Status Raft::BroadcastAppend() {
  for (auto& [id, progress] : progress_) {
    if (id == id_) continue;
    // In the replicate state, fill the window (pipelining); a probe sends one.
    for (SendMode mode = SendMode::kIfEntriesOrCommit;; mode = SendMode::kIfEntries) {
      absl::StatusOr<bool> sent = SendAppend(id, mode);
      if (!sent.ok()) return sent.status();
      if (!*sent) break;
    }
  }
  return absl::OkStatus();
}

void Raft::SendHeartbeat(NodeId to, const std::string& context) {
  Message message = NewMessage(MessageType::kHeartbeat, to);
  // The follower may not hold entries up to our commit index yet; never make it commit
  // beyond what it is known to match.
  Progress& progress = progress_.at(to);
  message.commit = std::min(progress.match, log_.committed());
  progress.sent_commit = std::max(progress.sent_commit, message.commit);
  message.context = context;
  Send(std::move(message));
}

void Raft::BroadcastHeartbeat(const std::string& context) {
  for (const auto& [id, progress] : progress_) {
    if (id != id_) SendHeartbeat(id, context);
  }
}

void Raft::SendTimeoutNow(NodeId to) { Send(NewMessage(MessageType::kTimeoutNow, to)); }

absl::Status Raft::MaybeCommit() {
  if (role_ != Role::kLeader) return absl::OkStatus();
  std::vector<LogIndex> matches;
  for (NodeId voter : membership_.current().voters) {
    auto it = progress_.find(voter);
    matches.push_back(it == progress_.end() ? 0 : it->second.match);
  }
  std::sort(matches.begin(), matches.end(), std::greater<LogIndex>());
  const LogIndex quorum_match = matches[membership_.QuorumSize() - 1];
  // Only an entry of the leader's own term is committed by counting replicas; earlier ones
  // commit with it (Raft paper, 5.4.2).
  absl::StatusOr<bool> advanced = log_.MaybeCommit(quorum_match, term_);
  if (!advanced.ok()) return advanced.status();
  if (!*advanced) return absl::OkStatus();
  return OnCommitAdvanced();
}

absl::Status Raft::OnCommitAdvanced() {
  if (!membership_.IsVoter(id_) && membership_.current_index() <= log_.committed()) {
    // The membership without this leader is committed: hand over to the most caught-up
    // voter rather than waiting for an election timeout, then step down.
    NodeId successor = kNoNode;
    for (NodeId voter : membership_.current().voters) {
      auto it = progress_.find(voter);
      if (it != progress_.end() && it->second.match == log_.last_index()) successor = voter;
    }
    if (successor != kNoNode) SendTimeoutNow(successor);
    BecomeFollower(term_, kNoNode);
    return absl::OkStatus();
  }
  pending_broadcast_ = true;
  return ReleasePendingReads();
}

absl::Status Raft::HandleAppendResponse(const Message& message) {
  auto it = progress_.find(message.from);
  if (it == progress_.end()) return absl::OkStatus();
  Progress& progress = it->second;
  progress.recent_active = true;
  if (message.reject) {
    LogIndex next_probe = message.reject_hint;
    if (message.log_term > 0) {
      absl::StatusOr<LogPosition> conflict =
          log_.FindConflictByTerm(message.reject_hint, message.log_term);
      if (!conflict.ok()) return conflict.status();
      next_probe = conflict->index;
    }
    if (!progress.MaybeDecreaseTo(message.index, next_probe)) return absl::OkStatus();
    if (progress.state == ProgressState::kReplicate) progress.BecomeProbe();
    return SendAppend(message.from, SendMode::kAlways).status();
  }
  const bool was_paused = progress.IsPaused();
  const bool probe_confirmed =
      progress.match == message.index && progress.state == ProgressState::kProbe;
  if (!progress.MaybeUpdate(message.index) && !probe_confirmed) return absl::OkStatus();
  switch (progress.state) {
    case ProgressState::kProbe:
      progress.BecomeReplicate();
      break;
    case ProgressState::kSnapshot:
      if (progress.match + 1 >= log_.first_index()) {
        // Whatever snapshot the follower installed, it can continue from the log now.
        progress.BecomeProbe();
        progress.BecomeReplicate();
      } else if (progress.match >= progress.pending_snapshot) {
        // It installed ours, but the log was compacted beyond it meanwhile: probing finds
        // that out and sends the newer snapshot.
        progress.BecomeProbe();
      }
      break;
    case ProgressState::kReplicate:
      progress.inflights.FreeLE(message.index);
      break;
  }
  const LogIndex committed = log_.committed();
  absl::Status committing = MaybeCommit();
  if (!committing.ok()) return committing;
  if (role_ != Role::kLeader) return absl::OkStatus();
  if (log_.committed() == committed && was_paused) {
    absl::StatusOr<bool> sent = SendAppend(message.from, SendMode::kAlways);
    if (!sent.ok()) return sent.status();
  }
  // Freed window slots (or a new replicate state) may allow several Appends at once.
  for (;;) {
    absl::StatusOr<bool> sent = SendAppend(message.from, SendMode::kIfEntries);
    if (!sent.ok()) return sent.status();
    if (!*sent) break;
  }
  if (message.from == lead_transferee_ && progress.match == log_.last_index()) {
    SendTimeoutNow(message.from);
  }
  return absl::OkStatus();
}

absl::Status Raft::HandleHeartbeatResponse(const Message& message) {
  auto it = progress_.find(message.from);
  if (it == progress_.end()) return absl::OkStatus();
  Progress& progress = it->second;
  progress.recent_active = true;
  progress.probe_sent = false;
  // If every Append in the window was lost, this lets one more out to restart the flow.
  if (progress.state == ProgressState::kReplicate && progress.inflights.Full()) {
    progress.inflights.FreeFirst();
  }
  if (progress.match < log_.last_index()) {
    absl::StatusOr<bool> sent = SendAppend(message.from, SendMode::kAlways);
    if (!sent.ok()) return sent.status();
  }
  if (!message.context.empty()) HandleReadAck(message.from, message.context);
  return absl::OkStatus();
}

absl::Status Raft::HandleAppend(Message& message) {
  Message response = NewMessage(MessageType::kAppendResponse, message.from);
  if (message.index < log_.committed()) {
    // Everything up to our commit index matches the leader already.
    if (message.commit_only) return absl::OkStatus();
    response.index = log_.committed();
    Send(std::move(response));
    return absl::OkStatus();
  }
  std::vector<Entry> membership_entries;
  for (const Entry& entry : message.entries) {
    if (entry.type == EntryType::kConfChange) membership_entries.push_back(entry);
  }
  LogIndex first_changed = 0;
  absl::StatusOr<std::optional<LogIndex>> appended = log_.MaybeAppend(
      message.index, message.log_term, message.commit, std::move(message.entries), &first_changed);
  if (!appended.ok()) return appended.status();
  if (appended->has_value()) {
    if (first_changed != 0) {
      absl::Status updated = UpdateMembership(first_changed, membership_entries);
      if (!updated.ok()) return updated;
    }
    if (message.commit_only) return absl::OkStatus();
    response.index = **appended;
    Send(std::move(response));
    return absl::OkStatus();
  }
  const LogIndex hint = std::min(message.index, log_.last_index());
  absl::StatusOr<LogPosition> conflict = log_.FindConflictByTerm(hint, message.log_term);
  if (!conflict.ok()) return conflict.status();
  response.index = message.index;
  response.reject = true;
  response.reject_hint = conflict->index;
  response.log_term = conflict->term;
  Send(std::move(response));
  return absl::OkStatus();
}

void Raft::HandleHeartbeat(const Message& message) {
  log_.CommitTo(std::min(message.commit, log_.last_index()));
  Message response = NewMessage(MessageType::kHeartbeatResponse, message.from);
  response.context = message.context;
  Send(std::move(response));
}

absl::Status Raft::UpdateMembership(LogIndex first_changed, const std::vector<Entry>& entries) {
  membership_.TruncateFrom(first_changed);
  std::vector<Entry> added;
  for (const Entry& entry : entries) {
    if (entry.index >= first_changed) added.push_back(entry);
  }
  absl::Status appended = membership_.Append(added);
  if (!appended.ok()) return appended;
  return OnMembershipChanged();
}

absl::Status Raft::OnMembershipChanged() {
  if (role_ != Role::kLeader) return absl::OkStatus();
  const ConfState& conf = membership_.current();
  for (const std::vector<NodeId>* ids : {&conf.voters, &conf.learners}) {
    for (NodeId id : *ids) {
      auto [it, added] =
          progress_.try_emplace(id, log_.last_index() + 1, config_.max_inflight_messages, false);
      it->second.learner = ids == &conf.learners;
      // A new member has not had a chance to answer; do not count it as lost yet.
      if (added) it->second.recent_active = true;
    }
  }
  std::erase_if(progress_, [&](const auto& item) {
    return item.first != id_ && !membership_.IsMember(item.first);
  });
  if (lead_transferee_ != kNoNode && !membership_.IsVoter(lead_transferee_)) AbortLeaderTransfer();
  return MaybeCommit();
}

void Raft::ResetProgress() {
  progress_.clear();
  const ConfState& conf = membership_.current();
  for (const std::vector<NodeId>* ids : {&conf.voters, &conf.learners}) {
    for (NodeId id : *ids) {
      progress_.try_emplace(id, log_.last_index() + 1, config_.max_inflight_messages,
                            ids == &conf.learners);
    }
  }
  auto [self, added] =
      progress_.try_emplace(id_, log_.last_index() + 1, config_.max_inflight_messages, false);
  self->second.match = log_.persisted_index();
  self->second.recent_active = true;
  self->second.BecomeReplicate();
  self->second.next = log_.last_index() + 1;
}

}  // namespace hamster::raft
