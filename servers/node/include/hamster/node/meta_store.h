// MetaStore is the node's ordered key-value store: the metadata state machine
// keeps its records in it (RocksDB in a real node, an ordered map in tests and
// the simulator). Keys and values are arbitrary bytes, ordered bytewise
// (unsigned), so a range of keys is one ordered scan.
//
// Thread safety: every method may be called concurrently. Write() is atomic: a
// concurrent Get() or Scan() sees all of a batch or none of it.
#ifndef HAMSTER_NODE_META_STORE_H_
#define HAMSTER_NODE_META_STORE_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hamster::node {

// Puts and deletes applied together, in order.
class WriteBatch {
 public:
  struct Operation {
    std::string key;
    std::optional<std::string> value;  // nullopt: delete
  };
  void Put(std::string key, std::string value) {
    operations_.push_back({std::move(key), std::move(value)});
  }
  void Delete(std::string key) { operations_.push_back({std::move(key), std::nullopt}); }
  const std::vector<Operation>& operations() const { return operations_; }
  bool empty() const { return operations_.empty(); }
  void Clear() { operations_.clear(); }

 private:
  std::vector<Operation> operations_;
};

using KeyValuePair = std::pair<std::string, std::string>;

class MetaStore {
 public:
  virtual ~MetaStore() = default;

  // The value of `key`, std::nullopt if absent; an error only for I/O
  // failures (kUnavailable, kDataLoss for a corrupt store).
  virtual absl::StatusOr<std::optional<std::string>> Get(std::string_view key) = 0;

  // Up to `limit` entries with start <= key < end, in key order; an empty
  // `end` means no upper bound.
  virtual absl::StatusOr<std::vector<KeyValuePair>> Scan(std::string_view start,
                                                         std::string_view end, size_t limit) = 0;

  // Applies `batch` atomically. With `sync`, returns only once the batch is
  // durable (survives a crash of the process or the machine).
  virtual absl::Status Write(const WriteBatch& batch, bool sync) = 0;
};

// A MetaStore held in memory (a std::map under a mutex), for tests and the
// simulator. Write() with sync is as durable as the process.
std::unique_ptr<MetaStore> NewMemoryMetaStore();

}  // namespace hamster::node

#endif  // HAMSTER_NODE_META_STORE_H_
