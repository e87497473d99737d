#include "kv.h"

#include <sstream>

namespace hamster::sim {

std::string KvStore::EncodePut(const std::string& key, uint64_t value) {
  return "P " + key + " " + std::to_string(value);
}

absl::Status KvStore::Apply(const std::string& command) {
  std::istringstream in(command);
  std::string verb, key;
  uint64_t value = 0;
  if (!(in >> verb >> key >> value) || verb != "P" || !in.eof()) {
    return absl::InvalidArgumentError("bad command: " + command);
  }
  values_[key] = value;
  return absl::OkStatus();
}

uint64_t KvStore::Get(const std::string& key) const {
  auto it = values_.find(key);
  return it == values_.end() ? 0 : it->second;
}

std::string KvStore::Serialize() const {
  std::string out;
  for (const auto& [key, value] : values_) out += key + " " + std::to_string(value) + "\n";
  return out;
}

absl::StatusOr<KvStore> KvStore::Deserialize(const std::string& data) {
  KvStore store;
  std::istringstream in(data);
  std::string key;
  uint64_t value = 0;
  while (in >> key >> value) store.values_[key] = value;
  if (!in.eof()) return absl::InvalidArgumentError("bad snapshot data");
  return store;
}

}  // namespace hamster::sim
