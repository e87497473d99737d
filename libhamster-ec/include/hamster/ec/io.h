#ifndef HAMSTER_EC_IO_H_
#define HAMSTER_EC_IO_H_

// The byte interfaces through which the library reads and writes shards and
// objects. The library does no I/O itself: callers implement these over files,
// sockets or memory. Memory-backed implementations are provided.
//
// Thread safety: an implementation is used by one encoder or decoder at a time.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hamster::ec {

// Random-access read of one shard file.
class ShardSource {
 public:
  virtual ~ShardSource() = default;
  virtual absl::StatusOr<uint64_t> SizeBytes() = 0;
  // Fills all of `out` from `offset`, or returns an error (DataLoss for a
  // short read, Unavailable or another code for an I/O failure).
  virtual absl::Status ReadAt(uint64_t offset, std::span<uint8_t> out) = 0;
  // The `length` bytes at `offset` where they already are, when the source
  // holds the shard in memory (an in-memory image, an mmapped file), so the
  // decoder verifies and uses them without copying. std::nullopt when the
  // source cannot, or for a range past the end: the decoder then calls
  // ReadAt, which reports the error. The bytes must stay valid and unchanged
  // while the source is in use, since they are checked once and then used.
  virtual std::optional<std::span<const uint8_t>> View(uint64_t offset, size_t length);
};

// Append-only output of k + m shard files, addressed by shard index.
class ShardSink {
 public:
  virtual ~ShardSink() = default;
  virtual absl::Status Append(int shard_index, std::span<const uint8_t> bytes) = 0;
};

// Append-only output of object bytes.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual absl::Status Append(std::span<const uint8_t> bytes) = 0;
};

// Reads a shard image held in memory, in place through View(). `bytes` must
// outlive the source and not change while it is in use.
class MemoryShardSource : public ShardSource {
 public:
  explicit MemoryShardSource(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  absl::StatusOr<uint64_t> SizeBytes() override { return bytes_.size(); }
  absl::Status ReadAt(uint64_t offset, std::span<uint8_t> out) override;
  std::optional<std::span<const uint8_t>> View(uint64_t offset, size_t length) override;

 private:
  std::span<const uint8_t> bytes_;
};

// Collects shard files in memory, one vector per shard index; shard indices
// outside [0, shard_count) are refused with InvalidArgument.
class MemoryShardSink : public ShardSink {
 public:
  explicit MemoryShardSink(int shard_count) : shards_(shard_count) {}
  absl::Status Append(int shard_index, std::span<const uint8_t> bytes) override;
  std::vector<std::vector<uint8_t>>& shards() { return shards_; }

 private:
  std::vector<std::vector<uint8_t>> shards_;
};

class MemoryByteSink : public ByteSink {
 public:
  absl::Status Append(std::span<const uint8_t> bytes) override;
  std::vector<uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace hamster::ec

#endif  // HAMSTER_EC_IO_H_
