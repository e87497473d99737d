#include "database.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "format.h"
#include "rocksdb/file_system.h"
#include "rocksdb/options.h"

namespace hamster::raft {
namespace {

// RocksDB preallocates each WAL with FALLOC_FL_KEEP_SIZE, so every synced append also grows
// the file's size, and fdatasync writes the inode each time. Preallocating without KEEP_SIZE
// (the size covers the preallocated zeros at once) makes a synced append cheaper; RocksDB's
// own option comment says so, and keeps KEEP_SIZE for WALs only for a unit test of its
// tailing log iterator, which this log does not use. Recovery reads the zero tail of a WAL
// cut short by a crash as the end of the log (docs/adr/0016-wal-preallocation.md).
class RaftLogFileSystem : public rocksdb::FileSystemWrapper {
 public:
  using FileSystemWrapper::FileSystemWrapper;
  static const char* kClassName() { return "HamsterRaftLogFileSystem"; }
  const char* Name() const override { return kClassName(); }
  rocksdb::FileOptions OptimizeForLogWrite(const rocksdb::FileOptions& file_options,
                                           const rocksdb::DBOptions& db_options) const override {
    rocksdb::FileOptions optimized = target()->OptimizeForLogWrite(file_options, db_options);
    optimized.fallocate_with_keep_size = false;
    return optimized;
  }
};

// A new database gets the format key, synced; an existing one must carry a known format.
absl::Status CheckFormat(rocksdb::DB& db, const std::string& directory) {
  std::string value;
  rocksdb::Status status = db.Get(rocksdb::ReadOptions(), rocksdb_format::FormatKey(), &value);
  if (status.ok()) {
    uint32_t version = 0;
    if (!absl::SimpleAtoi(value, &version) || version == 0) {
      return absl::DataLossError(
          absl::StrCat(directory, ": malformed raft log format version '", value, "'"));
    }
    if (version > rocksdb_format::kFormatVersion) {
      return absl::FailedPreconditionError(absl::StrCat(directory, ": raft log format version ",
                                                        version, " is newer than this binary's ",
                                                        rocksdb_format::kFormatVersion));
    }
    return absl::OkStatus();
  }
  if (!status.IsNotFound()) return FromRocksDb(status, directory);
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(rocksdb::ReadOptions()));
  it->SeekToFirst();
  if (!it->status().ok()) return FromRocksDb(it->status(), directory);
  if (it->Valid()) {
    return absl::DataLossError(
        absl::StrCat(directory, ": a RocksDB database without a raft log format version"));
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  status =
      db.Put(sync, rocksdb_format::FormatKey(), std::to_string(rocksdb_format::kFormatVersion));
  return FromRocksDb(status, directory);
}

}  // namespace

absl::Status FromRocksDb(const rocksdb::Status& status, const std::string& context) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(context, ": ", status.ToString());
  if (status.IsCorruption()) return absl::DataLossError(message);
  if (status.IsIOError() || status.IsBusy() || status.IsTimedOut() || status.IsTryAgain()) {
    return absl::UnavailableError(message);
  }
  if (status.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

RocksDbLogDatabase::Impl::Impl(std::unique_ptr<rocksdb::Env> opened_env,
                               std::unique_ptr<rocksdb::DB> opened)
    : env(std::move(opened_env)),
      db(std::move(opened)),
      group_sync([this] { return FromRocksDb(db->SyncWAL(), "raft log sync"); }) {}

absl::StatusOr<uint64_t> RocksDbLogDatabase::Impl::Write(rocksdb::WriteBatch& batch) {
  // Unsynced: durability comes from group_sync, so concurrent writers share fsyncs.
  std::lock_guard<std::mutex> lock(write_mu);
  const rocksdb::Status status = db->Write(rocksdb::WriteOptions(), &batch);
  if (!status.ok()) return FromRocksDb(status, "raft log write");
  writes.fetch_add(1, std::memory_order_relaxed);
  return group_sync.Written();
}

RocksDbLogDatabase::RocksDbLogDatabase(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RocksDbLogDatabase::~RocksDbLogDatabase() {
  // Close() reports errors of background work; every write a caller relied on was synced.
  impl_->db->Close().PermitUncheckedError();
}

absl::StatusOr<std::shared_ptr<RocksDbLogDatabase>> RocksDbLogDatabase::Open(
    const std::string& directory) {
  std::unique_ptr<rocksdb::Env> env =
      rocksdb::NewCompositeEnv(std::make_shared<RaftLogFileSystem>(rocksdb::FileSystem::Default()));
  rocksdb::Options options;
  options.env = env.get();
  options.create_if_missing = true;
  options.IncreaseParallelism(2);
  // After a crash, recover the longest prefix of intact writes: each write is one batch, so
  // the log stays a prefix of what was written.
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  rocksdb::DB* db = nullptr;
  const rocksdb::Status status = rocksdb::DB::Open(options, directory, &db);
  if (!status.ok()) {
    return FromRocksDb(status, absl::StrCat("cannot open raft log database ", directory));
  }
  std::unique_ptr<rocksdb::DB> owned(db);
  absl::Status format = CheckFormat(*owned, directory);
  if (!format.ok()) return format;
  return std::shared_ptr<RocksDbLogDatabase>(
      new RocksDbLogDatabase(std::make_unique<Impl>(std::move(env), std::move(owned))));
}

RocksDbLogStats RocksDbLogDatabase::stats() const {
  return RocksDbLogStats{.writes = impl_->writes.load(std::memory_order_relaxed),
                         .sync_requests = impl_->group_sync.sync_request_count(),
                         .syncs = impl_->group_sync.sync_count()};
}

}  // namespace hamster::raft
