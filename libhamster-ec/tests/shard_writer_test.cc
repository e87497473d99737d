#include "shard_writer.h"

#include <catch2/catch.hpp>
#include <random>

#include "hamster/ec/checksum.h"
#include "hamster/ec/decoder.h"
#include "test_util.h"

namespace hamster::ec::internal {
namespace {

using testing::RandomBytes;
using testing::RandomDataId;

TEST_CASE("ShardFileWriter: a block written with its precomputed checksum gives identical files",
          "[ec]") {
  const uint64_t seed = GENERATE(1, 2, 3);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  ShardHeader header;
  header.data_shard_count = 4;
  header.parity_shard_count = 2;
  header.block_size_bytes = 4096;
  header.data_id = RandomDataId(rng);
  // Positions differ from shard indices, as in ReconstructShards.
  const std::vector<int> indices = {1, 4};
  MemoryShardSink hashed_sink(6);
  MemoryShardSink precomputed_sink(6);
  ShardFileWriter hashed(header, indices, &hashed_sink);
  ShardFileWriter precomputed(header, indices, &precomputed_sink);
  REQUIRE(hashed.WriteHeaders().ok());
  REQUIRE(precomputed.WriteHeaders().ok());
  const uint64_t stripes = 3;
  for (uint64_t stripe = 0; stripe < stripes; ++stripe) {
    for (size_t position = 0; position < indices.size(); ++position) {
      const std::vector<uint8_t> block = RandomBytes(rng, 4096);
      CHECK(precomputed.BlockSeed(position, stripe) ==
            BlockChecksumSeed(header.data_id, indices[position], stripe));
      // Hashed in pieces, as the encoder hashes tiles.
      Checksum64Stream checksum(precomputed.BlockSeed(position, stripe));
      const size_t cut = rng() % block.size();
      checksum.Update(std::span<const uint8_t>(block).first(cut));
      checksum.Update(std::span<const uint8_t>(block).subspan(cut));
      REQUIRE(hashed.WriteBlock(position, stripe, block).ok());
      REQUIRE(precomputed.WriteBlock(position, stripe, block, checksum.Digest()).ok());
    }
  }
  const uint64_t object_size = stripes * 4 * 4096;
  REQUIRE(hashed.WriteFooters(object_size, stripes).ok());
  REQUIRE(precomputed.WriteFooters(object_size, stripes).ok());
  CHECK(precomputed_sink.shards() == hashed_sink.shards());
  CHECK(precomputed.blocks_digests() == hashed.blocks_digests());
  for (int index : indices) {
    MemoryShardSource source(precomputed_sink.shards()[index]);
    absl::StatusOr<VerifyReport> report = VerifyShard(source);
    REQUIRE(report.ok());
    CHECK(report->ok());
  }
}

}  // namespace
}  // namespace hamster::ec::internal
