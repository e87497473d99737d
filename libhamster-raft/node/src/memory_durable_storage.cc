#include "hamster/raft/memory_durable_storage.h"

namespace hamster::raft {

MemoryDurableStorage::MemoryDurableStorage(ConfState initial_membership)
    : storage_(std::move(initial_membership)) {}

absl::StatusOr<HardState> MemoryDurableStorage::LoadHardState() const {
  std::lock_guard<std::mutex> lock(mu_);
  return storage_.LoadHardState();
}

absl::StatusOr<SnapshotMetadata> MemoryDurableStorage::LoadSnapshotMetadata() const {
  std::lock_guard<std::mutex> lock(mu_);
  return storage_.LoadSnapshotMetadata();
}

absl::StatusOr<Snapshot> MemoryDurableStorage::LoadSnapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return storage_.LoadSnapshot();
}

absl::StatusOr<std::vector<Entry>> MemoryDurableStorage::Entries(LogIndex lo, LogIndex hi,
                                                                 uint64_t max_bytes) const {
  std::lock_guard<std::mutex> lock(mu_);
  return storage_.Entries(lo, hi, max_bytes);
}

absl::StatusOr<Term> MemoryDurableStorage::TermAt(LogIndex index) const {
  std::lock_guard<std::mutex> lock(mu_);
  return storage_.TermAt(index);
}

absl::StatusOr<LogIndex> MemoryDurableStorage::FirstIndex() const {
  std::lock_guard<std::mutex> lock(mu_);
  return storage_.FirstIndex();
}

absl::StatusOr<LogIndex> MemoryDurableStorage::LastIndex() const {
  std::lock_guard<std::mutex> lock(mu_);
  return storage_.LastIndex();
}

absl::Status MemoryDurableStorage::Persist(const Ready& ready) {
  std::lock_guard<std::mutex> lock(mu_);
  // Validate everything first so a refused write changes nothing.
  if (ready.snapshot && ready.snapshot->metadata.index <= storage_.LoadSnapshotMetadata()->index) {
    return absl::FailedPreconditionError("snapshot is not newer than the stored one");
  }
  for (size_t i = 1; i < ready.entries.size(); ++i) {
    if (ready.entries[i].index != ready.entries[i - 1].index + 1) {
      return absl::InvalidArgumentError("entries not consecutive");
    }
  }
  const LogIndex last = ready.snapshot ? ready.snapshot->metadata.index : *storage_.LastIndex();
  if (!ready.entries.empty() && ready.entries.front().index > last + 1) {
    return absl::InvalidArgumentError("entries leave a gap after the last entry");
  }
  if (ready.snapshot) {
    absl::Status applied = storage_.ApplySnapshot(*ready.snapshot);
    if (!applied.ok()) return applied;
  }
  absl::Status appended = storage_.Append(ready.entries);
  if (!appended.ok()) return appended;
  if (ready.hard_state) storage_.SetHardState(*ready.hard_state);
  return absl::OkStatus();
}

absl::Status MemoryDurableStorage::CreateSnapshot(LogIndex index, ConfState conf_state,
                                                  std::string data) {
  std::lock_guard<std::mutex> lock(mu_);
  return storage_.CreateSnapshot(index, std::move(conf_state), std::move(data));
}

absl::Status MemoryDurableStorage::Compact(LogIndex index) {
  std::lock_guard<std::mutex> lock(mu_);
  return storage_.Compact(index);
}

}  // namespace hamster::raft
