// The Ready / Advance handshake with the embedder, and status reporting.

#include <cassert>

#include "raft.h"

namespace hamster::raft {

bool Raft::HasReady() const {
  if (!failure_.ok() || in_flight_) return false;
  if (pending_broadcast_ || !messages_.empty() || !messages_after_persist_.empty() ||
      !read_states_.empty()) {
    return true;
  }
  if (soft_state() != prev_soft_state_ || hard_state() != prev_hard_state_) return true;
  if (log_.unstable().snapshot() || !log_.unstable().entries().empty()) return true;
  return log_.HasNextCommittedEntries();
}

Ready Raft::TakeReady() {
  assert(HasReady());
  Ready ready;
  if (pending_broadcast_) {
    pending_broadcast_ = false;
    absl::Status sent = BroadcastAppend();
    if (!sent.ok()) {
      Fail(sent).IgnoreError();  // health() reports it; the empty Ready does nothing
      return ready;
    }
  }
  absl::StatusOr<std::vector<Entry>> committed =
      log_.NextCommittedEntries(config_.max_committed_bytes_per_ready);
  if (!committed.ok()) {
    Fail(committed.status()).IgnoreError();  // as above
    return ready;
  }
  InFlight in_flight;
  ready.entries = log_.unstable().entries();
  if (!ready.entries.empty()) {
    in_flight.last_entry =
        LogPosition{.index = ready.entries.back().index, .term = ready.entries.back().term};
  }
  if (log_.unstable().snapshot()) {
    ready.snapshot = *log_.unstable().snapshot();
    in_flight.snapshot_index = ready.snapshot->metadata.index;
  }
  ready.committed_entries = std::move(*committed);
  if (!ready.committed_entries.empty()) {
    in_flight.last_committed = ready.committed_entries.back().index;
    in_flight.committed_bytes = EntryBytes(ready.committed_entries);
  }
  const SoftState soft = soft_state();
  if (soft != prev_soft_state_) ready.soft_state = soft;
  prev_soft_state_ = soft;
  const HardState hard = hard_state();
  if (hard != prev_hard_state_) ready.hard_state = hard;
  // A lost commit index is learned again from the leader; a lost term or vote is not.
  ready.must_sync = !ready.entries.empty() || ready.snapshot.has_value() ||
                    hard.term != prev_hard_state_.term || hard.vote != prev_hard_state_.vote;
  prev_hard_state_ = hard;
  ready.messages = std::move(messages_);
  messages_.clear();
  ready.messages_after_persist = std::move(messages_after_persist_);
  messages_after_persist_.clear();
  ready.read_states = std::move(read_states_);
  read_states_.clear();
  in_flight_ = in_flight;
  return ready;
}

void Raft::Advance() {
  assert(in_flight_.has_value());
  const InFlight in_flight = *in_flight_;
  in_flight_.reset();
  if (!failure_.ok()) return;
  if (in_flight.last_entry) log_.StableTo(in_flight.last_entry->index, in_flight.last_entry->term);
  if (in_flight.snapshot_index) {
    log_.StableSnapshotTo(*in_flight.snapshot_index);
    log_.AppliedTo(*in_flight.snapshot_index);
  }
  if (in_flight.last_committed) {
    log_.AppliedTo(*in_flight.last_committed);
    uncommitted_bytes_ -= std::min(uncommitted_bytes_, in_flight.committed_bytes);
  }
  absl::Status entered = Enter();
  if (!entered.ok()) return;
  membership_.Compact(log_.committed());
  if (role_ != Role::kLeader) return;
  // The leader counts itself towards a quorum only for entries it has made durable.
  if (progress_.at(id_).MaybeUpdate(log_.persisted_index())) {
    absl::Status committed = MaybeCommit();
    if (!committed.ok()) Fail(committed).IgnoreError();  // health() reports it
  }
}

NodeStatus Raft::status() const {
  NodeStatus status{
      .id = id_,
      .hard_state = hard_state(),
      .soft_state = soft_state(),
      .applied = log_.applied(),
      .last_index = log_.last_index(),
      .conf_state = membership_.current(),
      .transferee = lead_transferee_,
  };
  for (const auto& [id, progress] : progress_) {
    status.peers[id] = PeerStatus{.match = progress.match,
                                  .next = progress.next,
                                  .state = progress.state,
                                  .learner = progress.learner,
                                  .recent_active = progress.recent_active};
  }
  return status;
}

}  // namespace hamster::raft
