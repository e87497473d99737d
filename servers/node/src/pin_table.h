// PinTable counts the open readers of each data id, so the garbage collector
// skips data an ObjectReader may still read. A reader reads its record and
// pins the record's data ids under mu(); the collector checks pins under
// mu() too. Since a data id is queued for collection in the same atomic
// batch that removes its last reference, a reader that reads a record after
// the collector's check cannot find the collected data id in it.
//
// Thread safety: all methods may be called concurrently.
#ifndef HAMSTER_NODE_SRC_PIN_TABLE_H_
#define HAMSTER_NODE_SRC_PIN_TABLE_H_

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "hamster/ec/shard_format.h"

namespace hamster::node {

class PinTable {
 public:
  absl::Mutex& mu() ABSL_LOCK_RETURNED(mu_) { return mu_; }

  void PinLocked(const std::vector<ec::DataId>& data_ids) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const ec::DataId& id : data_ids) ++counts_[id];
  }
  void Unpin(const std::vector<ec::DataId>& data_ids) {
    absl::MutexLock lock(&mu_);
    for (const ec::DataId& id : data_ids) {
      auto it = counts_.find(id);
      if (it != counts_.end() && --it->second == 0) counts_.erase(it);
    }
  }
  bool IsPinnedLocked(const ec::DataId& data_id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return counts_.contains(data_id);
  }

 private:
  absl::Mutex mu_;
  absl::flat_hash_map<ec::DataId, int> counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace hamster::node

#endif  // HAMSTER_NODE_SRC_PIN_TABLE_H_
