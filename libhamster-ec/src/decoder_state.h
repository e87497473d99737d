#ifndef HAMSTER_EC_SRC_DECODER_STATE_H_
#define HAMSTER_EC_SRC_DECODER_STATE_H_

// The insides of ObjectDecoder, shared by decoder.cc (opening, the public
// calls, verification) and decoder_stripes.cc (getting one stripe's blocks
// verified or rebuilt, and the DecodeBuffers they live in).

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "aligned_buffer.h"
#include "hamster/ec/checksum.h"
#include "hamster/ec/decoder.h"

namespace hamster::ec {
namespace internal {

// The little-endian checksum stored after a block.
uint64_t LoadChecksum(const uint8_t* bytes);

absl::Status WithContext(const absl::Status& status, const std::string& context);

// The `length` bytes of a block record (block, then checksum) at `offset`:
// in place when the source can View() them, else read into `scratch`, which
// is allocated at `scratch_bytes` (>= length) on first need.
absl::StatusOr<const uint8_t*> ReadRecord(ShardSource& source, uint64_t offset, size_t length,
                                          AlignedBuffer& scratch, size_t scratch_bytes);

}  // namespace internal

struct DecodeBuffers::Blocks {
  // Blocks read by copying (and, for jerasure, misaligned blocks copied to
  // be aligned), each with its checksum, in the order a stripe's blocks load.
  std::vector<internal::AlignedBuffer> records;
  std::vector<internal::AlignedBuffer> rebuilt;  // by position in the list of blocks rebuilt
};

struct ObjectDecoder::State {
  ShardHeader header;
  ObjectGeometry geometry{1, kMinBlockSizeBytes, 0};
  std::optional<Codec> codec;
  std::vector<ShardSource*> by_index;  // k + m slots; nullptr where no usable shard
  std::vector<ExcludedShard> excluded;
  DecoderStats stats;
  DecodeBuffers own_buffers;  // used unless the options bring some
  DecodeBuffers* buffers = &own_buffers;
  size_t record_bytes = 0;  // a full block and its checksum: every scratch slot's size
  std::optional<RegionDecoder> last_decoder;  // reused while the erasure pattern repeats
  // The current stripe's blocks by shard index, verified or rebuilt, wherever
  // they are (a source's memory or `buffers`); nullptr where not loaded.
  std::array<const uint8_t*, kMaxShardCount> blocks{};
  std::array<uint64_t, kMaxShardCount> stored_checksums{};  // of the blocks loaded
  // Which records slot each loaded block may use; blocks in place leave theirs free.
  std::array<size_t, kMaxShardCount> record_slots{};
  // Checksums of rebuilt blocks, where `rebuilt_hashed`: the one-pass path
  // hashes what it rebuilds when asked to (for ReconstructShards).
  std::array<uint64_t, kMaxShardCount> rebuilt_checksums{};
  std::array<bool, kMaxShardCount> rebuilt_hashed{};
  std::array<Checksum64Stream, kMaxShardCount> hashes;  // one-pass path, by shard index

  // Slot `i` of `slots`, unallocated until first used.
  static internal::AlignedBuffer& SlotAt(std::vector<internal::AlignedBuffer>& slots, size_t i) {
    if (slots.size() <= i) slots.resize(i + 1);
    return slots[i];
  }
  uint8_t* AllocatedSlot(std::vector<internal::AlignedBuffer>& slots, size_t i) {
    internal::AlignedBuffer& slot = SlotAt(slots, i);
    if (slot.size() < record_bytes) slot = internal::AlignedBuffer(record_bytes);
    return slot.data();
  }

  // Makes blocks[] hold every needed block of a stripe (decoder_stripes.cc).
  absl::StatusOr<std::vector<int>> LoadAndDecode(uint64_t stripe, std::span<const int> needed,
                                                 bool hash_rebuilt);
  // The one-pass path, for stripes with lost blocks.
  std::optional<std::vector<int>> DecodeInOnePass(uint64_t stripe, std::span<const int> needed,
                                                  bool hash_rebuilt);
  std::vector<int> OnePassSources(std::span<const int> needed) const;
  bool HashAndDecodeTiles(uint64_t stripe, std::span<const int> sources,
                          std::span<const int> available, std::span<const int> wanted,
                          bool hash_rebuilt);
  // The block-by-block path: healthy stripes, and any stripe with a bad block.
  absl::Status LoadBlock(uint64_t stripe, int shard_index, size_t slot);
  absl::StatusOr<std::vector<int>> LoadStripe(uint64_t stripe, std::span<const int> needed);
  absl::Status DecodeMissing(uint64_t stripe, const std::vector<int>& good,
                             std::span<const int> needed);
  // Used by both.
  absl::StatusOr<const uint8_t*> FetchRecord(uint64_t stripe, int shard_index, size_t slot);
  absl::Status PrepareDecoder(const std::vector<int>& available, const std::vector<int>& wanted);
  const uint8_t* KernelInput(int shard_index, uint32_t block_size_bytes);
};

}  // namespace hamster::ec

#endif  // HAMSTER_EC_SRC_DECODER_STATE_H_
