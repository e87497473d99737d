// GroupSync turns many "make my write durable" requests into few fsyncs: a leader/follower
// commit queue. Writers apply their batch without syncing, take a ticket, and call
// SyncThrough(ticket). The first caller finding no sync in progress becomes the leader: it
// syncs everything written so far (every ticket issued before the sync began) and wakes the
// others; callers whose ticket that sync covered return, the rest elect the next leader. So
// while one fsync runs, every writer arriving meanwhile is covered by the next single fsync.
//
// A failed sync fails every request it covered and every later one (the log's durability is
// unknown from then on).
//
// Thread safety: all methods may be called from any thread.

#ifndef HAMSTER_RAFT_ROCKSDB_SRC_GROUP_SYNC_H_
#define HAMSTER_RAFT_ROCKSDB_SRC_GROUP_SYNC_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>

#include "absl/status/status.h"

namespace hamster::raft {

class GroupSync {
 public:
  // `sync` makes every write that completed before it was called durable.
  explicit GroupSync(std::function<absl::Status()> sync) : sync_(std::move(sync)) {}

  // Records that a write has completed; call after the write returns.
  uint64_t Written();
  // Returns once a sync that began after ticket `ticket` was issued has finished.
  absl::Status SyncThrough(uint64_t ticket);

  uint64_t sync_count() const;
  uint64_t sync_request_count() const;
  // Callers blocked in SyncThrough() behind a running sync (tests use it to line them up).
  int waiting_count() const;

 private:
  const std::function<absl::Status()> sync_;
  mutable std::mutex mu_;
  std::condition_variable synced_cv_;
  uint64_t written_ = 0;
  uint64_t synced_ = 0;
  bool syncing_ = false;
  int waiting_ = 0;
  uint64_t sync_count_ = 0;
  uint64_t sync_request_count_ = 0;
  absl::Status failure_;
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_ROCKSDB_SRC_GROUP_SYNC_H_
