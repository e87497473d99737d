// ShardStore holds this node's shard files (libhamster-ec's self-describing
// format), named by (data id, shard index). A new shard is written under a
// temporary name and appears under its real name only once durable (invariant
// 8), so a crash leaves either nothing or a whole, synced file.
//
// Thread safety: ShardStore methods may be called concurrently; a
// PendingShard or ShardSource it returns is used by one thread at a time.
#ifndef HAMSTER_NODE_SHARD_STORE_H_
#define HAMSTER_NODE_SHARD_STORE_H_

#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/ec/io.h"
#include "hamster/ec/shard_format.h"

namespace hamster::node {

// A shard file being written. Destroyed without a successful Commit(), it
// leaves nothing behind.
class PendingShard : public ec::ByteSink {
 public:
  // Makes the bytes appended so far durable under the shard's real name
  // (file synced, renamed into place, directory synced). Call once.
  virtual absl::Status Commit() = 0;
};

class ShardStore {
 public:
  virtual ~ShardStore() = default;

  // Starts shard `shard_index` of `data_id`. Errors are I/O errors.
  virtual absl::StatusOr<std::unique_ptr<PendingShard>> Create(const ec::DataId& data_id,
                                                               int shard_index) = 0;
  // Opens a committed shard for reading; kNotFound if it does not exist.
  virtual absl::StatusOr<std::unique_ptr<ec::ShardSource>> Open(const ec::DataId& data_id,
                                                                int shard_index) = 0;
  // Deletes a committed shard; OK if it does not exist.
  virtual absl::Status Remove(const ec::DataId& data_id, int shard_index) = 0;
  // Calls `visit` for every committed shard (for the startup orphan scan).
  virtual absl::Status ForEach(
      const std::function<void(const ec::DataId& data_id, int shard_index)>& visit) = 0;
  // Deletes leftovers of writes that never committed (a crash mid-write).
  // REQUIRES: no PendingShard of this store is alive.
  virtual absl::Status RemoveTemporaryFiles() = 0;
};

}  // namespace hamster::node

#endif  // HAMSTER_NODE_SHARD_STORE_H_
