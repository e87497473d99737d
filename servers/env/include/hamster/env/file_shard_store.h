// FileShardStore keeps shard files under a data directory:
//
//   <root>/shards/<2 hex>/<data id hex>.<shard index>       committed shards
//   <root>/shards/<2 hex>/<data id hex>.<shard index>.tmp   shards being written
//
// The two-hex-digit fan-out (first byte of the data id) keeps directories
// small, and on ext4 the 256 directories are spread over the block groups
// (file_shard_store.cc says why). Names are built only from data ids and
// indices, never from anything a client sends, so nothing outside <root> can
// be named. A write goes to its .tmp name, is fsynced, renamed to its final
// name and the directory fsynced (invariant 8); concurrent directory fsyncs
// are shared (DirectorySyncer). Versions before 2026-12 wrote into <root>/tmp/,
// which RemoveTemporaryFiles still empties.
//
// Thread safety: as node::ShardStore.
#ifndef HAMSTER_ENV_FILE_SHARD_STORE_H_
#define HAMSTER_ENV_FILE_SHARD_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/env/directory_syncer.h"
#include "hamster/node/shard_store.h"

namespace hamster::env {

struct FileShardStoreOptions {
  std::string root;  // the data directory; must exist
  // Writeback of a shard being written starts every this many bytes
  // (DurableFile::Options), overlapping disk writes with the writer's work.
  uint64_t writeback_interval_bytes = 8 << 20;
  // Past this many bytes, a shard's writes move to a thread of their own
  // (bounded write-behind), so the writer's producer is not slowed by the
  // page-cache copies; 0 disables it. Small shards stay on the caller's thread.
  uint64_t write_behind_threshold_bytes = 2 << 20;
};

class FileShardStore : public node::ShardStore {
 public:
  // Creates shards/ and its 256 subdirectories if missing (and syncs them).
  // Errors are I/O errors naming the path.
  static absl::StatusOr<std::unique_ptr<FileShardStore>> Open(const FileShardStoreOptions& options);

  absl::StatusOr<std::unique_ptr<node::PendingShard>> Create(const ec::DataId& data_id,
                                                             int shard_index) override;
  absl::StatusOr<std::unique_ptr<ec::ShardSource>> Open(const ec::DataId& data_id,
                                                        int shard_index) override;
  absl::Status Remove(const ec::DataId& data_id, int shard_index) override;
  absl::Status ForEach(
      const std::function<void(const ec::DataId& data_id, int shard_index)>& visit) override;
  absl::Status RemoveTemporaryFiles() override;

  // Where a committed shard lives; for tests that damage files.
  std::string ShardPath(const ec::DataId& data_id, int shard_index) const;
  const DirectorySyncer& directory_syncer() const { return syncer_; }

 private:
  explicit FileShardStore(const FileShardStoreOptions& options);
  std::string Subdirectory(int fan_out) const;  // shards/<fan_out as 2 hex>
  std::string ShardDirectory(const ec::DataId& data_id) const;
  // Calls `visit` for every entry of the 256 subdirectories; the first error stops it.
  absl::Status ForEachName(
      const std::function<absl::Status(int fan_out, const std::string& name)>& visit) const;

  FileShardStoreOptions options_;
  std::string shards_dir_;
  std::string legacy_tmp_dir_;
  DirectorySyncer syncer_;
};

}  // namespace hamster::env

#endif  // HAMSTER_ENV_FILE_SHARD_STORE_H_
