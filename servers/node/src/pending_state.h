// PendingState is the metadata state as a batch of commands sees it while it
// is being applied: the MetaStore's contents with the batch's own writes laid
// over them, so the second command of a group commit sees the first one's
// effects. Nothing reaches the store until the caller writes TakeBatch().
//
// Thread safety: one thread at a time.
#ifndef HAMSTER_NODE_SRC_PENDING_STATE_H_
#define HAMSTER_NODE_SRC_PENDING_STATE_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hamster/node/meta_store.h"

namespace hamster::node {

class PendingState {
 public:
  explicit PendingState(MetaStore* store) : store_(store) {}  // store outlives this

  absl::StatusOr<std::optional<std::string>> Get(std::string_view key);
  // As MetaStore::Scan, over the store and the pending writes.
  absl::StatusOr<std::vector<KeyValuePair>> Scan(std::string_view start, std::string_view end,
                                                 size_t limit);
  void Put(std::string key, std::string value) { writes_[std::move(key)] = std::move(value); }
  void Delete(std::string key) { writes_[std::move(key)] = std::nullopt; }

  // The pending writes in key order; the state is empty afterwards.
  WriteBatch TakeBatch();

 private:
  MetaStore* store_;
  std::map<std::string, std::optional<std::string>, std::less<>> writes_;
};

}  // namespace hamster::node

#endif  // HAMSTER_NODE_SRC_PENDING_STATE_H_
