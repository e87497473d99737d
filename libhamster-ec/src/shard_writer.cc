#include "shard_writer.h"

#include <cassert>

namespace hamster::ec::internal {

ShardFileWriter::ShardFileWriter(const ShardHeader& header, std::vector<int> shard_indices,
                                 ShardSink* sink)
    : header_(header),
      shard_indices_(std::move(shard_indices)),
      digests_(shard_indices_.size(), kEmptyBlocksDigest),
      next_stripes_(shard_indices_.size(), 0),
      sink_(sink) {}

ShardHeader ShardFileWriter::HeaderFor(size_t position) const {
  ShardHeader header = header_;
  header.shard_index = shard_indices_[position];
  return header;
}

absl::Status ShardFileWriter::WriteHeaders() {
  for (size_t p = 0; p < shard_indices_.size(); ++p) {
    const auto bytes = SerializeHeader(HeaderFor(p));
    if (absl::Status s = sink_->Append(shard_indices_[p], bytes); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ShardFileWriter::WriteBlock(size_t position, uint64_t stripe_index,
                                         std::span<const uint8_t> block) {
  assert(position < shard_indices_.size());
  return WriteBlock(position, stripe_index, block,
                    BlockChecksum(HeaderFor(position), stripe_index, block));
}

absl::Status ShardFileWriter::WriteBlock(size_t position, uint64_t stripe_index,
                                         std::span<const uint8_t> block, uint64_t checksum) {
  assert(position < shard_indices_.size());
  // Records go into the file, and checksums into the digest, in stripe order.
  assert(stripe_index == next_stripes_[position]);
  next_stripes_[position] = stripe_index + 1;
  digests_[position] = ExtendBlocksDigest(digests_[position], checksum);
  uint8_t checksum_bytes[kBlockChecksumSizeBytes];
  for (size_t i = 0; i < kBlockChecksumSizeBytes; ++i)
    checksum_bytes[i] = uint8_t(checksum >> (8 * i));
  const int shard_index = shard_indices_[position];
  if (absl::Status s = sink_->Append(shard_index, block); !s.ok()) return s;
  return sink_->Append(shard_index, checksum_bytes);
}

uint64_t ShardFileWriter::BlockSeed(size_t position, uint64_t stripe_index) const {
  assert(position < shard_indices_.size());
  return BlockChecksumSeed(header_.data_id, shard_indices_[position], stripe_index);
}

absl::Status ShardFileWriter::WriteFooters(uint64_t object_size_bytes, uint64_t stripe_count) {
  for (size_t p = 0; p < shard_indices_.size(); ++p) {
    const ShardFooter footer{.object_size_bytes = object_size_bytes,
                             .stripe_count = stripe_count,
                             .blocks_digest = digests_[p]};
    const auto bytes = SerializeFooter(HeaderFor(p), footer);
    if (absl::Status s = sink_->Append(shard_indices_[p], bytes); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace hamster::ec::internal
