#include "hamster/ec/shard_format.h"

#include <cassert>
#include <cstring>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "aligned_buffer.h"
#include "hamster/ec/checksum.h"
#include "hamster/ec/codec.h"

namespace hamster::ec {
namespace {

constexpr char kHeaderMagic[8] = {'H', 'M', 'S', 'T', 'R', 'S', 'H', 'D'};
constexpr char kFooterMagic[8] = {'H', 'M', 'S', 'T', 'R', 'E', 'N', 'D'};
constexpr size_t kHeaderChecksumOffset = 56;
constexpr size_t kFooterChecksumOffset = 40;
constexpr uint64_t kHeaderChecksumSeed = 0x48414d5354455231ull;  // "HAMSTER1"
// Bounds what a corrupt footer can claim, so size arithmetic cannot overflow.
constexpr uint64_t kMaxObjectSizeBytes = uint64_t{1} << 56;

void PutLe(uint8_t* out, uint64_t value, int byte_count) {
  for (int i = 0; i < byte_count; ++i) out[i] = uint8_t(value >> (8 * i));
}

uint64_t GetLe(const uint8_t* in, int byte_count) {
  uint64_t value = 0;
  for (int i = 0; i < byte_count; ++i) value |= uint64_t(in[i]) << (8 * i);
  return value;
}

uint64_t FooterSeed(const ShardHeader& header) {
  return BlockChecksumSeed(header.data_id, header.shard_index, ~uint64_t{0});
}

}  // namespace

std::string DataIdToHex(const DataId& data_id) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(data_id.data()), data_id.size()));
}

absl::Status ValidateHeader(const ShardHeader& header) {
  const int k = header.data_shard_count;
  const int m = header.parity_shard_count;
  if (absl::Status valid = ValidateProfile(k, m); !valid.ok()) return valid;
  if (header.shard_index < 0 || header.shard_index >= k + m) {
    return absl::InvalidArgumentError(
        absl::StrCat("shard index ", header.shard_index, " out of range for k+m=", k + m));
  }
  const uint32_t block = header.block_size_bytes;
  if (block < kMinBlockSizeBytes || block > kMaxBlockSizeBytes ||
      block % kRegionAlignmentBytes != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "block size ", block, " out of range: need a multiple of ", kRegionAlignmentBytes, " in [",
        kMinBlockSizeBytes, ", ", kMaxBlockSizeBytes, "]"));
  }
  if (header.word_size_bits != 8) {
    return absl::InvalidArgumentError(
        absl::StrCat("word size w=", header.word_size_bits, " unsupported: only w=8"));
  }
  return absl::OkStatus();
}

std::array<uint8_t, kShardHeaderSizeBytes> SerializeHeader(const ShardHeader& header) {
  assert(ValidateHeader(header).ok());
  std::array<uint8_t, kShardHeaderSizeBytes> bytes{};
  std::memcpy(bytes.data(), kHeaderMagic, sizeof(kHeaderMagic));
  PutLe(&bytes[8], header.format_version, 2);
  PutLe(&bytes[10], kShardHeaderSizeBytes, 2);
  bytes[12] = uint8_t(header.code_family);
  bytes[13] = uint8_t(header.word_size_bits);
  bytes[14] = uint8_t(header.data_shard_count);
  bytes[15] = uint8_t(header.parity_shard_count);
  bytes[16] = uint8_t(header.shard_index);
  bytes[17] = uint8_t(header.checksum_algorithm);
  PutLe(&bytes[20], header.block_size_bytes, 4);
  std::memcpy(&bytes[24], header.data_id.data(), header.data_id.size());
  PutLe(&bytes[kHeaderChecksumOffset],
        Checksum64({bytes.data(), kHeaderChecksumOffset}, kHeaderChecksumSeed), 8);
  return bytes;
}

absl::StatusOr<ShardHeader> ParseHeader(std::span<const uint8_t> bytes) {
  if (bytes.size() < kShardHeaderSizeBytes) {
    return absl::DataLossError(absl::StrCat("truncated shard: ", bytes.size(),
                                            " bytes, shorter than the ", kShardHeaderSizeBytes,
                                            "-byte header"));
  }
  if (std::memcmp(bytes.data(), kHeaderMagic, sizeof(kHeaderMagic)) != 0) {
    return absl::InvalidArgumentError("bad magic: not a Hamster shard file");
  }
  ShardHeader header;
  header.format_version = uint16_t(GetLe(&bytes[8], 2));
  if (header.format_version > kShardFormatVersion) {
    return absl::UnimplementedError(
        absl::StrCat("unsupported shard format version ", header.format_version,
                     " (this build reads versions up to ", kShardFormatVersion, ")"));
  }
  const uint64_t stored_checksum = GetLe(&bytes[kHeaderChecksumOffset], 8);
  if (stored_checksum != Checksum64(bytes.first(kHeaderChecksumOffset), kHeaderChecksumSeed)) {
    return absl::DataLossError("shard header checksum mismatch: the header is corrupt");
  }
  if (header.format_version == 0 || GetLe(&bytes[10], 2) != kShardHeaderSizeBytes) {
    return absl::DataLossError("corrupt shard header: bad format version or header size");
  }
  if (bytes[12] != uint8_t(CodeFamily::kCauchyGoodW8)) {
    return absl::UnimplementedError(absl::StrCat("unsupported code family ", bytes[12]));
  }
  if (bytes[17] != uint8_t(ChecksumAlgorithm::kXxh3Seeded)) {
    return absl::UnimplementedError(absl::StrCat("unsupported checksum algorithm ", bytes[17]));
  }
  header.code_family = CodeFamily(bytes[12]);
  header.word_size_bits = bytes[13];
  header.data_shard_count = bytes[14];
  header.parity_shard_count = bytes[15];
  header.shard_index = bytes[16];
  header.checksum_algorithm = ChecksumAlgorithm(bytes[17]);
  header.block_size_bytes = uint32_t(GetLe(&bytes[20], 4));
  std::memcpy(header.data_id.data(), &bytes[24], header.data_id.size());
  if (absl::Status valid = ValidateHeader(header); !valid.ok()) {
    return absl::DataLossError(absl::StrCat("corrupt shard header: ", valid.message()));
  }
  return header;
}

std::array<uint8_t, kShardFooterSizeBytes> SerializeFooter(const ShardHeader& header,
                                                           const ShardFooter& footer) {
  std::array<uint8_t, kShardFooterSizeBytes> bytes{};
  std::memcpy(bytes.data(), kFooterMagic, sizeof(kFooterMagic));
  PutLe(&bytes[8], footer.object_size_bytes, 8);
  PutLe(&bytes[16], footer.stripe_count, 8);
  PutLe(&bytes[24], footer.blocks_digest, 8);
  PutLe(&bytes[kFooterChecksumOffset],
        Checksum64({bytes.data(), kFooterChecksumOffset}, FooterSeed(header)), 8);
  return bytes;
}

absl::StatusOr<ShardFooter> ParseFooter(const ShardHeader& header, std::span<const uint8_t> bytes) {
  if (bytes.size() < kShardFooterSizeBytes ||
      std::memcmp(bytes.data(), kFooterMagic, sizeof(kFooterMagic)) != 0) {
    return absl::DataLossError(
        "truncated shard: no footer at the end (the file was cut short or never finished)");
  }
  const uint64_t stored_checksum = GetLe(&bytes[kFooterChecksumOffset], 8);
  if (stored_checksum != Checksum64(bytes.first(kFooterChecksumOffset), FooterSeed(header))) {
    return absl::DataLossError(
        "shard footer checksum mismatch: the footer is corrupt or belongs to another shard");
  }
  ShardFooter footer;
  footer.object_size_bytes = GetLe(&bytes[8], 8);
  footer.stripe_count = GetLe(&bytes[16], 8);
  footer.blocks_digest = GetLe(&bytes[24], 8);
  if (footer.object_size_bytes > kMaxObjectSizeBytes) {
    return absl::DataLossError(
        absl::StrCat("corrupt shard footer: object size ", footer.object_size_bytes));
  }
  const ObjectGeometry geometry(header.data_shard_count, header.block_size_bytes,
                                footer.object_size_bytes);
  if (footer.stripe_count != geometry.stripe_count()) {
    return absl::DataLossError(absl::StrCat("corrupt shard footer: ", footer.stripe_count,
                                            " stripes recorded, object size implies ",
                                            geometry.stripe_count()));
  }
  return footer;
}

uint64_t ExtendBlocksDigest(uint64_t digest, uint64_t block_checksum) {
  uint8_t bytes[8];
  PutLe(bytes, block_checksum, 8);
  return Checksum64(bytes, digest);
}

uint64_t BlockChecksumSeed(const DataId& data_id, int shard_index, uint64_t stripe_index) {
  uint8_t key[sizeof(DataId) + 4 + 8];
  std::memcpy(key, data_id.data(), data_id.size());
  PutLe(key + sizeof(DataId), uint32_t(shard_index), 4);
  PutLe(key + sizeof(DataId) + 4, stripe_index, 8);
  return Checksum64(key, 0);
}

uint64_t BlockChecksum(const ShardHeader& header, uint64_t stripe_index,
                       std::span<const uint8_t> block) {
  return Checksum64(block, BlockChecksumSeed(header.data_id, header.shard_index, stripe_index));
}

ObjectGeometry::ObjectGeometry(int data_shard_count, uint32_t block_size_bytes,
                               uint64_t object_size_bytes)
    : k_(data_shard_count),
      block_size_bytes_(block_size_bytes),
      object_size_bytes_(object_size_bytes) {
  assert(k_ >= 1 && block_size_bytes_ >= kMinBlockSizeBytes);
}

uint64_t ObjectGeometry::stripe_count() const {
  const uint64_t stripe = full_stripe_size_bytes();
  return (object_size_bytes_ + stripe - 1) / stripe;
}

uint32_t ObjectGeometry::stripe_block_size_bytes(uint64_t stripe_index) const {
  const uint64_t data = stripe_data_size_bytes(stripe_index);
  if (data == full_stripe_size_bytes()) return block_size_bytes_;
  return uint32_t(internal::AlignUp((data + k_ - 1) / k_, kRegionAlignmentBytes));
}

uint64_t ObjectGeometry::stripe_object_offset(uint64_t stripe_index) const {
  return stripe_index * full_stripe_size_bytes();
}

uint64_t ObjectGeometry::stripe_data_size_bytes(uint64_t stripe_index) const {
  assert(stripe_index < stripe_count());
  const uint64_t offset = stripe_object_offset(stripe_index);
  return std::min(full_stripe_size_bytes(), object_size_bytes_ - offset);
}

uint64_t ObjectGeometry::block_record_offset(uint64_t stripe_index) const {
  return kShardHeaderSizeBytes + stripe_index * (block_size_bytes_ + kBlockChecksumSizeBytes);
}

uint64_t ObjectGeometry::shard_file_size_bytes() const {
  const uint64_t stripes = stripe_count();
  if (stripes == 0) return kShardHeaderSizeBytes + kShardFooterSizeBytes;
  return block_record_offset(stripes - 1) + stripe_block_size_bytes(stripes - 1) +
         kBlockChecksumSizeBytes + kShardFooterSizeBytes;
}

}  // namespace hamster::ec
