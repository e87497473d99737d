#include "hamster/env/rocksdb_meta_store.h"

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/write_batch.h"

namespace hamster::env {
namespace {

absl::Status ToStatus(const rocksdb::Status& status, std::string_view context) {
  const std::string message = absl::StrCat(std::string(context), ": ", status.ToString());
  if (status.IsCorruption()) return absl::DataLossError(message);
  if (status.IsIOError() || status.IsBusy() || status.IsTimedOut() || status.IsTryAgain()) {
    return absl::UnavailableError(message);
  }
  if (status.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

rocksdb::Slice ToSlice(std::string_view bytes) { return {bytes.data(), bytes.size()}; }

}  // namespace

struct RocksDbMetaStore::Database {
  std::unique_ptr<rocksdb::DB> db;
  std::string directory;
};

RocksDbMetaStore::RocksDbMetaStore(std::unique_ptr<Database> database)
    : database_(std::move(database)) {}

absl::StatusOr<std::unique_ptr<RocksDbMetaStore>> RocksDbMetaStore::Open(
    const std::string& directory) {
  rocksdb::Options options;
  options.create_if_missing = true;
  // Metadata records are small; the defaults' 64 MiB memtable is plenty.
  options.IncreaseParallelism(2);
  rocksdb::DB* db = nullptr;
  const rocksdb::Status status = rocksdb::DB::Open(options, directory, &db);
  if (!status.ok()) return ToStatus(status, absl::StrCat("cannot open metadata store ", directory));
  auto database = std::make_unique<Database>();
  database->db.reset(db);
  database->directory = directory;
  return std::unique_ptr<RocksDbMetaStore>(new RocksDbMetaStore(std::move(database)));
}

RocksDbMetaStore::~RocksDbMetaStore() {
  // Close() reports errors of background work; every acknowledged write was
  // already synced to the WAL, so there is nothing left to lose here.
  database_->db->Close().PermitUncheckedError();
}

absl::StatusOr<std::optional<std::string>> RocksDbMetaStore::Get(std::string_view key) {
  std::string value;
  const rocksdb::Status status = database_->db->Get(rocksdb::ReadOptions(), ToSlice(key), &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  if (!status.ok()) return ToStatus(status, "metadata read");
  return std::optional<std::string>(std::move(value));
}

absl::StatusOr<std::vector<node::KeyValuePair>> RocksDbMetaStore::Scan(std::string_view start,
                                                                       std::string_view end,
                                                                       size_t limit) {
  rocksdb::ReadOptions read_options;
  const rocksdb::Slice upper = ToSlice(end);
  if (!end.empty()) read_options.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(database_->db->NewIterator(read_options));
  std::vector<node::KeyValuePair> entries;
  for (it->Seek(ToSlice(start)); it->Valid() && entries.size() < limit; it->Next()) {
    entries.emplace_back(it->key().ToString(), it->value().ToString());
  }
  if (!it->status().ok()) return ToStatus(it->status(), "metadata scan");
  return entries;
}

absl::Status RocksDbMetaStore::Write(const node::WriteBatch& batch, bool sync) {
  rocksdb::WriteBatch rocks_batch;
  for (const node::WriteBatch::Operation& op : batch.operations()) {
    const rocksdb::Status status =
        op.value ? rocks_batch.Put(op.key, *op.value) : rocks_batch.Delete(op.key);
    if (!status.ok()) return ToStatus(status, "metadata batch");
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = sync;
  const rocksdb::Status status = database_->db->Write(write_options, &rocks_batch);
  if (!status.ok()) return ToStatus(status, "metadata write");
  return absl::OkStatus();
}

}  // namespace hamster::env
