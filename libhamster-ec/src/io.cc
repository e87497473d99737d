#include "hamster/ec/io.h"

#include <cstring>

#include "absl/strings/str_cat.h"

namespace hamster::ec {

std::optional<std::span<const uint8_t>> ShardSource::View(uint64_t, size_t) { return std::nullopt; }

std::optional<std::span<const uint8_t>> MemoryShardSource::View(uint64_t offset, size_t length) {
  if (offset > bytes_.size() || length > bytes_.size() - offset) return std::nullopt;
  return bytes_.subspan(offset, length);
}

absl::Status MemoryShardSource::ReadAt(uint64_t offset, std::span<uint8_t> out) {
  if (offset > bytes_.size() || out.size() > bytes_.size() - offset) {
    return absl::DataLossError(absl::StrCat("short read: ", out.size(), " bytes at offset ", offset,
                                            " of a ", bytes_.size(), "-byte shard"));
  }
  if (!out.empty()) std::memcpy(out.data(), bytes_.data() + offset, out.size());
  return absl::OkStatus();
}

absl::Status MemoryShardSink::Append(int shard_index, std::span<const uint8_t> bytes) {
  if (shard_index < 0 || size_t(shard_index) >= shards_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("shard index ", shard_index, " out of range for ", shards_.size(), " shards"));
  }
  shards_[shard_index].insert(shards_[shard_index].end(), bytes.begin(), bytes.end());
  return absl::OkStatus();
}

absl::Status MemoryByteSink::Append(std::span<const uint8_t> bytes) {
  bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
  return absl::OkStatus();
}

}  // namespace hamster::ec
