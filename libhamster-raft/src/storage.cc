#include "hamster/raft/storage.h"

#include "absl/strings/str_cat.h"

namespace hamster::raft {

uint64_t EntryBytes(const std::vector<Entry>& entries) {
  uint64_t size = 0;
  for (const Entry& entry : entries) size += entry.data.size();
  return size;
}

MemoryStorage::MemoryStorage(ConfState initial_membership) {
  snapshot_.metadata.conf_state = std::move(initial_membership);
  entries_.push_back(Entry{});
}

absl::StatusOr<HardState> MemoryStorage::LoadHardState() const { return hard_state_; }

absl::StatusOr<SnapshotMetadata> MemoryStorage::LoadSnapshotMetadata() const {
  return snapshot_.metadata;
}

absl::StatusOr<Snapshot> MemoryStorage::LoadSnapshot() const { return snapshot_; }

absl::StatusOr<std::vector<Entry>> MemoryStorage::Entries(LogIndex lo, LogIndex hi,
                                                          uint64_t max_bytes) const {
  const LogIndex offset = entries_.front().index;
  if (lo <= offset) return absl::OutOfRangeError(absl::StrCat("index ", lo, " is compacted"));
  if (hi > offset + entries_.size()) {
    return absl::NotFoundError(absl::StrCat("index ", hi - 1, " is beyond the last entry"));
  }
  std::vector<Entry> out;
  uint64_t size = 0;
  for (LogIndex index = lo; index < hi; ++index) {
    const Entry& entry = entries_[index - offset];
    size += entry.data.size();
    if (!out.empty() && size > max_bytes) break;
    out.push_back(entry);
  }
  return out;
}

absl::StatusOr<Term> MemoryStorage::TermAt(LogIndex index) const {
  const LogIndex offset = entries_.front().index;
  if (index < offset) return absl::OutOfRangeError(absl::StrCat("index ", index, " is compacted"));
  if (index - offset >= entries_.size()) {
    return absl::NotFoundError(absl::StrCat("index ", index, " is beyond the last entry"));
  }
  return entries_[index - offset].term;
}

absl::StatusOr<LogIndex> MemoryStorage::FirstIndex() const { return entries_.front().index + 1; }

absl::StatusOr<LogIndex> MemoryStorage::LastIndex() const {
  return entries_.front().index + entries_.size() - 1;
}

void MemoryStorage::SetHardState(const HardState& hard_state) { hard_state_ = hard_state; }

absl::Status MemoryStorage::Append(const std::vector<Entry>& entries) {
  if (entries.empty()) return absl::OkStatus();
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].index != entries[i - 1].index + 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("entries not consecutive at index ", entries[i - 1].index));
    }
  }
  const LogIndex offset = entries_.front().index;
  const LogIndex last = offset + entries_.size() - 1;
  if (entries.front().index > last + 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("entry ", entries.front().index, " leaves a gap after the last entry ", last));
  }
  size_t skip = 0;
  while (skip < entries.size() && entries[skip].index <= offset) ++skip;
  if (skip == entries.size()) return absl::OkStatus();
  entries_.resize(entries[skip].index - offset);
  entries_.insert(entries_.end(), entries.begin() + static_cast<ptrdiff_t>(skip), entries.end());
  return absl::OkStatus();
}

absl::Status MemoryStorage::ApplySnapshot(Snapshot snapshot) {
  if (snapshot.metadata.index <= snapshot_.metadata.index) {
    return absl::FailedPreconditionError(absl::StrCat("snapshot at ", snapshot.metadata.index,
                                                      " is not newer than the one at ",
                                                      snapshot_.metadata.index));
  }
  entries_.clear();
  entries_.push_back(Entry{.term = snapshot.metadata.term, .index = snapshot.metadata.index});
  snapshot_ = std::move(snapshot);
  return absl::OkStatus();
}

absl::Status MemoryStorage::CreateSnapshot(LogIndex index, ConfState conf_state, std::string data) {
  if (index <= snapshot_.metadata.index) {
    return absl::FailedPreconditionError(absl::StrCat(
        "snapshot at ", index, " is not newer than the one at ", snapshot_.metadata.index));
  }
  absl::StatusOr<Term> term = TermAt(index);
  if (!term.ok()) return term.status();
  snapshot_ =
      Snapshot{.metadata = {.index = index, .term = *term, .conf_state = std::move(conf_state)},
               .data = std::move(data)};
  return absl::OkStatus();
}

absl::Status MemoryStorage::Compact(LogIndex index) {
  const LogIndex offset = entries_.front().index;
  if (index <= offset) return absl::OkStatus();
  if (index > snapshot_.metadata.index) {
    return absl::FailedPreconditionError(absl::StrCat("compacting to ", index,
                                                      " needs a snapshot there; the latest is at ",
                                                      snapshot_.metadata.index));
  }
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(index - offset));
  entries_.front().data.clear();
  entries_.front().type = EntryType::kNormal;
  return absl::OkStatus();
}

}  // namespace hamster::raft
