#include "kv_state_machine.h"

#include <cstdint>

namespace raft_kv {
namespace {

// Version of the PUT and snapshot encodings (DESIGN.md invariant 7).
constexpr char kFormatVersion = 1;

void AppendString(std::string* out, std::string_view value) {
  const auto size = static_cast<uint32_t>(value.size());
  for (int shift = 0; shift < 32; shift += 8) out->push_back(static_cast<char>(size >> shift));
  out->append(value);
}

// Reads what AppendString wrote from the front of `in`; false if `in` is too short.
bool ReadString(std::string_view* in, std::string_view* value) {
  if (in->size() < 4) return false;
  uint32_t size = 0;
  for (int i = 0; i < 4; ++i) size |= uint32_t{static_cast<unsigned char>((*in)[i])} << (8 * i);
  if (in->size() - 4 < size) return false;
  *value = in->substr(4, size);
  in->remove_prefix(4 + size);
  return true;
}

}  // namespace

std::string EncodePut(std::string_view key, std::string_view value) {
  std::string out(1, kFormatVersion);
  AppendString(&out, key);
  out.append(value);
  return out;
}

absl::StatusOr<std::string> KvStateMachine::Apply(const hamster::raft::Entry& entry) {
  std::string_view in = entry.data;
  std::string_view key;
  if (in.empty() || in.front() != kFormatVersion) {
    return absl::InvalidArgumentError("not a raft-kv command of a known version");
  }
  in.remove_prefix(1);
  if (!ReadString(&in, &key)) return absl::InvalidArgumentError("truncated raft-kv command");
  std::lock_guard lock(mutex_);
  data_[std::string(key)] = std::string(in);
  return std::string("OK");
}

std::string KvStateMachine::Snapshot() {
  std::lock_guard lock(mutex_);
  std::string out(1, kFormatVersion);
  for (const auto& [key, value] : data_) {
    AppendString(&out, key);
    AppendString(&out, value);
  }
  return out;
}

absl::Status KvStateMachine::Restore(std::string_view snapshot) {
  std::map<std::string, std::string> data;
  // An empty snapshot is an empty map.
  if (!snapshot.empty()) {
    if (snapshot.front() != kFormatVersion) {
      return absl::DataLossError("raft-kv snapshot of an unknown version");
    }
    snapshot.remove_prefix(1);
    while (!snapshot.empty()) {
      std::string_view key;
      std::string_view value;
      if (!ReadString(&snapshot, &key) || !ReadString(&snapshot, &value)) {
        return absl::DataLossError("truncated raft-kv snapshot");
      }
      data[std::string(key)] = std::string(value);
    }
  }
  std::lock_guard lock(mutex_);
  data_ = std::move(data);
  return absl::OkStatus();
}

std::optional<std::string> KvStateMachine::Get(const std::string& key) const {
  std::lock_guard lock(mutex_);
  const auto it = data_.find(key);
  if (it == data_.end()) return std::nullopt;
  return it->second;
}

}  // namespace raft_kv
