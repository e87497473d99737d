#include "format.h"

#include "absl/strings/str_cat.h"

namespace hamster::raft::rocksdb_format {
namespace {

constexpr char kGlobalPrefix = 0x00;
constexpr char kGroupPrefix = 0x01;

void PutU64(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

// Reads a u64 off the front of `in`; false when fewer than 8 bytes are left.
bool GetU64(std::string_view& in, uint64_t& value) {
  if (in.size() < 8) return false;
  value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<uint8_t>(in[i]);
  in.remove_prefix(8);
  return true;
}

std::string GroupKey(uint64_t group, char kind) {
  std::string key(1, kGroupPrefix);
  PutU64(key, group);
  key.push_back(kind);
  return key;
}

void PutIds(std::string& out, const std::vector<NodeId>& ids) {
  PutU64(out, ids.size());
  for (NodeId id : ids) PutU64(out, id);
}

bool GetIds(std::string_view& in, std::vector<NodeId>& ids) {
  uint64_t count = 0;
  if (!GetU64(in, count) || count > in.size() / 8) return false;
  ids.resize(count);
  for (NodeId& id : ids) {
    if (!GetU64(in, id)) return false;
  }
  return true;
}

absl::Status Corrupt(const std::string& what) {
  return absl::DataLossError(absl::StrCat("raft log database: malformed ", what));
}

}  // namespace

std::string FormatKey() { return absl::StrCat(std::string(1, kGlobalPrefix), "format"); }
std::string CompactionKey(uint64_t group) { return GroupKey(group, 'c'); }
std::string HardStateKey(uint64_t group) { return GroupKey(group, 'h'); }
std::string SnapshotMetadataKey(uint64_t group) { return GroupKey(group, 's'); }
std::string SnapshotDataKey(uint64_t group) { return GroupKey(group, 't'); }

std::string EntryKey(uint64_t group, LogIndex index) {
  std::string key = GroupKey(group, 'e');
  PutU64(key, index);
  return key;
}

absl::StatusOr<LogIndex> EntryKeyIndex(uint64_t group, std::string_view key) {
  const std::string prefix = GroupKey(group, 'e');
  if (key.size() != prefix.size() + 8 || key.substr(0, prefix.size()) != prefix) {
    return Corrupt("entry key");
  }
  key.remove_prefix(prefix.size());
  LogIndex index = 0;
  GetU64(key, index);
  return index;
}

std::string EncodePosition(const LogPosition& position) {
  std::string out;
  PutU64(out, position.index);
  PutU64(out, position.term);
  return out;
}

absl::StatusOr<LogPosition> DecodePosition(std::string_view value) {
  LogPosition position;
  if (!GetU64(value, position.index) || !GetU64(value, position.term) || !value.empty()) {
    return Corrupt("compaction point");
  }
  return position;
}

std::string EncodeEntry(const Entry& entry) {
  std::string out;
  out.reserve(9 + entry.data.size());
  PutU64(out, entry.term);
  out.push_back(static_cast<char>(entry.type));
  out.append(entry.data);
  return out;
}

absl::StatusOr<Entry> DecodeEntry(LogIndex index, std::string_view value) {
  Entry entry{.index = index};
  if (!GetU64(value, entry.term) || value.empty()) return Corrupt(absl::StrCat("entry ", index));
  const uint8_t type = static_cast<uint8_t>(value.front());
  if (type > static_cast<uint8_t>(EntryType::kConfChange)) {
    return Corrupt(absl::StrCat("entry ", index, " (type ", type, ")"));
  }
  entry.type = static_cast<EntryType>(type);
  value.remove_prefix(1);
  entry.data = std::string(value);
  return entry;
}

std::string EncodeHardState(const HardState& hard_state) {
  std::string out;
  PutU64(out, hard_state.term);
  PutU64(out, hard_state.vote);
  PutU64(out, hard_state.commit);
  return out;
}

absl::StatusOr<HardState> DecodeHardState(std::string_view value) {
  HardState hard;
  if (!GetU64(value, hard.term) || !GetU64(value, hard.vote) || !GetU64(value, hard.commit) ||
      !value.empty()) {
    return Corrupt("hard state");
  }
  return hard;
}

std::string EncodeSnapshotMetadata(const SnapshotMetadata& metadata) {
  std::string out;
  PutU64(out, metadata.index);
  PutU64(out, metadata.term);
  PutIds(out, metadata.conf_state.voters);
  PutIds(out, metadata.conf_state.learners);
  return out;
}

absl::StatusOr<SnapshotMetadata> DecodeSnapshotMetadata(std::string_view value) {
  SnapshotMetadata metadata;
  if (!GetU64(value, metadata.index) || !GetU64(value, metadata.term) ||
      !GetIds(value, metadata.conf_state.voters) || !GetIds(value, metadata.conf_state.learners) ||
      !value.empty()) {
    return Corrupt("snapshot metadata");
  }
  return metadata;
}

}  // namespace hamster::raft::rocksdb_format
