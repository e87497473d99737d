#include <map>
#include <mutex>

#include "hamster/node/meta_store.h"

namespace hamster::node {
namespace {

class MemoryMetaStore : public MetaStore {
 public:
  absl::StatusOr<std::optional<std::string>> Get(std::string_view key) override {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::optional<std::string>();
    return std::optional<std::string>(it->second);
  }

  absl::StatusOr<std::vector<KeyValuePair>> Scan(std::string_view start, std::string_view end,
                                                 size_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<KeyValuePair> out;
    for (auto it = entries_.lower_bound(start);
         it != entries_.end() && out.size() < limit && (end.empty() || it->first < end); ++it) {
      out.emplace_back(it->first, it->second);
    }
    return out;
  }

  absl::Status Write(const WriteBatch& batch, bool /*sync*/) override {
    std::lock_guard lock(mu_);
    for (const WriteBatch::Operation& op : batch.operations()) {
      if (op.value) {
        entries_[op.key] = *op.value;
      } else {
        entries_.erase(op.key);
      }
    }
    return absl::OkStatus();
  }

 private:
  std::mutex mu_;  // not absl::Mutex: Debian's Abseil lacks TSan annotations
  // std::string compares bytes as unsigned char (char_traits<char>::lt), as
  // the MetaStore contract requires.
  std::map<std::string, std::string, std::less<>> entries_;  // guarded by mu_
};

}  // namespace

std::unique_ptr<MetaStore> NewMemoryMetaStore() { return std::make_unique<MemoryMetaStore>(); }

}  // namespace hamster::node
