#include "raft_log.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/str_cat.h"

namespace hamster::raft {
namespace {

// Cuts `entries` after the first one that brings the data size beyond max_bytes.
void LimitSize(std::vector<Entry>& entries, uint64_t max_bytes) {
  uint64_t size = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    size += entries[i].data.size();
    if (i > 0 && size > max_bytes) {
      entries.resize(i);
      return;
    }
  }
}

}  // namespace

absl::StatusOr<RaftLog> RaftLog::Open(Storage* storage, LogIndex commit, LogIndex snapshot_index) {
  absl::StatusOr<LogIndex> first = storage->FirstIndex();
  if (!first.ok()) return first.status();
  absl::StatusOr<LogIndex> last = storage->LastIndex();
  if (!last.ok()) return last.status();
  if (*last + 1 < *first) {
    return absl::DataLossError(
        absl::StrCat("storage: last index ", *last, " below first index ", *first));
  }
  RaftLog log(storage, *first, *last);
  // The stored commit may lag (it is written without fsync), never the snapshot.
  log.committed_ = std::max({commit, snapshot_index, *first - 1});
  if (log.committed_ > *last) {
    return absl::DataLossError(
        absl::StrCat("storage: commit index ", log.committed_, " beyond the last index ", *last));
  }
  log.applied_ = std::max(snapshot_index, *first - 1);
  return log;
}

absl::Status RaftLog::RefreshStorageBounds() {
  absl::StatusOr<LogIndex> first = storage_->FirstIndex();
  if (!first.ok()) return first.status();
  storage_first_ = *first;
  return absl::OkStatus();
}

LogIndex RaftLog::first_index() const {
  if (std::optional<LogIndex> index = unstable_.MaybeFirstIndex()) return *index;
  return storage_first_;
}

LogIndex RaftLog::last_index() const {
  if (std::optional<LogIndex> index = unstable_.MaybeLastIndex()) return *index;
  // With nothing unstable, storage holds exactly the log up to here.
  return unstable_.offset() - 1;
}

absl::StatusOr<Term> RaftLog::TermOf(LogIndex index) const {
  if (index + 1 < first_index()) {
    return absl::OutOfRangeError(absl::StrCat("index ", index, " is compacted"));
  }
  if (index > last_index()) return Term{0};
  if (std::optional<Term> term = unstable_.MaybeTerm(index)) return *term;
  return storage_->TermAt(index);
}

absl::StatusOr<LogPosition> RaftLog::LastPosition() const {
  absl::StatusOr<Term> term = LastTerm();
  if (!term.ok()) return term.status();
  return LogPosition{.index = last_index(), .term = *term};
}

absl::StatusOr<bool> RaftLog::MatchTerm(LogIndex index, Term term) const {
  absl::StatusOr<Term> held = TermOf(index);
  if (absl::IsOutOfRange(held.status())) return false;
  if (!held.ok()) return held.status();
  return index <= last_index() && *held == term;
}

absl::StatusOr<bool> RaftLog::IsUpToDate(LogIndex index, Term term) const {
  absl::StatusOr<Term> last_term = LastTerm();
  if (!last_term.ok()) return last_term.status();
  return term > *last_term || (term == *last_term && index >= last_index());
}

absl::StatusOr<LogIndex> RaftLog::FindConflict(const std::vector<Entry>& entries) const {
  for (const Entry& entry : entries) {
    absl::StatusOr<bool> match = MatchTerm(entry.index, entry.term);
    if (!match.ok()) return match.status();
    if (!*match) return entry.index;
  }
  return LogIndex{0};
}

absl::StatusOr<std::optional<LogIndex>> RaftLog::MaybeAppend(LogIndex index, Term log_term,
                                                             LogIndex commit,
                                                             std::vector<Entry> entries,
                                                             LogIndex* first_changed) {
  *first_changed = 0;
  absl::StatusOr<bool> match = MatchTerm(index, log_term);
  if (!match.ok()) return match.status();
  if (!*match) return std::optional<LogIndex>();
  const LogIndex last_new = index + entries.size();
  absl::StatusOr<LogIndex> conflict = FindConflict(entries);
  if (!conflict.ok()) return conflict.status();
  if (*conflict != 0) {
    if (*conflict <= committed_) {
      // A leader never contradicts a committed entry; this is a broken invariant (or a
      // corrupted log), and continuing would apply a different history.
      return absl::InternalError(absl::StrCat("append conflicts with committed entry ", *conflict,
                                              " (commit index ", committed_, ")"));
    }
    entries.erase(entries.begin(), entries.begin() + static_cast<ptrdiff_t>(*conflict - index - 1));
    Append(std::move(entries));
    *first_changed = *conflict;
  }
  CommitTo(std::min(commit, last_new));
  return std::optional<LogIndex>(last_new);
}

LogIndex RaftLog::Append(std::vector<Entry> entries) {
  if (entries.empty()) return last_index();
  assert(entries[0].index > committed_ && entries[0].index <= last_index() + 1);
  unstable_.TruncateAndAppend(std::move(entries));
  return last_index();
}

absl::StatusOr<LogPosition> RaftLog::FindConflictByTerm(LogIndex index, Term term) const {
  for (; index > 0; --index) {
    absl::StatusOr<Term> held = TermOf(index);
    // Compacted: we cannot tell, so this index may match; term 0 says "unknown".
    if (absl::IsOutOfRange(held.status())) return LogPosition{.index = index, .term = 0};
    if (!held.ok()) return held.status();
    if (*held <= term) return LogPosition{.index = index, .term = *held};
  }
  return LogPosition{};
}

absl::StatusOr<std::vector<Entry>> RaftLog::Slice(LogIndex lo, LogIndex hi,
                                                  uint64_t max_bytes) const {
  assert(lo <= hi && hi <= last_index() + 1);
  if (lo < first_index()) {
    return absl::OutOfRangeError(absl::StrCat("index ", lo, " is compacted"));
  }
  if (lo == hi) return std::vector<Entry>();
  if (lo >= unstable_.offset()) {
    std::vector<Entry> entries = unstable_.Slice(lo, hi);
    LimitSize(entries, max_bytes);
    return entries;
  }
  const LogIndex cut = std::min(hi, unstable_.offset());
  absl::StatusOr<std::vector<Entry>> stored = storage_->Entries(lo, cut, max_bytes);
  if (!stored.ok()) return stored.status();
  if (hi <= unstable_.offset() || stored->size() < cut - lo) return stored;
  const uint64_t size = EntryBytes(*stored);
  if (size >= max_bytes) return stored;
  std::vector<Entry> more = unstable_.Slice(unstable_.offset(), hi);
  LimitSize(more, max_bytes - size);
  if (more.size() == 1 && size + more[0].data.size() > max_bytes) return stored;
  for (Entry& entry : more) stored->push_back(std::move(entry));
  return stored;
}

void RaftLog::CommitTo(LogIndex index) {
  if (index <= committed_) return;
  assert(index <= last_index());
  committed_ = index;
}

absl::StatusOr<bool> RaftLog::MaybeCommit(LogIndex index, Term term) {
  if (index <= committed_) return false;
  absl::StatusOr<Term> held = TermOf(index);
  if (!held.ok()) return held.status();
  if (*held != term) return false;
  CommitTo(index);
  return true;
}

void RaftLog::AppliedTo(LogIndex index) {
  assert(index <= committed_);
  applied_ = std::max(applied_, index);
}

bool RaftLog::HasNextCommittedEntries() const {
  if (HasPendingSnapshot()) return false;
  return committed_ + 1 > std::max(applied_ + 1, first_index());
}

absl::StatusOr<std::vector<Entry>> RaftLog::NextCommittedEntries(uint64_t max_bytes) const {
  if (!HasNextCommittedEntries()) return std::vector<Entry>();
  return Slice(std::max(applied_ + 1, first_index()), committed_ + 1, max_bytes);
}

void RaftLog::Restore(Snapshot snapshot) {
  committed_ = snapshot.metadata.index;
  unstable_.Restore(std::move(snapshot));
}

absl::StatusOr<Snapshot> RaftLog::LoadSnapshot() const {
  if (unstable_.snapshot()) return *unstable_.snapshot();
  return storage_->LoadSnapshot();
}

LogIndex RaftLog::persisted_index() const {
  if (HasPendingSnapshot()) return 0;
  return unstable_.offset() - 1;
}

}  // namespace hamster::raft
