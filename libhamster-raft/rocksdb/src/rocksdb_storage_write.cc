// The write side of RocksDbStorage. Each write builds one WriteBatch and the cache it leads to
// under mu_, applies the batch and installs the cache before releasing mu_ (readers see all
// of it or none), then waits for the group fsync outside mu_ when it must be durable.

#include <limits>

#include "absl/strings/str_cat.h"
#include "database.h"
#include "format.h"
#include "hamster/raft/rocksdb_storage.h"

namespace hamster::raft {
namespace f = rocksdb_format;
namespace {

constexpr LogIndex kMaxIndex = std::numeric_limits<LogIndex>::max();
// Enough for the entries in flight at high concurrency; a slow follower reads RocksDB.
constexpr uint64_t kRecentEntriesBytes = 4 << 20;
constexpr size_t kRecentEntriesCount = 4096;

absl::Status CheckConsecutive(const std::vector<Entry>& entries) {
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].index != entries[i - 1].index + 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("entries not consecutive at index ", entries[i - 1].index));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status RocksDbStorage::Persist(const Ready& ready) {
  absl::Status consecutive = CheckConsecutive(ready.entries);
  if (!consecutive.ok()) return consecutive;
  uint64_t ticket = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failure_.ok()) return failure_;
    State next = state_;
    rocksdb::WriteBatch batch;
    rocksdb::Status built;
    if (ready.snapshot) {
      const SnapshotMetadata& meta = ready.snapshot->metadata;
      if (meta.index <= state_.snapshot.index) {
        return absl::FailedPreconditionError(absl::StrCat(
            "snapshot at ", meta.index, " is not newer than the one at ", state_.snapshot.index));
      }
      next.snapshot = meta;
      next.compacted = LogPosition{.index = meta.index, .term = meta.term};
      next.last_index = meta.index;
      built = batch.DeleteRange(f::EntryKey(group_id_, 0), f::EntryKey(group_id_, kMaxIndex));
      if (built.ok())
        built = batch.Put(f::CompactionKey(group_id_), f::EncodePosition(next.compacted));
      if (built.ok())
        built = batch.Put(f::SnapshotMetadataKey(group_id_), f::EncodeSnapshotMetadata(meta));
      if (built.ok()) built = batch.Put(f::SnapshotDataKey(group_id_), ready.snapshot->data);
    }
    if (!ready.entries.empty() && ready.entries.front().index > next.last_index + 1) {
      return absl::InvalidArgumentError(absl::StrCat("entry ", ready.entries.front().index,
                                                     " leaves a gap after the last entry ",
                                                     next.last_index));
    }
    size_t skip = 0;
    while (skip < ready.entries.size() && ready.entries[skip].index <= next.compacted.index) ++skip;
    if (skip < ready.entries.size()) {
      const LogIndex new_last = ready.entries.back().index;
      // Entries past the new last one belong to a suffix the leader replaced.
      if (built.ok() && next.last_index > new_last) {
        built = batch.DeleteRange(f::EntryKey(group_id_, new_last + 1),
                                  f::EntryKey(group_id_, next.last_index + 1));
      }
      for (size_t i = skip; built.ok() && i < ready.entries.size(); ++i) {
        const Entry& entry = ready.entries[i];
        built = batch.Put(f::EntryKey(group_id_, entry.index), f::EncodeEntry(entry));
      }
      next.last_index = new_last;
    }
    if (built.ok() && ready.hard_state) {
      next.hard_state = *ready.hard_state;
      built = batch.Put(f::HardStateKey(group_id_), f::EncodeHardState(next.hard_state));
    }
    if (!built.ok()) return FromRocksDb(built, "raft log batch");
    if (batch.Count() == 0) {
      if (!ready.must_sync) return absl::OkStatus();
      // Nothing new, but every earlier write must be durable on return.
      ticket = database_->impl_->group_sync.Written();
    } else {
      absl::StatusOr<uint64_t> written = database_->impl_->Write(batch);
      if (!written.ok()) return Fail(written.status());
      ticket = *written;
      state_ = std::move(next);
      if (ready.snapshot) {
        recent_.clear();
        recent_bytes_ = 0;
      }
      if (skip < ready.entries.size()) {
        RememberLocked(std::span<const Entry>(ready.entries).subspan(skip));
      }
    }
  }
  if (!ready.must_sync) return absl::OkStatus();
  absl::Status synced = database_->impl_->group_sync.SyncThrough(ticket);
  if (synced.ok()) return synced;
  std::lock_guard<std::mutex> lock(mu_);
  return Fail(synced);
}

void RocksDbStorage::RememberLocked(std::span<const Entry> entries) {
  const LogIndex first = entries.front().index;
  while (!recent_.empty() && recent_.back().index >= first) {
    recent_bytes_ -= recent_.back().data.size();
    recent_.pop_back();
  }
  if (!recent_.empty() && recent_.back().index + 1 != first) {
    recent_.clear();  // not contiguous (never expected): start over
    recent_bytes_ = 0;
  }
  for (const Entry& entry : entries) {
    recent_.push_back(entry);
    recent_bytes_ += entry.data.size();
  }
  while (recent_.size() > 1 &&
         (recent_bytes_ > kRecentEntriesBytes || recent_.size() > kRecentEntriesCount)) {
    recent_bytes_ -= recent_.front().data.size();
    recent_.pop_front();
  }
}

absl::Status RocksDbStorage::CreateSnapshot(LogIndex index, ConfState conf_state,
                                            std::string data) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failure_.ok()) return failure_;
  if (index <= state_.snapshot.index) {
    return absl::FailedPreconditionError(absl::StrCat(
        "snapshot at ", index, " is not newer than the one at ", state_.snapshot.index));
  }
  absl::StatusOr<Term> term = TermAtLocked(index);
  if (!term.ok()) return term.status();
  const SnapshotMetadata meta{.index = index, .term = *term, .conf_state = std::move(conf_state)};
  rocksdb::WriteBatch batch;
  rocksdb::Status built =
      batch.Put(f::SnapshotMetadataKey(group_id_), f::EncodeSnapshotMetadata(meta));
  if (built.ok()) built = batch.Put(f::SnapshotDataKey(group_id_), data);
  if (!built.ok()) return FromRocksDb(built, "raft log batch");
  absl::StatusOr<uint64_t> written = database_->impl_->Write(batch);
  if (!written.ok()) return Fail(written.status());
  state_.snapshot = meta;
  return absl::OkStatus();
}

absl::Status RocksDbStorage::Compact(LogIndex index) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failure_.ok()) return failure_;
  if (index <= state_.compacted.index) return absl::OkStatus();
  if (index > state_.snapshot.index) {
    return absl::FailedPreconditionError(absl::StrCat("compacting to ", index,
                                                      " needs a snapshot there; the latest is at ",
                                                      state_.snapshot.index));
  }
  absl::StatusOr<Term> term = TermAtLocked(index);
  if (!term.ok()) return term.status();
  const LogPosition compacted{.index = index, .term = *term};
  rocksdb::WriteBatch batch;
  rocksdb::Status built = batch.DeleteRange(f::EntryKey(group_id_, state_.compacted.index + 1),
                                            f::EntryKey(group_id_, index + 1));
  if (built.ok()) built = batch.Put(f::CompactionKey(group_id_), f::EncodePosition(compacted));
  if (!built.ok()) return FromRocksDb(built, "raft log batch");
  absl::StatusOr<uint64_t> written = database_->impl_->Write(batch);
  if (!written.ok()) return Fail(written.status());
  state_.compacted = compacted;
  while (!recent_.empty() && recent_.front().index <= index) {
    recent_bytes_ -= recent_.front().data.size();
    recent_.pop_front();
  }
  return absl::OkStatus();
}

}  // namespace hamster::raft
