// The raft thread's handling of each Ready, in the order raw_node.h prescribes, and what
// follows from applying entries: resolving proposals and reads, learning peer addresses,
// snapshots and compaction.

#include <utility>

#include "absl/strings/str_cat.h"
#include "loop.h"
#include "snapshot_envelope.h"

namespace hamster::raft {

absl::Status Node::Loop::HandleReadies() {
  while (raw_->HasReady()) {
    Ready ready = raw_->TakeReady();
    // Pipelining: these promise nothing durable, so they go out while the write runs.
    if (!ready.messages.empty()) Send(std::move(ready.messages));
    LearnAddresses(ready.entries);
    absl::Status persisted = Persist(ready);
    if (!persisted.ok()) return persisted;
    if (!ready.messages_after_persist.empty()) Send(std::move(ready.messages_after_persist));
    if (ready.snapshot) {
      absl::Status restored = RestoreSnapshot(*ready.snapshot);
      if (!restored.ok()) return restored;
    }
    for (const Entry& entry : ready.committed_entries) {
      absl::Status applied = ApplyEntry(entry);
      if (!applied.ok()) return applied;
    }
    for (const ReadState& read : ready.read_states) {
      auto it = pending_reads_.find(read.context);
      if (it == pending_reads_.end()) continue;  // timed out meanwhile
      waiting_reads_.emplace(read.index, std::move(it->second.promise));
      pending_reads_.erase(it);
    }
    raw_->Advance();
    ServeReads();
    absl::Status snapshotted = MaybeSnapshot();
    if (!snapshotted.ok()) return snapshotted;
  }
  return absl::OkStatus();
}

absl::Status Node::Loop::Persist(Ready& ready) {
  // A new commit index alone is not synced anyway (a lost one is learned again from the
  // leader), so it waits for the next write rather than costing a write of its own on every
  // commit. Nothing else is ever deferred: term, vote and entries are synced at once.
  if (ready.entries.empty() && !ready.snapshot && !ready.must_sync) {
    if (ready.hard_state) deferred_hard_state_ = ready.hard_state;
    return absl::OkStatus();
  }
  if (!ready.hard_state) ready.hard_state = deferred_hard_state_;
  deferred_hard_state_.reset();
  return options_.storage->Persist(ready);
}

absl::Status Node::Loop::PersistDeferredHardState() {
  if (!deferred_hard_state_) return absl::OkStatus();
  Ready ready;
  ready.hard_state = std::exchange(deferred_hard_state_, std::nullopt);
  return options_.storage->Persist(ready);
}

void Node::Loop::Send(std::vector<Message> messages) {
  commit_notices_.Hold(messages, std::chrono::steady_clock::now());
  if (!messages.empty()) options_.transport->Send(std::move(messages));
}

void Node::Loop::SendHeldCommitsIfDue(std::chrono::steady_clock::time_point now) {
  std::vector<Message> due = commit_notices_.TakeDue(now);
  if (!due.empty()) options_.transport->Send(std::move(due));
}

absl::Status Node::Loop::RestoreSnapshot(const Snapshot& snapshot) {
  absl::StatusOr<SnapshotEnvelope> envelope = DecodeSnapshotEnvelope(snapshot.data);
  if (!envelope.ok()) return envelope.status();
  absl::Status restored = options_.state_machine->Restore(envelope->data);
  if (!restored.ok()) {
    return absl::Status(restored.code(),
                        absl::StrCat("state machine restore: ", restored.message()));
  }
  for (const auto& [peer, address] : envelope->addresses) SetAddress(peer, address);
  applied_ = snapshot.metadata.index;
  snapshot_index_ = snapshot.metadata.index;
  applied_conf_ = snapshot.metadata.conf_state;
  // Proposals the snapshot covers: whether they were the entries committed there is unknown.
  auto end = pending_entries_.upper_bound(applied_);
  for (auto it = pending_entries_.begin(); it != end; ++it) {
    it->second.done(absl::UnknownError(
        "outcome unknown: a snapshot from the leader covered the proposal's index"));
  }
  pending_entries_.erase(pending_entries_.begin(), end);
  return absl::OkStatus();
}

absl::Status Node::Loop::ApplyEntry(const Entry& entry) {
  applied_ = entry.index;
  if (entry.type == EntryType::kConfChange) {
    absl::StatusOr<ConfChangeEntry> change = DecodeConfChangeEntry(entry.data);
    if (!change.ok()) return change.status();  // the core decoded it on append: corruption
    ApplyConfChange(*change);
    ResolveEntry(entry, std::string());
    return absl::OkStatus();
  }
  // Empty entries are the ones new leaders append; proposals are never empty.
  if (entry.data.empty()) {
    ResolveEntry(entry, std::string());
    return absl::OkStatus();
  }
  ResolveEntry(entry, options_.state_machine->Apply(entry));
  return absl::OkStatus();
}

void Node::Loop::ResolveEntry(const Entry& entry, absl::StatusOr<std::string> result) {
  auto it = pending_entries_.find(entry.index);
  if (it == pending_entries_.end()) return;
  PendingEntry pending = std::move(it->second);
  pending_entries_.erase(it);
  // (index, term) names one entry: another term here means the proposal was replaced.
  if (pending.term != entry.term) {
    pending.done(absl::AbortedError(absl::StrCat("proposal at index ", entry.index,
                                                 " was replaced by a later leader's entry")));
    return;
  }
  pending.done(std::move(result));
}

void Node::Loop::Track(LogPosition position,
                       std::function<void(absl::StatusOr<std::string>)> done) {
  auto it = pending_entries_.find(position.index);
  if (it != pending_entries_.end()) {
    // This node proposed at this index in an earlier term: that entry was replaced.
    it->second.done(absl::AbortedError(absl::StrCat("proposal at index ", position.index,
                                                    " was replaced by a later leader's entry")));
  }
  pending_entries_[position.index] = PendingEntry{.term = position.term, .done = std::move(done)};
}

void Node::Loop::ApplyConfChange(const ConfChangeEntry& change) {
  applied_conf_ = change.conf_state;
  const NodeId peer = change.change.node_id;
  if (change.change.type != ConfChangeType::kRemoveNode) {
    if (!change.change.context.empty()) SetAddress(peer, change.change.context);
    return;
  }
  if (addresses_.erase(peer) > 0 && transport_started_) options_.transport->RemovePeer(peer);
}

// Membership takes effect when appended, so the leader must reach a new member at once.
void Node::Loop::LearnAddresses(const std::vector<Entry>& entries) {
  for (const Entry& entry : entries) {
    if (entry.type != EntryType::kConfChange) continue;
    absl::StatusOr<ConfChangeEntry> change = DecodeConfChangeEntry(entry.data);
    // The core refuses to append an undecodable one; nothing to learn from it here.
    if (!change.ok() || change->change.type == ConfChangeType::kRemoveNode) continue;
    if (!change->change.context.empty()) SetAddress(change->change.node_id, change->change.context);
  }
}

void Node::Loop::SetAddress(NodeId peer, const std::string& address) {
  if (peer == options_.raft.id) return;
  auto [it, inserted] = addresses_.try_emplace(peer, address);
  if (!inserted && it->second == address) return;
  it->second = address;
  if (transport_started_) options_.transport->AddPeer(peer, address);
}

void Node::Loop::ServeReads() {
  auto end = waiting_reads_.upper_bound(applied_);
  for (auto it = waiting_reads_.begin(); it != end; ++it) it->second->set_value(absl::OkStatus());
  waiting_reads_.erase(waiting_reads_.begin(), end);
}

void Node::Loop::ExpireReads() {
  for (auto it = pending_reads_.begin(); it != pending_reads_.end();) {
    if (ticks_ - it->second.requested_tick < static_cast<uint64_t>(options_.read_timeout_ticks)) {
      ++it;
      continue;
    }
    it->second.promise->set_value(
        absl::UnavailableError("read index not confirmed in time (leadership changed?): retry"));
    it = pending_reads_.erase(it);
  }
}

absl::Status Node::Loop::MaybeSnapshot() {
  if (options_.snapshot_every_entries == 0 ||
      applied_ < snapshot_index_ + options_.snapshot_every_entries) {
    return absl::OkStatus();
  }
  // A snapshot must not reach the disk ahead of the commit index that covers it.
  if (absl::Status written = PersistDeferredHardState(); !written.ok()) return written;
  const std::string data = EncodeSnapshotEnvelope(
      SnapshotEnvelope{.addresses = addresses_, .data = options_.state_machine->Snapshot()});
  absl::Status created = options_.storage->CreateSnapshot(applied_, applied_conf_, data);
  if (!created.ok()) return created;
  snapshot_index_ = applied_;
  if (applied_ <= options_.compact_keep_entries) return absl::OkStatus();
  return options_.storage->Compact(applied_ - options_.compact_keep_entries);
}

}  // namespace hamster::raft
