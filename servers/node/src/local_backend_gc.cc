// LocalBackend: garbage collection of shard files no committed record
// references (invariant 8: never one that is referenced).
#include "absl/strings/str_cat.h"
#include "hamster/node/local_backend.h"
#include "src/backend_state.h"
#include "src/keys.h"

namespace hamster::node {
namespace {

constexpr size_t kGarbagePageEntries = 1000;

// Profile 1+0: every data id of this backend has exactly shard 0.
constexpr int kShardCount = 1;

}  // namespace

absl::StatusOr<GarbageStats> LocalBackend::CollectGarbage() {
  GarbageStats stats;
  const std::string end = keys::PrefixEnd(keys::GarbageTableStart());
  std::string from = keys::GarbageTableStart();
  for (;;) {
    absl::StatusOr<std::vector<KeyValuePair>> page =
        state_->env.meta->Scan(from, end, kGarbagePageEntries);
    if (!page.ok()) return page.status();
    WriteBatch collected;
    for (const auto& [key, value] : *page) {
      std::optional<ec::DataId> data_id = keys::DataIdOfGarbageKey(key);
      if (!data_id) continue;
      // Never the data of an existing version (invariants 4 and 8): a
      // referenced data id leaves the queue with its files kept.
      absl::StatusOr<std::optional<std::string>> references =
          state_->env.meta->Get(keys::ReferenceKey(*data_id));
      if (!references.ok()) return references.status();
      if (references->has_value()) {
        collected.Delete(key);
        ++stats.data_kept;
        continue;
      }
      {
        // No record references a queued data id, so once unpinned here no
        // reader can pin it again (pin_table.h).
        std::lock_guard lock(state_->pins.mu());
        if (state_->pins.IsPinnedLocked(*data_id)) {
          ++stats.data_pinned;
          continue;
        }
      }
      for (int shard_index = 0; shard_index < kShardCount; ++shard_index) {
        if (absl::Status s = state_->env.shards->Remove(*data_id, shard_index); !s.ok()) return s;
      }
      collected.Delete(key);
      ++stats.data_removed;
    }
    // Unsynced: after a crash a dequeued entry may come back, and removing an
    // absent file again is harmless.
    if (!collected.empty()) {
      if (absl::Status s = state_->env.meta->Write(collected, /*sync=*/false); !s.ok()) return s;
    }
    if (page->size() < kGarbagePageEntries) return stats;
    from = keys::Successor(page->back().first);
  }
}

absl::StatusOr<uint64_t> LocalBackend::RemoveOrphans() {
  if (absl::Status s = state_->env.shards->RemoveTemporaryFiles(); !s.ok()) return s;
  std::vector<std::pair<ec::DataId, int>> shards;
  absl::Status listed =
      state_->env.shards->ForEach([&shards](const ec::DataId& data_id, int shard_index) {
        shards.emplace_back(data_id, shard_index);
      });
  if (!listed.ok()) return listed;
  uint64_t removed = 0;
  for (const auto& [data_id, shard_index] : shards) {
    absl::StatusOr<std::optional<std::string>> references =
        state_->env.meta->Get(keys::ReferenceKey(data_id));
    if (!references.ok()) return references.status();
    if (references->has_value()) continue;
    if (absl::Status s = state_->env.shards->Remove(data_id, shard_index); !s.ok()) return s;
    ++removed;
  }
  return removed;
}

}  // namespace hamster::node
