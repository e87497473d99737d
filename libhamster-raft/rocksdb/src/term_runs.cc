// RocksDbStorage::TermRuns: entry terms in memory, one record per term change. Terms change
// only with elections, so the runs stay few between compactions.

#include <algorithm>

#include "hamster/raft/rocksdb_storage.h"

namespace hamster::raft {

std::optional<Term> RocksDbStorage::TermRuns::Find(LogIndex index) const {
  if (index < first_ || starts_.empty()) return std::nullopt;
  auto after = std::upper_bound(
      starts_.begin(), starts_.end(), index,
      [](LogIndex wanted, const LogPosition& start) { return wanted < start.index; });
  // Record() keeps starts_[0].index <= first_, so `after` is never the first run.
  if (after == starts_.begin()) return std::nullopt;
  return std::prev(after)->term;
}

void RocksDbStorage::TermRuns::Record(std::span<const Entry> entries) {
  if (entries.empty()) return;
  const LogIndex from = entries.front().index;
  if (from < first_ || starts_.empty()) {
    // Entries older than we know of are replaced, or we knew none: start over from them.
    first_ = from;
    starts_.clear();
  }
  while (!starts_.empty() && starts_.back().index >= from) starts_.pop_back();
  for (const Entry& entry : entries) {
    if (starts_.empty() || starts_.back().term != entry.term) {
      starts_.push_back(LogPosition{.index = entry.index, .term = entry.term});
    }
  }
}

void RocksDbStorage::TermRuns::DropBefore(LogIndex first) {
  if (first <= first_) return;
  first_ = first;
  // Keep the run holding `first`: drop those that end before it.
  size_t keep_from = 0;
  while (keep_from + 1 < starts_.size() && starts_[keep_from + 1].index <= first) ++keep_from;
  starts_.erase(starts_.begin(), starts_.begin() + long(keep_from));
}

}  // namespace hamster::raft
