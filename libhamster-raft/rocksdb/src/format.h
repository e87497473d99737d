// The key layout and value encodings of the Raft log database (format version 1). Every
// integer is fixed-width big-endian, so keys sort by group and then by index.
//
//   0x00 "format"                   -> the format version, decimal ("1")
//   0x01 group:u64 'c'              -> compaction point: index:u64 term:u64 (the entry before
//                                      the first stored one)
//   0x01 group:u64 'e' index:u64    -> entry: term:u64 type:u8 data
//   0x01 group:u64 'h'              -> hard state: term:u64 vote:u64 commit:u64
//   0x01 group:u64 's'              -> snapshot metadata: index:u64 term:u64
//                                      voter_count:u64 voters:u64... learner_count:u64
//                                      learners:u64...
//   0x01 group:u64 't'              -> snapshot data
//
// Decoders check exact sizes, so a value with new fields comes with a new format version,
// which binaries that do not know it refuse to open.

#ifndef HAMSTER_RAFT_ROCKSDB_SRC_FORMAT_H_
#define HAMSTER_RAFT_ROCKSDB_SRC_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "hamster/raft/types.h"

namespace hamster::raft::rocksdb_format {

inline constexpr uint32_t kFormatVersion = 1;

std::string FormatKey();
std::string CompactionKey(uint64_t group);
std::string EntryKey(uint64_t group, LogIndex index);
std::string HardStateKey(uint64_t group);
std::string SnapshotMetadataKey(uint64_t group);
std::string SnapshotDataKey(uint64_t group);
// The index an entry key names; DataLoss if `key` is not an entry key of `group`.
absl::StatusOr<LogIndex> EntryKeyIndex(uint64_t group, std::string_view key);

std::string EncodePosition(const LogPosition& position);
absl::StatusOr<LogPosition> DecodePosition(std::string_view value);
std::string EncodeEntry(const Entry& entry);
absl::StatusOr<Entry> DecodeEntry(LogIndex index, std::string_view value);
std::string EncodeHardState(const HardState& hard_state);
absl::StatusOr<HardState> DecodeHardState(std::string_view value);
std::string EncodeSnapshotMetadata(const SnapshotMetadata& metadata);
absl::StatusOr<SnapshotMetadata> DecodeSnapshotMetadata(std::string_view value);

}  // namespace hamster::raft::rocksdb_format

#endif  // HAMSTER_RAFT_ROCKSDB_SRC_FORMAT_H_
