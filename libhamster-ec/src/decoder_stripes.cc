#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "decoder_state.h"
#include "kernel.h"

namespace hamster::ec {
namespace internal {

uint64_t LoadChecksum(const uint8_t* bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < kBlockChecksumSizeBytes; ++i) value |= uint64_t(bytes[i]) << (8 * i);
  return value;
}

absl::Status WithContext(const absl::Status& status, const std::string& context) {
  return absl::Status(status.code(), absl::StrCat(context, status.message()));
}

absl::StatusOr<const uint8_t*> ReadRecord(ShardSource& source, uint64_t offset, size_t length,
                                          AlignedBuffer& scratch, size_t scratch_bytes) {
  // Copying a block that is already in memory would cost about as much time as
  // decoding it (docs/benchmarks.md).
  if (std::optional<std::span<const uint8_t>> view = source.View(offset, length);
      view.has_value() && view->size() == length) {
    return view->data();
  }
  if (scratch.size() < scratch_bytes) scratch = AlignedBuffer(scratch_bytes);
  if (absl::Status s = source.ReadAt(offset, {scratch.data(), length}); !s.ok()) return s;
  return scratch.data();
}

}  // namespace internal

using internal::LoadChecksum;
using internal::ReadRecord;
using internal::WithContext;

DecodeBuffers::DecodeBuffers() : blocks_(std::make_unique<Blocks>()) {}
DecodeBuffers::~DecodeBuffers() = default;
DecodeBuffers::DecodeBuffers(DecodeBuffers&&) noexcept = default;
DecodeBuffers& DecodeBuffers::operator=(DecodeBuffers&&) noexcept = default;

size_t DecodeBuffers::capacity_bytes() const {
  size_t total = 0;
  if (blocks_ == nullptr) return total;  // moved from
  for (const internal::AlignedBuffer& b : blocks_->records) total += b.size();
  for (const internal::AlignedBuffer& b : blocks_->rebuilt) total += b.size();
  return total;
}

// The record (block, checksum) of `shard_index` in `stripe`: in place, or read
// into records slot `slot`, which it keeps for KernelInput.
absl::StatusOr<const uint8_t*> ObjectDecoder::State::FetchRecord(uint64_t stripe, int shard_index,
                                                                 size_t slot) {
  ShardSource* source = by_index[shard_index];
  if (source == nullptr) return absl::NotFoundError("no shard file");
  const uint32_t block = geometry.stripe_block_size_bytes(stripe);
  ++stats.blocks_read;
  absl::StatusOr<const uint8_t*> read =
      ReadRecord(*source, geometry.block_record_offset(stripe), block + kBlockChecksumSizeBytes,
                 SlotAt(buffers->blocks_->records, slot), record_bytes);
  if (!read.ok()) return WithContext(read.status(), "read failed: ");
  record_slots[shard_index] = slot;
  return read;
}

absl::Status ObjectDecoder::State::LoadBlock(uint64_t stripe, int shard_index, size_t slot) {
  absl::StatusOr<const uint8_t*> record = FetchRecord(stripe, shard_index, slot);
  if (!record.ok()) return record.status();
  const uint32_t block = geometry.stripe_block_size_bytes(stripe);
  const uint64_t stored = LoadChecksum(*record + block);
  if (Checksum64({*record, block}, BlockChecksumSeed(header.data_id, shard_index, stripe)) !=
      stored) {
    ++stats.blocks_corrupt;
    return absl::DataLossError("checksum mismatch");
  }
  blocks[shard_index] = *record;
  stored_checksums[shard_index] = stored;
  return absl::OkStatus();
}

// Loads verified blocks of `stripe`: every needed one if possible, otherwise
// any k, data shards first. Returns the indices loaded.
absl::StatusOr<std::vector<int>> ObjectDecoder::State::LoadStripe(uint64_t stripe,
                                                                  std::span<const int> needed) {
  const int k = header.data_shard_count;
  const int n = header.shard_count();
  blocks.fill(nullptr);
  std::vector<int> good;
  std::vector<bool> tried(n, false);
  std::vector<std::string> problems;
  auto try_load = [&](int index) {
    tried[index] = true;
    // A block that fails leaves its slot to the next: at most max(k, needed) are kept.
    absl::Status s = LoadBlock(stripe, index, good.size());
    if (s.ok()) {
      good.push_back(index);
    } else {
      problems.push_back(absl::StrCat("shard ", index, ": ", s.message()));
    }
  };
  for (int index : needed) try_load(index);
  if (good.size() == needed.size()) return good;
  for (int index = 0; index < n && int(good.size()) < k; ++index) {
    if (!tried[index]) try_load(index);
  }
  if (int(good.size()) < k) {
    return absl::DataLossError(absl::StrCat("stripe ", stripe, ": only ", good.size(),
                                            " of the k=", k, " blocks needed verify (",
                                            absl::StrJoin(problems, "; "), ")"));
  }
  return good;
}

// The loaded block of `shard_index` where the kernel can read it: in place,
// or copied to an aligned slot when it sits misaligned in a source's memory
// and the kernel cannot take that. Its slot is free then: the block was not read into it.
const uint8_t* ObjectDecoder::State::KernelInput(int shard_index, uint32_t block_size_bytes) {
  const uint8_t* block = blocks[shard_index];
  if (internal::KernelTakesUnalignedRegions(codec->kernel()) ||
      reinterpret_cast<uintptr_t>(block) % kRegionAlignmentBytes == 0) {
    return block;
  }
  uint8_t* slot = AllocatedSlot(buffers->blocks_->records, record_slots[shard_index]);
  std::memcpy(slot, block, block_size_bytes);
  return slot;
}

absl::Status ObjectDecoder::State::PrepareDecoder(const std::vector<int>& available,
                                                  const std::vector<int>& wanted) {
  if (last_decoder && last_decoder->available() == available && last_decoder->wanted() == wanted) {
    return absl::OkStatus();
  }
  absl::StatusOr<RegionDecoder> prepared = codec->PrepareDecode(available, wanted);
  if (!prepared.ok()) return prepared.status();
  last_decoder = *std::move(prepared);
  return absl::OkStatus();
}

absl::Status ObjectDecoder::State::DecodeMissing(uint64_t stripe, const std::vector<int>& good,
                                                 std::span<const int> needed) {
  const int k = header.data_shard_count;
  std::vector<int> available(good.begin(), good.end());
  std::sort(available.begin(), available.end());
  available.resize(k);
  std::vector<int> wanted;
  for (int index : needed) {
    if (blocks[index] == nullptr) wanted.push_back(index);
  }
  if (wanted.empty()) return absl::OkStatus();
  if (absl::Status p = PrepareDecoder(available, wanted); !p.ok()) return p;
  const uint32_t block = geometry.stripe_block_size_bytes(stripe);
  const uint8_t* inputs[kMaxShardCount];
  uint8_t* outputs[kMaxShardCount];
  for (int j = 0; j < k; ++j) inputs[j] = KernelInput(available[j], block);
  // At most m: a stripe that got here has k of its k + m blocks.
  for (size_t w = 0; w < wanted.size(); ++w) {
    outputs[w] = AllocatedSlot(buffers->blocks_->rebuilt, w);
  }
  last_decoder->Apply(std::span<const uint8_t* const>(inputs, k),
                      std::span<uint8_t* const>(outputs, wanted.size()), block);
  for (size_t w = 0; w < wanted.size(); ++w) {
    blocks[wanted[w]] = outputs[w];
    rebuilt_hashed[wanted[w]] = false;
  }
  ++stats.stripes_decoded;
  return absl::OkStatus();
}

// Makes blocks[] hold every needed block of `stripe`, verified or rebuilt.
// Returns the shard indices read from sources and verified. `hash_rebuilt`
// asks for rebuilt_checksums where it costs little (see rebuilt_hashed).
absl::StatusOr<std::vector<int>> ObjectDecoder::State::LoadAndDecode(uint64_t stripe,
                                                                     std::span<const int> needed,
                                                                     bool hash_rebuilt) {
  std::optional<std::vector<int>> read = DecodeInOnePass(stripe, needed, hash_rebuilt);
  if (read.has_value()) return *read;
  absl::StatusOr<std::vector<int>> good = LoadStripe(stripe, needed);
  if (!good.ok()) return good.status();
  if (absl::Status d = DecodeMissing(stripe, *good, needed); !d.ok()) return d;
  return good;
}

// The blocks the one-pass path reads: every needed block that has a shard
// file, then others in index order (data shards first) up to k; empty when
// nothing needed is lost or fewer than k shard files are usable.
std::vector<int> ObjectDecoder::State::OnePassSources(std::span<const int> needed) const {
  const int k = header.data_shard_count;
  std::vector<int> sources;
  bool any_lost = false;
  for (int index : needed) {
    if (by_index[index] != nullptr) {
      sources.push_back(index);
    } else {
      any_lost = true;
    }
  }
  if (!any_lost) return {};
  for (int index = 0; index < header.shard_count() && int(sources.size()) < k; ++index) {
    const bool is_needed = std::find(needed.begin(), needed.end(), index) != needed.end();
    if (by_index[index] != nullptr && !is_needed) sources.push_back(index);
  }
  if (int(sources.size()) < k) return {};
  return sources;
}

// Decodes a stripe that lost needed blocks in one pass over its tiles: the
// kernel reads a tile of every source from memory, then the hash reads them
// from cache. Verifying whole blocks first and decoding after read every
// source from memory twice, and the hash, reading one block at a time, waits
// on memory far longer than the kernel, which reads k streams at once
// (docs/benchmarks.md). Rebuilt blocks are used only once every source has
// verified. Returns the shard indices read, or nullopt if this path does not
// apply or a read, checksum or decoder failed: the block-by-block path then
// finds substitutes and names the problem.
std::optional<std::vector<int>> ObjectDecoder::State::DecodeInOnePass(uint64_t stripe,
                                                                      std::span<const int> needed,
                                                                      bool hash_rebuilt) {
  const std::vector<int> sources = OnePassSources(needed);
  if (sources.empty()) return std::nullopt;
  blocks.fill(nullptr);
  const uint32_t block = geometry.stripe_block_size_bytes(stripe);
  for (size_t i = 0; i < sources.size(); ++i) {
    const int index = sources[i];
    absl::StatusOr<const uint8_t*> record = FetchRecord(stripe, index, i);
    if (!record.ok()) return std::nullopt;
    blocks[index] = *record;
    stored_checksums[index] = LoadChecksum(*record + block);
  }
  std::vector<int> available = sources;
  std::sort(available.begin(), available.end());
  available.resize(header.data_shard_count);
  std::vector<int> wanted;
  for (int index : needed) {
    if (by_index[index] == nullptr) wanted.push_back(index);
  }
  if (!PrepareDecoder(available, wanted).ok() ||
      !HashAndDecodeTiles(stripe, sources, available, wanted, hash_rebuilt)) {
    blocks.fill(nullptr);
    return std::nullopt;
  }
  ++stats.stripes_decoded;
  return sources;
}

// Runs last_decoder over the stripe tile by tile, then hashes every source's
// tile (and, with hash_rebuilt, every rebuilt tile) while it is in cache.
// Returns whether every source block matches its stored checksum; on success
// blocks[] holds the rebuilt blocks too.
bool ObjectDecoder::State::HashAndDecodeTiles(uint64_t stripe, std::span<const int> sources,
                                              std::span<const int> available,
                                              std::span<const int> wanted, bool hash_rebuilt) {
  const uint32_t block = geometry.stripe_block_size_bytes(stripe);
  const size_t k = available.size();
  const uint8_t* inputs[kMaxShardCount];
  uint8_t* outputs[kMaxShardCount];
  // The hash checks the very bytes the kernel reads, copied or in place.
  for (size_t j = 0; j < k; ++j) {
    inputs[j] = blocks[available[j]] = KernelInput(available[j], block);
  }
  for (size_t w = 0; w < wanted.size(); ++w) {
    outputs[w] = AllocatedSlot(buffers->blocks_->rebuilt, w);
  }
  for (int index : sources) hashes[index].Reset(BlockChecksumSeed(header.data_id, index, stripe));
  for (int index : wanted) hashes[index].Reset(BlockChecksumSeed(header.data_id, index, stripe));
  const uint8_t* tile_inputs[kMaxShardCount];
  uint8_t* tile_outputs[kMaxShardCount];
  for (size_t offset = 0; offset < block; offset += internal::kCacheTileBytes) {
    const size_t length = std::min<size_t>(internal::kCacheTileBytes, block - offset);
    for (size_t j = 0; j < k; ++j) tile_inputs[j] = inputs[j] + offset;
    for (size_t w = 0; w < wanted.size(); ++w) tile_outputs[w] = outputs[w] + offset;
    last_decoder->Apply(std::span<const uint8_t* const>(tile_inputs, k),
                        std::span<uint8_t* const>(tile_outputs, wanted.size()), length);
    for (int index : sources) hashes[index].Update({blocks[index] + offset, length});
    if (!hash_rebuilt) continue;
    for (size_t w = 0; w < wanted.size(); ++w) hashes[wanted[w]].Update({tile_outputs[w], length});
  }
  for (int index : sources) {
    if (hashes[index].Digest() != stored_checksums[index]) return false;
  }
  for (size_t w = 0; w < wanted.size(); ++w) {
    blocks[wanted[w]] = outputs[w];
    rebuilt_hashed[wanted[w]] = hash_rebuilt;
    if (hash_rebuilt) rebuilt_checksums[wanted[w]] = hashes[wanted[w]].Digest();
  }
  return true;
}

}  // namespace hamster::ec
