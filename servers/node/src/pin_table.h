// PinTable counts the open readers of each data id, so the garbage collector
// skips data an ObjectReader may still read. A reader reads its record and
// pins the record's data ids under mu(); the collector checks pins under
// mu() too. Since a data id is queued for collection in the same atomic
// batch that removes its last reference, a reader that reads a record after
// the collector's check cannot find the collected data id in it.
//
// Thread safety: all methods may be called concurrently; *Locked methods
// need mu() held. (std::mutex, not absl::Mutex: Debian's Abseil lacks
// ThreadSanitizer annotations.)
#ifndef HAMSTER_NODE_SRC_PIN_TABLE_H_
#define HAMSTER_NODE_SRC_PIN_TABLE_H_

#include <mutex>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "hamster/ec/shard_format.h"

namespace hamster::node {

class PinTable {
 public:
  std::mutex& mu() { return mu_; }

  void PinLocked(const std::vector<ec::DataId>& data_ids) {
    for (const ec::DataId& id : data_ids) ++counts_[id];
  }
  void Unpin(const std::vector<ec::DataId>& data_ids) {
    std::lock_guard lock(mu_);
    for (const ec::DataId& id : data_ids) {
      auto it = counts_.find(id);
      if (it != counts_.end() && --it->second == 0) counts_.erase(it);
    }
  }
  bool IsPinnedLocked(const ec::DataId& data_id) const { return counts_.contains(data_id); }

 private:
  std::mutex mu_;
  absl::flat_hash_map<ec::DataId, int> counts_;  // guarded by mu_
};

}  // namespace hamster::node

#endif  // HAMSTER_NODE_SRC_PIN_TABLE_H_
