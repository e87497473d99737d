// The RocksDB side of RocksDbLogDatabase, shared by the storages of its groups.

#ifndef HAMSTER_RAFT_ROCKSDB_SRC_DATABASE_H_
#define HAMSTER_RAFT_ROCKSDB_SRC_DATABASE_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "group_sync.h"
#include "hamster/raft/rocksdb_storage.h"
#include "rocksdb/db.h"
#include "rocksdb/env.h"
#include "rocksdb/write_batch.h"

namespace hamster::raft {

absl::Status FromRocksDb(const rocksdb::Status& status, const std::string& context);

struct RocksDbLogDatabase::Impl {
  Impl(std::unique_ptr<rocksdb::Env> env, std::unique_ptr<rocksdb::DB> opened);

  // Applies `batch` atomically without syncing; returns the ticket to pass to
  // group_sync.SyncThrough() for durability.
  absl::StatusOr<uint64_t> Write(rocksdb::WriteBatch& batch);

  // Declared first, destroyed last: the database uses it until it is closed.
  std::unique_ptr<rocksdb::Env> env;
  std::unique_ptr<rocksdb::DB> db;
  // Serializes writes: unsynced, they take microseconds, and one writer at a time keeps
  // RocksDB from forming write groups, whose hand-off of batches between threads goes
  // through atomics ThreadSanitizer cannot see (Debian's RocksDB is uninstrumented).
  std::mutex write_mu;
  GroupSync group_sync;
  std::atomic<uint64_t> writes{0};
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_ROCKSDB_SRC_DATABASE_H_
