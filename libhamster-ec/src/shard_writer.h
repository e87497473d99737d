#ifndef HAMSTER_EC_SRC_SHARD_WRITER_H_
#define HAMSTER_EC_SRC_SHARD_WRITER_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "hamster/ec/io.h"
#include "hamster/ec/shard_format.h"

namespace hamster::ec::internal {

// Writes a set of shard files of one object record by record: headers, one
// block record (block, checksum) per shard per stripe, footers. Shared by the
// encoder and by reconstruction, so a rebuilt shard is byte-identical.
class ShardFileWriter {
 public:
  // `header` gives everything but the shard index. `sink` must outlive this.
  ShardFileWriter(const ShardHeader& header, std::vector<int> shard_indices, ShardSink* sink);

  absl::Status WriteHeaders();
  // Appends the block of stripe `stripe_index` for shard_indices()[position],
  // hashing it for its checksum.
  // REQUIRES: each position gets stripes 0, 1, 2, ... in order.
  absl::Status WriteBlock(size_t position, uint64_t stripe_index, std::span<const uint8_t> block);
  // The same with the block's checksum already computed by the caller, e.g.
  // tile by tile with a Checksum64Stream seeded with BlockSeed(position,
  // stripe_index) while the block was in cache. `checksum` is stored as is.
  // REQUIRES: as above, and checksum == BlockChecksum of `block` for this
  // shard and stripe.
  absl::Status WriteBlock(size_t position, uint64_t stripe_index, std::span<const uint8_t> block,
                          uint64_t checksum);
  // The seed of the checksum of stripe `stripe_index`'s block for shard_indices()[position].
  uint64_t BlockSeed(size_t position, uint64_t stripe_index) const;
  absl::Status WriteFooters(uint64_t object_size_bytes, uint64_t stripe_count);

  const std::vector<int>& shard_indices() const { return shard_indices_; }
  const std::vector<uint64_t>& blocks_digests() const { return digests_; }

 private:
  ShardHeader HeaderFor(size_t position) const;

  ShardHeader header_;
  std::vector<int> shard_indices_;
  std::vector<uint64_t> digests_;
  std::vector<uint64_t> next_stripes_;  // by position: the stripe WriteBlock expects next
  ShardSink* sink_;
};

}  // namespace hamster::ec::internal

#endif  // HAMSTER_EC_SRC_SHARD_WRITER_H_
