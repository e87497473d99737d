// A node::MetaStore on RocksDB: one database in one directory, default
// column family, bytewise key order. Write() with sync waits for the WAL to
// be fsynced; callers batch their syncs (FIELD-NOTES: one sync costs a full
// fsync).
//
// Thread safety: as node::MetaStore.
#ifndef HAMSTER_ENV_ROCKSDB_META_STORE_H_
#define HAMSTER_ENV_ROCKSDB_META_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/node/meta_store.h"

namespace hamster::env {

class RocksDbMetaStore : public node::MetaStore {
 public:
  // Opens (creating if missing) the database in `directory`. Errors name the
  // directory: kUnavailable when another process holds it, kDataLoss when
  // it is corrupt, kInternal otherwise.
  static absl::StatusOr<std::unique_ptr<RocksDbMetaStore>> Open(const std::string& directory);
  // Flushes and closes the database.
  ~RocksDbMetaStore() override;

  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) override;
  absl::StatusOr<std::vector<node::KeyValuePair>> Scan(std::string_view start, std::string_view end,
                                                       size_t limit) override;
  absl::Status Write(const node::WriteBatch& batch, bool sync) override;

 private:
  struct Database;
  explicit RocksDbMetaStore(std::unique_ptr<Database> database);
  std::unique_ptr<Database> database_;
};

}  // namespace hamster::env

#endif  // HAMSTER_ENV_ROCKSDB_META_STORE_H_
