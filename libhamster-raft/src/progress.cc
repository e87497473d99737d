#include "progress.h"

#include <algorithm>
#include <cassert>

namespace hamster::raft {

void Inflights::Add(LogIndex last_index) {
  assert(!Full());
  assert(indexes_.empty() || indexes_.back() < last_index);
  indexes_.push_back(last_index);
}

void Inflights::FreeLE(LogIndex index) {
  while (!indexes_.empty() && indexes_.front() <= index) indexes_.pop_front();
}

void Progress::ResetState(ProgressState new_state) {
  probe_sent = false;
  pending_snapshot = 0;
  transfer = SnapshotTransfer();
  state = new_state;
  inflights.Reset();
}

void Progress::BecomeProbe() {
  // After a snapshot, the follower holds at least the snapshot's entries.
  if (state == ProgressState::kSnapshot) {
    const LogIndex snapshot_index = pending_snapshot;
    ResetState(ProgressState::kProbe);
    next = std::max(match + 1, snapshot_index + 1);
    return;
  }
  ResetState(ProgressState::kProbe);
  next = match + 1;
}

void Progress::BecomeReplicate() {
  ResetState(ProgressState::kReplicate);
  next = match + 1;
}

void Progress::BecomeSnapshot(std::shared_ptr<const Snapshot> snapshot) {
  ResetState(ProgressState::kSnapshot);
  pending_snapshot = snapshot->metadata.index;
  transfer.snapshot = std::move(snapshot);
}

bool Progress::MaybeUpdate(LogIndex index) {
  bool updated = false;
  if (match < index) {
    match = index;
    updated = true;
    probe_sent = false;
  }
  next = std::max(next, index + 1);
  return updated;
}

bool Progress::MaybeDecreaseTo(LogIndex rejected, LogIndex match_hint) {
  if (state == ProgressState::kReplicate) {
    // A rejection at or below match comes from an older Append.
    if (rejected <= match) return false;
    next = match + 1;
    return true;
  }
  // In probe, only the answer to the one Append in flight (at next - 1) counts.
  if (next == 0 || next - 1 != rejected) return false;
  next = std::max<LogIndex>(std::min(rejected, match_hint + 1), match + 1);
  probe_sent = false;
  return true;
}

bool Progress::IsPaused() const {
  switch (state) {
    case ProgressState::kProbe:
      return probe_sent;
    case ProgressState::kReplicate:
      return inflights.Full();
    case ProgressState::kSnapshot:
      return true;
  }
  return true;
}

}  // namespace hamster::raft
