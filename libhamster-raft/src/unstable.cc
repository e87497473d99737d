#include "unstable.h"

#include <cassert>

namespace hamster::raft {

std::optional<LogIndex> Unstable::MaybeFirstIndex() const {
  if (snapshot_) return snapshot_->metadata.index + 1;
  return std::nullopt;
}

std::optional<LogIndex> Unstable::MaybeLastIndex() const {
  if (!entries_.empty()) return offset_ + entries_.size() - 1;
  if (snapshot_) return snapshot_->metadata.index;
  return std::nullopt;
}

std::optional<Term> Unstable::MaybeTerm(LogIndex index) const {
  if (index < offset_) {
    if (snapshot_ && snapshot_->metadata.index == index) return snapshot_->metadata.term;
    return std::nullopt;
  }
  if (index - offset_ >= entries_.size()) return std::nullopt;
  return entries_[index - offset_].term;
}

void Unstable::StableTo(LogIndex index, Term term) {
  // Entries that were replaced after the Ready was taken must be persisted again.
  std::optional<Term> held = MaybeTerm(index);
  if (!held || *held != term || index < offset_) return;
  entries_.erase(entries_.begin(), entries_.begin() + static_cast<ptrdiff_t>(index + 1 - offset_));
  offset_ = index + 1;
}

void Unstable::StableSnapshotTo(LogIndex index) {
  if (snapshot_ && snapshot_->metadata.index == index) snapshot_.reset();
}

void Unstable::Restore(Snapshot snapshot) {
  offset_ = snapshot.metadata.index + 1;
  entries_.clear();
  snapshot_ = std::move(snapshot);
}

void Unstable::TruncateAndAppend(std::vector<Entry> entries) {
  assert(!entries.empty());
  const LogIndex from = entries[0].index;
  if (from == offset_ + entries_.size()) {
    // The common case: the new entries directly follow.
    for (Entry& entry : entries) entries_.push_back(std::move(entry));
    return;
  }
  if (from <= offset_) {
    // Replaces everything held here; storage entries at and after `from` are overwritten
    // when these are persisted.
    offset_ = from;
    entries_ = std::move(entries);
    return;
  }
  assert(from <= offset_ + entries_.size());
  entries_.resize(from - offset_);
  for (Entry& entry : entries) entries_.push_back(std::move(entry));
}

std::vector<Entry> Unstable::Slice(LogIndex lo, LogIndex hi) const {
  assert(offset_ <= lo && lo <= hi && hi <= offset_ + entries_.size());
  return std::vector<Entry>(entries_.begin() + static_cast<ptrdiff_t>(lo - offset_),
                            entries_.begin() + static_cast<ptrdiff_t>(hi - offset_));
}

}  // namespace hamster::raft
