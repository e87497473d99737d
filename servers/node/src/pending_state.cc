#include "src/pending_state.h"

#include <algorithm>

#include "src/keys.h"

namespace hamster::node {

absl::StatusOr<std::optional<std::string>> PendingState::Get(std::string_view key) {
  auto it = writes_.find(key);
  if (it != writes_.end()) return it->second;
  return store_->Get(key);
}

absl::StatusOr<std::vector<KeyValuePair>> PendingState::Scan(std::string_view start,
                                                             std::string_view end, size_t limit) {
  std::vector<KeyValuePair> out;
  if (limit == 0) return out;
  std::string from(start);
  auto in_range = [&](const std::string& key) { return end.empty() || key < end; };
  // Pending deletes can hide stored entries, so the store is read in rounds
  // until `limit` entries survive or the range is exhausted.
  for (;;) {
    const size_t want = limit - out.size();
    absl::StatusOr<std::vector<KeyValuePair>> stored = store_->Scan(from, end, want);
    if (!stored.ok()) return stored.status();
    const bool store_exhausted = stored->size() < want;
    // Pending writes up to the last stored key read (or to `end`) merge in.
    std::string merge_end =
        store_exhausted ? std::string(end) : keys::Successor(stored->back().first);
    auto pending = writes_.lower_bound(from);
    size_t next = 0;
    while (out.size() < limit) {
      const bool have_pending = pending != writes_.end() && in_range(pending->first) &&
                                (merge_end.empty() || pending->first < merge_end);
      const bool have_stored = next < stored->size();
      if (!have_pending && !have_stored) break;
      if (have_pending && (!have_stored || pending->first <= (*stored)[next].first)) {
        if (have_stored && pending->first == (*stored)[next].first) ++next;
        if (pending->second) out.emplace_back(pending->first, *pending->second);
        ++pending;
      } else {
        out.push_back(std::move((*stored)[next++]));
      }
    }
    if (out.size() >= limit || store_exhausted) return out;
    from = merge_end;
  }
}

WriteBatch PendingState::TakeBatch() {
  WriteBatch batch;
  for (auto& [key, value] : writes_) {
    if (value) {
      batch.Put(key, std::move(*value));
    } else {
      batch.Delete(key);
    }
  }
  writes_.clear();
  return batch;
}

}  // namespace hamster::node
