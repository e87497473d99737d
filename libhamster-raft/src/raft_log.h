// The log as the core sees it: the durable part in Storage followed by the Unstable part, plus
// the commit and applied indexes. Reading Storage can fail; those failures come back as
// statuses the caller must propagate (the node then stops). Compaction shows as kOutOfRange.

#ifndef HAMSTER_RAFT_SRC_RAFT_LOG_H_
#define HAMSTER_RAFT_SRC_RAFT_LOG_H_

#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/raft/storage.h"
#include "unstable.h"

namespace hamster::raft {

class RaftLog {
 public:
  // Reads storage's bounds. `commit` is the stored hard state's and `snapshot_index` the
  // stored snapshot's (committed by definition). Returns DataLoss when the commit index lies
  // beyond the stored log.
  static absl::StatusOr<RaftLog> Open(Storage* storage, LogIndex commit, LogIndex snapshot_index);

  // Re-reads storage's first index (the embedder may compact between calls).
  absl::Status RefreshStorageBounds();

  LogIndex first_index() const;
  LogIndex last_index() const;
  // The term of `index`: kOutOfRange below first_index() - 1 (compacted), 0 above
  // last_index().
  absl::StatusOr<Term> TermOf(LogIndex index) const;
  absl::StatusOr<Term> LastTerm() const { return TermOf(last_index()); }
  absl::StatusOr<LogPosition> LastPosition() const;
  // Whether the log holds (index, term); false when compacted or absent.
  absl::StatusOr<bool> MatchTerm(LogIndex index, Term term) const;
  // Whether a log ending at (index, term) is at least as up to date as this one.
  absl::StatusOr<bool> IsUpToDate(LogIndex index, Term term) const;

  // A follower's append of `entries` after (index, log_term). Returns nullopt when the log
  // does not hold (index, log_term); else the index of the last new entry, after truncating
  // any conflicting suffix and committing up to min(commit, that index). `*first_changed` is
  // set to the first index whose entry changed (0 if none).
  absl::StatusOr<std::optional<LogIndex>> MaybeAppend(LogIndex index, Term log_term,
                                                      LogIndex commit, std::vector<Entry> entries,
                                                      LogIndex* first_changed);
  // A leader's append; returns the new last index. REQUIRES: entries follow last_index().
  LogIndex Append(std::vector<Entry> entries);

  // The last (index, term) at or below `index` whose term is at most `term`; the leader and
  // the follower use it to skip a conflicting term at once.
  absl::StatusOr<LogPosition> FindConflictByTerm(LogIndex index, Term term) const;

  // Entries [lo, hi) cut at max_bytes (at least one). kOutOfRange if lo < first_index().
  absl::StatusOr<std::vector<Entry>> Slice(LogIndex lo, LogIndex hi, uint64_t max_bytes) const;

  LogIndex committed() const { return committed_; }
  LogIndex applied() const { return applied_; }
  // REQUIRES: index <= last_index(). Never decreases the commit index.
  void CommitTo(LogIndex index);
  // Commits up to `index` if its entry has `term` (a leader commits only its own term's
  // entries by counting). Returns whether the commit index moved.
  absl::StatusOr<bool> MaybeCommit(LogIndex index, Term term);
  void AppliedTo(LogIndex index);
  bool HasNextCommittedEntries() const;
  absl::StatusOr<std::vector<Entry>> NextCommittedEntries(uint64_t max_bytes) const;

  // Installs a snapshot from the leader: the log becomes just the snapshot.
  void Restore(Snapshot snapshot);
  // The pending snapshot from the leader, else storage's latest.
  absl::StatusOr<Snapshot> LoadSnapshot() const;
  bool HasPendingSnapshot() const { return unstable_.snapshot().has_value(); }

  // The last index known durable in storage and still part of this log.
  LogIndex persisted_index() const;

  const Unstable& unstable() const { return unstable_; }
  void StableTo(LogIndex index, Term term) { unstable_.StableTo(index, term); }
  void StableSnapshotTo(LogIndex index) { unstable_.StableSnapshotTo(index); }
  // Sets where application resumes after a restart. REQUIRES: first_index() - 1 <= index <=
  // committed().
  void SetApplied(LogIndex index) { applied_ = index; }

 private:
  RaftLog(Storage* storage, LogIndex storage_first, LogIndex storage_last)
      : storage_(storage), storage_first_(storage_first), unstable_(storage_last + 1) {}
  absl::StatusOr<LogIndex> FindConflict(const std::vector<Entry>& entries) const;

  Storage* storage_;
  LogIndex storage_first_;
  Unstable unstable_;
  LogIndex committed_ = 0;
  LogIndex applied_ = 0;
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_SRC_RAFT_LOG_H_
