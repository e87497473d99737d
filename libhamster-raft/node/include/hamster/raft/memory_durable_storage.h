// MemoryDurableStorage is a DurableStorage in memory: a MemoryStorage behind a mutex. It
// survives a Node's Stop() and a new Node started on it (a restart without a crash), which is
// what tests and the simulator need; it does not survive the process.
//
// Thread safety: every method may be called from any thread.

#ifndef HAMSTER_RAFT_MEMORY_DURABLE_STORAGE_H_
#define HAMSTER_RAFT_MEMORY_DURABLE_STORAGE_H_

#include <mutex>
#include <string>
#include <vector>

#include "hamster/raft/durable_storage.h"
#include "hamster/raft/storage.h"

namespace hamster::raft {

class MemoryDurableStorage final : public DurableStorage {
 public:
  explicit MemoryDurableStorage(ConfState initial_membership = {});

  absl::StatusOr<HardState> LoadHardState() const override;
  absl::StatusOr<SnapshotMetadata> LoadSnapshotMetadata() const override;
  absl::StatusOr<Snapshot> LoadSnapshot() const override;
  absl::StatusOr<std::vector<Entry>> Entries(LogIndex lo, LogIndex hi,
                                             uint64_t max_bytes) const override;
  absl::StatusOr<Term> TermAt(LogIndex index) const override;
  absl::StatusOr<LogIndex> FirstIndex() const override;
  absl::StatusOr<LogIndex> LastIndex() const override;

  absl::Status Persist(const Ready& ready) override;
  absl::Status CreateSnapshot(LogIndex index, ConfState conf_state, std::string data) override;
  absl::Status Compact(LogIndex index) override;

 private:
  mutable std::mutex mu_;
  MemoryStorage storage_;
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_MEMORY_DURABLE_STORAGE_H_
