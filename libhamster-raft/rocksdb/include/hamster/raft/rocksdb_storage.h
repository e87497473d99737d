// RocksDbStorage is the durable DurableStorage: a Raft group's log, hard state and latest
// snapshot (metadata and data) in a RocksDB database. Several groups may share one
// database (RocksDbLogDatabase), each under its own group id; their synced writes are
// group-committed: a writer that needs an fsync waits for one that started after its write,
// so concurrent writers share fsyncs (docs/adr/0010-raft-storage-and-node.md).
//
// Durability: Persist() with ready.must_sync returns once the write and every earlier write
// to the database are on disk; other writes reach disk with the next sync. Every write is one
// atomic RocksDB WriteBatch, and the write-ahead log recovers a prefix of them after a crash.
//
// Format: the database carries a format version (invariant 7); opening a database of an
// unknown (newer) format fails with FailedPrecondition and changes nothing.
//
// Thread safety: every method may be called from any thread; a group's writes are applied in
// call order and readers see each one entirely or not at all.

#ifndef HAMSTER_RAFT_ROCKSDB_STORAGE_H_
#define HAMSTER_RAFT_ROCKSDB_STORAGE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/raft/durable_storage.h"
#include "hamster/raft/types.h"

namespace hamster::raft {

struct RocksDbLogStats {
  uint64_t writes = 0;         // atomic writes (batches) to the database
  uint64_t sync_requests = 0;  // writes that asked to be durable on return
  uint64_t syncs = 0;          // fsyncs of the write-ahead log that served them
};

// One RocksDB database holding the logs of any number of Raft groups.
class RocksDbLogDatabase {
 public:
  // Opens the database in `directory`, creating it if missing. Returns FailedPrecondition for
  // a database of a newer format, DataLoss for one that is not a Raft log database, and
  // kUnavailable when RocksDB cannot open it (e.g. another process holds its lock).
  static absl::StatusOr<std::shared_ptr<RocksDbLogDatabase>> Open(const std::string& directory);
  ~RocksDbLogDatabase();
  RocksDbLogDatabase(const RocksDbLogDatabase&) = delete;
  RocksDbLogDatabase& operator=(const RocksDbLogDatabase&) = delete;

  RocksDbLogStats stats() const;

  struct Impl;  // RocksDB lives behind it, out of this header

 private:
  explicit RocksDbLogDatabase(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend class RocksDbStorage;
};

class RocksDbStorage final : public DurableStorage {
 public:
  // Opens group `group_id` of `database`. A group that was never written starts as an empty
  // log whose snapshot (index 0) carries `initial_membership` (ignored for an existing
  // group); that start is synced before Open returns. Returns DataLoss when the stored group
  // is inconsistent (some of its records missing or undecodable).
  static absl::StatusOr<std::unique_ptr<RocksDbStorage>> Open(
      std::shared_ptr<RocksDbLogDatabase> database, uint64_t group_id,
      ConfState initial_membership);
  // The common case: a database of its own in `directory`, group 0.
  static absl::StatusOr<std::unique_ptr<RocksDbStorage>> Open(const std::string& directory,
                                                              ConfState initial_membership);
  ~RocksDbStorage() override;

  absl::StatusOr<HardState> LoadHardState() const override;
  absl::StatusOr<SnapshotMetadata> LoadSnapshotMetadata() const override;
  absl::StatusOr<Snapshot> LoadSnapshot() const override;
  absl::StatusOr<std::vector<Entry>> Entries(LogIndex lo, LogIndex hi,
                                             uint64_t max_bytes) const override;
  absl::StatusOr<Term> TermAt(LogIndex index) const override;
  absl::StatusOr<LogIndex> FirstIndex() const override;
  absl::StatusOr<LogIndex> LastIndex() const override;

  // See DurableStorage. After a failed RocksDB write every call returns that failure: the
  // embedder reopens the storage, as after a crash.
  absl::Status Persist(const Ready& ready) override;
  absl::Status CreateSnapshot(LogIndex index, ConfState conf_state, std::string data) override;
  absl::Status Compact(LogIndex index) override;

  const std::shared_ptr<RocksDbLogDatabase>& database() const { return database_; }

 private:
  // What the storage caches of its group; entries are read from RocksDB.
  struct State {
    HardState hard_state;
    SnapshotMetadata snapshot;
    LogPosition compacted;  // the entry before FirstIndex()
    LogIndex last_index = 0;
  };
  RocksDbStorage(std::shared_ptr<RocksDbLogDatabase> database, uint64_t group_id, State state);
  absl::Status Fail(absl::Status status);  // REQUIRES: mu_ held
  absl::StatusOr<Term> TermAtLocked(LogIndex index) const;
  // REQUIRES: mu_ held. `entries` were just written and replace what is remembered from
  // entries[0].index on (a snapshot that replaces the whole log clears recent_ first).
  void RememberLocked(std::span<const Entry> entries);
  // Entries [lo, hi) if all of them are remembered, cut at max_bytes as Entries() does.
  std::optional<std::vector<Entry>> RecentLocked(LogIndex lo, LogIndex hi,
                                                 uint64_t max_bytes) const;

  const std::shared_ptr<RocksDbLogDatabase> database_;
  const uint64_t group_id_;
  // Held while a write is built, applied and the cache updated (not during the fsync).
  mutable std::mutex mu_;
  State state_;
  // The newest entries, ending at state_.last_index, kept in memory too (up to
  // kRecentEntriesBytes of data): the core reads entries and their terms back soon after they
  // are written (to apply them, to send or check an Append), and each RocksDB read cost a
  // lookup or an iterator (ADR 0015).
  std::deque<Entry> recent_;
  uint64_t recent_bytes_ = 0;
  absl::Status failure_;
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_ROCKSDB_STORAGE_H_
