#ifndef HAMSTER_EC_SHARD_FORMAT_H_
#define HAMSTER_EC_SHARD_FORMAT_H_

// The self-describing shard file (docs/shard-format.md has the byte layout):
//
//   header (64 bytes)  magic, format version, code family + w, k, m, shard
//                      index, block size, data id; its own checksum
//   stripe records     per stripe: this shard's block, then the block's
//                      8-byte checksum (XXH3 seeded by data id, shard index
//                      and stripe index, so a block moved to another place
//                      or object fails verification)
//   footer (48 bytes)  object size, stripe count, digest of all block
//                      checksums; its own checksum, bound to the header
//
// An object is cut into stripes of k * block_size bytes; stripe s holds block s
// of every shard. The last stripe is shorter: its blocks are
// ceil(remaining / k) bytes rounded up to 64, zero-padded. Everything needed to
// verify a shard and decode the object is in the shard files themselves.
//
// The object size sits in the footer because a streaming writer learns it only
// at the end and may not seek back (ADR 0003).
//
// Thread safety: pure values and functions.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hamster::ec {

using DataId = std::array<uint8_t, 16>;
std::string DataIdToHex(const DataId& data_id);

inline constexpr uint16_t kShardFormatVersion = 1;
inline constexpr size_t kShardHeaderSizeBytes = 64;
inline constexpr size_t kShardFooterSizeBytes = 48;
inline constexpr size_t kBlockChecksumSizeBytes = 8;
inline constexpr uint32_t kMinBlockSizeBytes = 64;
inline constexpr uint32_t kMaxBlockSizeBytes = 16u << 20;
inline constexpr uint32_t kDefaultBlockSizeBytes = 1u << 20;

// Which generator matrix produced the parity; a new kernel must reproduce it.
enum class CodeFamily : uint8_t {
  // Systematic RS, parity rows = jerasure cauchy_good_general_coding_matrix(k, m, 8).
  kCauchyGoodW8 = 1,
};

enum class ChecksumAlgorithm : uint8_t {
  kXxh3Seeded = 1,  // Checksum64(block, BlockChecksumSeed(...))
};

struct ShardHeader {
  uint16_t format_version = kShardFormatVersion;
  CodeFamily code_family = CodeFamily::kCauchyGoodW8;
  int word_size_bits = 8;
  int data_shard_count = 0;    // k
  int parity_shard_count = 0;  // m
  int shard_index = 0;         // 0..k-1 data, k..k+m-1 parity
  uint32_t block_size_bytes = kDefaultBlockSizeBytes;
  DataId data_id{};
  ChecksumAlgorithm checksum_algorithm = ChecksumAlgorithm::kXxh3Seeded;

  int shard_count() const { return data_shard_count + parity_shard_count; }
};

struct ShardFooter {
  uint64_t object_size_bytes = 0;
  uint64_t stripe_count = 0;
  // Digest of this shard's block checksums (ExtendBlocksDigest): one number
  // that names the shard's whole content, for metadata to record and scrub against.
  uint64_t blocks_digest = 0;
};

// Returns InvalidArgument naming the field unless k, m, shard index and block
// size are in range (1 <= k, 0 <= m, k + m <= 32, block size a multiple of 64
// in [64, 16 MiB]).
absl::Status ValidateHeader(const ShardHeader& header);

std::array<uint8_t, kShardHeaderSizeBytes> SerializeHeader(const ShardHeader& header);
// Returns DataLoss for a truncated or corrupt header, InvalidArgument when the
// bytes are not a Hamster shard (bad magic), Unimplemented for a format version
// newer than this build reads.
absl::StatusOr<ShardHeader> ParseHeader(std::span<const uint8_t> bytes);

std::array<uint8_t, kShardFooterSizeBytes> SerializeFooter(const ShardHeader& header,
                                                           const ShardFooter& footer);
// Returns DataLoss when the footer is missing (an incomplete or truncated
// shard), corrupt, or belongs to another header.
absl::StatusOr<ShardFooter> ParseFooter(const ShardHeader& header, std::span<const uint8_t> bytes);

// ShardFooter::blocks_digest is a chain over the block checksums in stripe
// order: start from kEmptyBlocksDigest, extend once per block. O(1) state,
// so a streaming writer or verifier need not keep the checksums.
inline constexpr uint64_t kEmptyBlocksDigest = 0x626c6f636b732121ull;
uint64_t ExtendBlocksDigest(uint64_t digest, uint64_t block_checksum);

uint64_t BlockChecksumSeed(const DataId& data_id, int shard_index, uint64_t stripe_index);
uint64_t BlockChecksum(const ShardHeader& header, uint64_t stripe_index,
                       std::span<const uint8_t> block);

// Where every stripe and block of an object lives, from (k, block size, size).
class ObjectGeometry {
 public:
  ObjectGeometry(int data_shard_count, uint32_t block_size_bytes, uint64_t object_size_bytes);

  int data_shard_count() const { return k_; }
  uint32_t block_size_bytes() const { return block_size_bytes_; }
  uint64_t object_size_bytes() const { return object_size_bytes_; }
  uint64_t stripe_count() const;
  // Bytes of object data a full stripe holds: k * block size.
  uint64_t full_stripe_size_bytes() const { return uint64_t(k_) * block_size_bytes_; }

  // Size of every shard's block in stripe `stripe_index`.
  uint32_t stripe_block_size_bytes(uint64_t stripe_index) const;
  // Offset in the object of the first byte of stripe `stripe_index`.
  uint64_t stripe_object_offset(uint64_t stripe_index) const;
  // Bytes of object data (not padding) stripe `stripe_index` holds.
  uint64_t stripe_data_size_bytes(uint64_t stripe_index) const;
  // Offset in a shard file of the block of stripe `stripe_index`; its checksum follows it.
  uint64_t block_record_offset(uint64_t stripe_index) const;
  uint64_t shard_file_size_bytes() const;

 private:
  int k_;
  uint32_t block_size_bytes_;
  uint64_t object_size_bytes_;
};

}  // namespace hamster::ec

#endif  // HAMSTER_EC_SHARD_FORMAT_H_
