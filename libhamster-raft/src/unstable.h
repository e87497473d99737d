// The part of the log not yet durable: entries (and possibly a snapshot from the leader) that
// the next Ready hands to the embedder to persist. After Advance() they are dropped from here
// and read from Storage instead.

#ifndef HAMSTER_RAFT_SRC_UNSTABLE_H_
#define HAMSTER_RAFT_SRC_UNSTABLE_H_

#include <optional>
#include <vector>

#include "hamster/raft/types.h"

namespace hamster::raft {

class Unstable {
 public:
  // `offset` is the index the first unstable entry will have: storage's last index + 1.
  explicit Unstable(LogIndex offset) : offset_(offset) {}

  // The log's first index if a snapshot is pending, which replaces everything in storage.
  std::optional<LogIndex> MaybeFirstIndex() const;
  // The last index held here (entries, else the pending snapshot's), if any.
  std::optional<LogIndex> MaybeLastIndex() const;
  // The term of `index` if this part of the log knows it.
  std::optional<Term> MaybeTerm(LogIndex index) const;

  // The embedder persisted entries up to (index, term): drop them unless they were replaced
  // meanwhile (a term mismatch), in which case the replacements are still to be persisted.
  void StableTo(LogIndex index, Term term);
  // The embedder installed the snapshot at `index`.
  void StableSnapshotTo(LogIndex index);

  // Replaces everything with a snapshot from the leader.
  void Restore(Snapshot snapshot);

  // Appends `entries` (consecutive, non-empty), dropping any held entry at or after the first
  // one. REQUIRES: entries[0].index <= the last index known to the log + 1.
  void TruncateAndAppend(std::vector<Entry> entries);

  // Entries [lo, hi). REQUIRES: offset() <= lo <= hi <= offset() + entries().size().
  std::vector<Entry> Slice(LogIndex lo, LogIndex hi) const;

  LogIndex offset() const { return offset_; }
  const std::vector<Entry>& entries() const { return entries_; }
  const std::optional<Snapshot>& snapshot() const { return snapshot_; }

 private:
  std::optional<Snapshot> snapshot_;
  std::vector<Entry> entries_;
  LogIndex offset_;  // the index of entries_[0]
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_SRC_UNSTABLE_H_
