#include "hamster/raft/rocksdb_storage.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "database.h"
#include "format.h"

namespace hamster::raft {
namespace f = rocksdb_format;
namespace {

constexpr LogIndex kMaxIndex = std::numeric_limits<LogIndex>::max();

// Reads `key`; nullopt when absent.
absl::StatusOr<std::optional<std::string>> Get(rocksdb::DB& db, const std::string& key) {
  std::string value;
  const rocksdb::Status status = db.Get(rocksdb::ReadOptions(), key, &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  if (!status.ok()) return FromRocksDb(status, "raft log read");
  return std::optional<std::string>(std::move(value));
}

// The lowest and highest stored entry of `group`, when there is one.
absl::StatusOr<std::optional<std::pair<LogIndex, LogIndex>>> EntryBounds(rocksdb::DB& db,
                                                                         uint64_t group) {
  const std::string lower = f::EntryKey(group, 0);
  const std::string upper = f::EntryKey(group, kMaxIndex);
  rocksdb::ReadOptions options;
  rocksdb::Slice lower_slice(lower), upper_slice(upper);
  options.iterate_lower_bound = &lower_slice;
  options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(options));
  it->SeekToFirst();
  if (!it->Valid()) {
    if (!it->status().ok()) return FromRocksDb(it->status(), "raft log scan");
    return std::optional<std::pair<LogIndex, LogIndex>>();
  }
  absl::StatusOr<LogIndex> first = f::EntryKeyIndex(group, it->key().ToStringView());
  if (!first.ok()) return first.status();
  it->SeekToLast();
  if (!it->Valid()) return FromRocksDb(it->status(), "raft log scan");
  absl::StatusOr<LogIndex> last = f::EntryKeyIndex(group, it->key().ToStringView());
  if (!last.ok()) return last.status();
  return std::optional<std::pair<LogIndex, LogIndex>>(std::make_pair(*first, *last));
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksDbStorage>> RocksDbStorage::Open(const std::string& directory,
                                                                     ConfState initial_membership) {
  absl::StatusOr<std::shared_ptr<RocksDbLogDatabase>> database =
      RocksDbLogDatabase::Open(directory);
  if (!database.ok()) return database.status();
  return Open(std::move(*database), 0, std::move(initial_membership));
}

absl::StatusOr<std::unique_ptr<RocksDbStorage>> RocksDbStorage::Open(
    std::shared_ptr<RocksDbLogDatabase> database, uint64_t group_id, ConfState initial_membership) {
  if (database == nullptr) return absl::InvalidArgumentError("no raft log database");
  RocksDbLogDatabase::Impl& impl = *database->impl_;
  const std::string where = absl::StrCat("raft log group ", group_id);
  absl::StatusOr<std::optional<std::string>> compaction = Get(*impl.db, f::CompactionKey(group_id));
  if (!compaction.ok()) return compaction.status();
  absl::StatusOr<std::optional<std::string>> hard = Get(*impl.db, f::HardStateKey(group_id));
  if (!hard.ok()) return hard.status();
  absl::StatusOr<std::optional<std::string>> meta = Get(*impl.db, f::SnapshotMetadataKey(group_id));
  if (!meta.ok()) return meta.status();
  State state;
  if (!compaction->has_value() && !hard->has_value() && !meta->has_value()) {
    state.snapshot.conf_state = std::move(initial_membership);
    rocksdb::WriteBatch batch;
    rocksdb::Status put = batch.Put(f::CompactionKey(group_id), f::EncodePosition({}));
    if (put.ok()) put = batch.Put(f::HardStateKey(group_id), f::EncodeHardState({}));
    if (put.ok()) {
      put = batch.Put(f::SnapshotMetadataKey(group_id), f::EncodeSnapshotMetadata(state.snapshot));
    }
    if (put.ok()) put = batch.Put(f::SnapshotDataKey(group_id), "");
    if (!put.ok()) return FromRocksDb(put, where);
    absl::StatusOr<uint64_t> ticket = impl.Write(batch);
    if (!ticket.ok()) return ticket.status();
    absl::Status synced = impl.group_sync.SyncThrough(*ticket);
    if (!synced.ok()) return synced;
  } else if (!compaction->has_value() || !hard->has_value() || !meta->has_value()) {
    return absl::DataLossError(absl::StrCat(where, ": some of its records are missing"));
  } else {
    absl::StatusOr<LogPosition> compacted = f::DecodePosition(**compaction);
    if (!compacted.ok()) return compacted.status();
    absl::StatusOr<HardState> hard_state = f::DecodeHardState(**hard);
    if (!hard_state.ok()) return hard_state.status();
    absl::StatusOr<SnapshotMetadata> snapshot = f::DecodeSnapshotMetadata(**meta);
    if (!snapshot.ok()) return snapshot.status();
    state = State{.hard_state = *hard_state,
                  .snapshot = std::move(*snapshot),
                  .compacted = *compacted,
                  .last_index = compacted->index};
    if (state.snapshot.index < state.compacted.index) {
      return absl::DataLossError(absl::StrCat(where, ": compacted to ", state.compacted.index,
                                              " beyond its snapshot ", state.snapshot.index));
    }
    absl::StatusOr<std::optional<std::pair<LogIndex, LogIndex>>> bounds =
        EntryBounds(*impl.db, group_id);
    if (!bounds.ok()) return bounds.status();
    if (bounds->has_value()) {
      if ((*bounds)->first != state.compacted.index + 1) {
        return absl::DataLossError(absl::StrCat(where, ": first entry ", (*bounds)->first,
                                                " does not follow the compaction point ",
                                                state.compacted.index));
      }
      state.last_index = (*bounds)->second;
    }
  }
  return std::unique_ptr<RocksDbStorage>(
      new RocksDbStorage(std::move(database), group_id, std::move(state)));
}

RocksDbStorage::RocksDbStorage(std::shared_ptr<RocksDbLogDatabase> database, uint64_t group_id,
                               State state)
    : database_(std::move(database)), group_id_(group_id), state_(std::move(state)) {}

RocksDbStorage::~RocksDbStorage() = default;

absl::Status RocksDbStorage::Fail(absl::Status status) {
  if (failure_.ok()) failure_ = status;
  return failure_;
}

absl::StatusOr<HardState> RocksDbStorage::LoadHardState() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failure_.ok()) return failure_;
  return state_.hard_state;
}

absl::StatusOr<SnapshotMetadata> RocksDbStorage::LoadSnapshotMetadata() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failure_.ok()) return failure_;
  return state_.snapshot;
}

absl::StatusOr<Snapshot> RocksDbStorage::LoadSnapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failure_.ok()) return failure_;
  absl::StatusOr<std::optional<std::string>> data =
      Get(*database_->impl_->db, f::SnapshotDataKey(group_id_));
  if (!data.ok()) return data.status();
  if (!data->has_value()) {
    return absl::DataLossError(absl::StrCat("raft log group ", group_id_, ": snapshot data lost"));
  }
  return Snapshot{.metadata = state_.snapshot, .data = std::move(**data)};
}

absl::StatusOr<LogIndex> RocksDbStorage::FirstIndex() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failure_.ok()) return failure_;
  return state_.compacted.index + 1;
}

absl::StatusOr<LogIndex> RocksDbStorage::LastIndex() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failure_.ok()) return failure_;
  return state_.last_index;
}

absl::StatusOr<Term> RocksDbStorage::TermAt(LogIndex index) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failure_.ok()) return failure_;
  return TermAtLocked(index);
}

absl::StatusOr<Term> RocksDbStorage::TermAtLocked(LogIndex index) const {
  if (index < state_.compacted.index) {
    return absl::OutOfRangeError(absl::StrCat("index ", index, " is compacted"));
  }
  if (index == state_.compacted.index) return state_.compacted.term;
  if (index > state_.last_index) {
    return absl::NotFoundError(absl::StrCat("index ", index, " is beyond the last entry"));
  }
  if (!recent_.empty() && index >= recent_.front().index) {
    return recent_[size_t(index - recent_.front().index)].term;
  }
  absl::StatusOr<std::optional<std::string>> value =
      Get(*database_->impl_->db, f::EntryKey(group_id_, index));
  if (!value.ok()) return value.status();
  if (!value->has_value()) {
    return absl::DataLossError(
        absl::StrCat("raft log group ", group_id_, ": entry ", index, " missing"));
  }
  absl::StatusOr<Entry> entry = f::DecodeEntry(index, **value);
  if (!entry.ok()) return entry.status();
  return entry->term;
}

absl::StatusOr<std::vector<Entry>> RocksDbStorage::Entries(LogIndex lo, LogIndex hi,
                                                           uint64_t max_bytes) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!failure_.ok()) return failure_;
  if (lo <= state_.compacted.index) {
    return absl::OutOfRangeError(absl::StrCat("index ", lo, " is compacted"));
  }
  if (hi > state_.last_index + 1) {
    return absl::NotFoundError(absl::StrCat("index ", hi - 1, " is beyond the last entry"));
  }
  std::vector<Entry> out;
  if (lo >= hi) return out;
  if (std::optional<std::vector<Entry>> recent = RecentLocked(lo, hi, max_bytes)) return *recent;
  const std::string upper = f::EntryKey(group_id_, hi);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions options;
  options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(database_->impl_->db->NewIterator(options));
  uint64_t size = 0;
  LogIndex expected = lo;
  for (it->Seek(f::EntryKey(group_id_, lo)); it->Valid(); it->Next(), ++expected) {
    absl::StatusOr<LogIndex> index = f::EntryKeyIndex(group_id_, it->key().ToStringView());
    if (!index.ok()) return index.status();
    if (*index != expected) break;
    absl::StatusOr<Entry> entry = f::DecodeEntry(*index, it->value().ToStringView());
    if (!entry.ok()) return entry.status();
    size += entry->data.size();
    if (!out.empty() && size > max_bytes) return out;
    out.push_back(std::move(*entry));
  }
  if (!it->status().ok()) return FromRocksDb(it->status(), "raft log scan");
  if (expected != hi) {
    return absl::DataLossError(
        absl::StrCat("raft log group ", group_id_, ": entry ", expected, " missing"));
  }
  return out;
}

std::optional<std::vector<Entry>> RocksDbStorage::RecentLocked(LogIndex lo, LogIndex hi,
                                                               uint64_t max_bytes) const {
  if (recent_.empty() || lo < recent_.front().index || hi > recent_.back().index + 1) {
    return std::nullopt;
  }
  std::vector<Entry> out;
  uint64_t size = 0;
  for (auto it = recent_.begin() + long(lo - recent_.front().index);
       it != recent_.end() && it->index < hi; ++it) {
    size += it->data.size();
    if (!out.empty() && size > max_bytes) break;
    out.push_back(*it);
  }
  return out;
}

}  // namespace hamster::raft
