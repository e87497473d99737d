// The replicated state machine of the simulator's workload: string keys holding 64-bit values,
// written with Put commands through the log and read locally after ReadIndex.

#ifndef HAMSTER_TESTS_SIM_KV_H_
#define HAMSTER_TESTS_SIM_KV_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hamster::sim {

class KvStore {
 public:
  static std::string EncodePut(const std::string& key, uint64_t value);
  // Returns InvalidArgument for a command EncodePut() did not produce.
  absl::Status Apply(const std::string& command);
  // 0 for a key never written.
  uint64_t Get(const std::string& key) const;

  std::string Serialize() const;
  static absl::StatusOr<KvStore> Deserialize(const std::string& data);
  bool operator==(const KvStore&) const = default;
  size_t size() const { return values_.size(); }

 private:
  std::map<std::string, uint64_t> values_;
};

}  // namespace hamster::sim

#endif  // HAMSTER_TESTS_SIM_KV_H_
