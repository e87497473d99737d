// Storage is how the Raft core reads the durable log, hard state and snapshot. The core only
// reads through it; the embedder writes what each Ready asks for (hard state, snapshot,
// entries) and makes it durable before calling RawNode::Advance(). A RawNode restarted on the
// same Storage resumes from exactly that durable state.
//
// The log held by a Storage is the entries FirstIndex() .. LastIndex() and a snapshot (index S,
// term T, membership) covering at least everything before FirstIndex(): S >= FirstIndex() - 1.
// Entries after S may remain until the embedder compacts them. A fresh node's storage holds
// the empty snapshot (index 0, term 0) whose membership is the initial cluster for a
// bootstrapping member, and empty for a node that will be added later.
//
// MemoryStorage keeps all of that in memory: for tests, the simulator and embedders that
// persist elsewhere. The RocksDB adapter (hamster::raft_rocksdb) is the durable one.
//
// Thread safety: the core calls Storage only from within RawNode calls, so a Storage used by
// one RawNode needs no locking unless the embedder touches it from other threads.

#ifndef HAMSTER_RAFT_STORAGE_H_
#define HAMSTER_RAFT_STORAGE_H_

#include <cstdint>
#include <deque>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/raft/types.h"

namespace hamster::raft {

// Error codes every Storage uses for the two expected conditions. Any other non-OK status is
// a storage failure: the RawNode stops (every later call returns that status) and the
// embedder must restart it from storage, like after a crash.
//   kOutOfRange: the index is below FirstIndex() (compacted away); TermAt() also answers for
//                FirstIndex() - 1.
//   kNotFound:   the index is above LastIndex().
//   kUnavailable (LoadSnapshot only): no snapshot can be produced right now; retried later.
class Storage {
 public:
  virtual ~Storage() = default;

  virtual absl::StatusOr<HardState> LoadHardState() const = 0;

  // The metadata of the latest snapshot; index 0 when the log was never compacted.
  virtual absl::StatusOr<SnapshotMetadata> LoadSnapshotMetadata() const = 0;

  // The latest snapshot with its data, for sending to a follower that is too far behind.
  virtual absl::StatusOr<Snapshot> LoadSnapshot() const = 0;

  // Entries [lo, hi), stopping early once their data exceeds max_bytes but always returning
  // at least one entry. REQUIRES: FirstIndex() <= lo < hi <= LastIndex() + 1, else returns
  // kOutOfRange (below) or kNotFound (above).
  virtual absl::StatusOr<std::vector<Entry>> Entries(LogIndex lo, LogIndex hi,
                                                     uint64_t max_bytes) const = 0;

  // The term of entry `index`, for FirstIndex() - 1 <= index <= LastIndex().
  virtual absl::StatusOr<Term> TermAt(LogIndex index) const = 0;

  // The first entry still stored (the compaction point + 1).
  virtual absl::StatusOr<LogIndex> FirstIndex() const = 0;
  // The index of the last entry, or FirstIndex() - 1 when none is stored.
  virtual absl::StatusOr<LogIndex> LastIndex() const = 0;
};

// Sum of the entries' data sizes, the measure every byte limit of the core uses.
uint64_t EntryBytes(const std::vector<Entry>& entries);

class MemoryStorage final : public Storage {
 public:
  // An empty log whose snapshot (index 0) carries `initial_membership`.
  explicit MemoryStorage(ConfState initial_membership = {});

  absl::StatusOr<HardState> LoadHardState() const override;
  absl::StatusOr<SnapshotMetadata> LoadSnapshotMetadata() const override;
  absl::StatusOr<Snapshot> LoadSnapshot() const override;
  absl::StatusOr<std::vector<Entry>> Entries(LogIndex lo, LogIndex hi,
                                             uint64_t max_bytes) const override;
  absl::StatusOr<Term> TermAt(LogIndex index) const override;
  absl::StatusOr<LogIndex> FirstIndex() const override;
  absl::StatusOr<LogIndex> LastIndex() const override;

  void SetHardState(const HardState& hard_state);

  // Appends `entries`, which must be consecutive, replacing every stored entry at or after
  // entries[0].index (a leader overwriting a follower's divergent suffix). Entries at or
  // below the snapshot are skipped. Returns InvalidArgument if entries are not consecutive or
  // entries[0].index > LastIndex() + 1 (a gap).
  absl::Status Append(const std::vector<Entry>& entries);

  // Replaces the whole log with `snapshot` (a snapshot received from the leader): the log
  // then starts after it. Returns FailedPrecondition, changing nothing, if it is older than
  // the current snapshot.
  absl::Status ApplySnapshot(Snapshot snapshot);

  // Records a snapshot the state machine made after applying entries up to `index`, with the
  // membership in effect there. Entries are kept; Compact() drops them. Returns
  // FailedPrecondition if `index` is not above the current snapshot, NotFound if it is
  // beyond LastIndex().
  absl::Status CreateSnapshot(LogIndex index, ConfState conf_state, std::string data);

  // Drops entries up to and including `index`; FirstIndex() becomes index + 1. Returns
  // FailedPrecondition unless a snapshot covers `index` (the log must stay reconstructible
  // from snapshot + entries). Compacting at or below the current start is a no-op.
  absl::Status Compact(LogIndex index);

 private:
  HardState hard_state_;
  Snapshot snapshot_;
  // entries_[0] is a placeholder with the index and term of the compaction point (at or below
  // snapshot_.metadata.index), so TermAt() answers there too.
  std::deque<Entry> entries_;
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_STORAGE_H_
