// Committer applies commands in one serialized order and makes them durable
// with group commit: commands submitted concurrently while a write is in
// flight are applied together, after it, into one batch written with a
// single synced MetaStore write. A caller's Commit() returns only once the
// batch holding its command is durable, so an acknowledged command survives a
// crash. One of the waiting callers does the work (leader/follower): no
// thread of its own.
//
// Thread safety: Commit() may be called concurrently.
#ifndef HAMSTER_NODE_SRC_COMMITTER_H_
#define HAMSTER_NODE_SRC_COMMITTER_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "absl/status/statusor.h"
#include "hamster/node/meta_store.h"
#include "hamster/proto/metadata.pb.h"
#include "src/state_machine.h"

namespace hamster::node {

class Committer {
 public:
  // Reads the applied index; `store` outlives the committer. `on_garbage`
  // (may be empty) is called after a batch that queued garbage is durable.
  static absl::StatusOr<std::unique_ptr<Committer>> Create(MetaStore* store,
                                                           std::function<void()> on_garbage);

  // Applies `command` at the next log index and returns its result once
  // durable. An error (rather than ApplyResult::outcome) means the batch
  // could not be applied or written: nothing of it is visible.
  absl::StatusOr<ApplyResult> Commit(const meta::Command& command);

  LogIndex applied_index() const;
  uint64_t batch_count() const;    // synced writes so far, for tests and benchmarks
  size_t queued_commands() const;  // commands waiting for the next batch, for tests

 private:
  struct Request;
  Committer(MetaStore* store, std::function<void()> on_garbage, LogIndex applied_index);
  // REQUIRES: `lock` holds mu_ and no batch is being led.
  void LeadBatch(std::unique_lock<std::mutex>& lock);
  absl::Status ApplyAndWrite(const std::deque<Request*>& batch, LogIndex& applied_index);

  // Bounds the memory and latency of one batch; the rest waits for the next.
  static constexpr size_t kMaxBatchCommands = 512;

  MetaStore* store_;
  std::function<void()> on_garbage_;
  // std::mutex, not absl::Mutex: Debian's Abseil lacks TSan annotations.
  mutable std::mutex mu_;
  std::condition_variable batch_done_;
  // Guarded by mu_.
  std::deque<Request*> queue_;
  bool leading_ = false;
  LogIndex applied_index_;
  uint64_t batch_count_ = 0;
};

}  // namespace hamster::node

#endif  // HAMSTER_NODE_SRC_COMMITTER_H_
