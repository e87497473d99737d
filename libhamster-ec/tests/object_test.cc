#include "hamster/ec/object.h"

#include <catch2/catch.hpp>
#include <random>

#include "hamster/ec/checksum.h"
#include "test_util.h"

namespace hamster::ec {
namespace {

using testing::RandomBytes;
using testing::RandomDataId;
using testing::Spans;
using testing::SubsetsUpTo;
using testing::Without;

constexpr uint32_t kBlock = 4096;

// Sizes around every boundary of the stripe layout, plus seeded random ones.
std::vector<uint64_t> InterestingSizes(int k, std::mt19937_64& rng) {
  const uint64_t stripe = uint64_t(k) * kBlock;
  return {0,
          1,
          kBlock - 1,
          kBlock,
          kBlock + 1,
          stripe - 1,
          stripe,
          stripe + 1,
          3 * stripe + 777,
          rng() % (2 * stripe),
          (3u << 20) + rng() % (1u << 20)};
}

TEST_CASE("Object: decodes from every pattern of up to m lost shards", "[ec]") {
  const auto [k, m] = GENERATE(table<int, int>({{1, 0}, {1, 2}, {2, 1}, {4, 2}, {8, 3}, {10, 4}}));
  const uint64_t seed = 7919 * k + m;
  INFO("k=" << k << " m=" << m << " seed=" << seed);
  std::mt19937_64 rng(seed);
  const std::vector<std::vector<int>> patterns = SubsetsUpTo(k + m, m);
  for (uint64_t size : InterestingSizes(k, rng)) {
    INFO("size=" << size);
    const std::vector<uint8_t> object = RandomBytes(rng, size);
    const auto files = EncodeObject(object, {.data_shard_count = k,
                                             .parity_shard_count = m,
                                             .block_size_bytes = kBlock,
                                             .data_id = RandomDataId(rng)});
    REQUIRE(files.ok());
    REQUIRE(files->size() == size_t(k + m));
    // Multi-megabyte objects run a seeded sample of patterns; small ones all.
    const bool sample = size > (1u << 20) && patterns.size() > 64;
    for (size_t p = 0; p < patterns.size(); ++p) {
      if (sample && p % 16 != seed % 16 && p != patterns.size() - 1) continue;
      INFO("lost " << ::Catch::Detail::stringify(patterns[p]));
      absl::StatusOr<std::vector<uint8_t>> decoded = DecodeObject(Without(*files, patterns[p]));
      REQUIRE(decoded.ok());
      REQUIRE(*decoded == object);
    }
  }
}

TEST_CASE("Object: fewer than k shards fail with DataLoss naming the shortfall", "[ec]") {
  std::mt19937_64 rng(2);
  const auto files = EncodeObject(RandomBytes(rng, 50000), {.data_shard_count = 4,
                                                            .parity_shard_count = 2,
                                                            .block_size_bytes = kBlock,
                                                            .data_id = RandomDataId(rng)});
  REQUIRE(files.ok());
  absl::StatusOr<std::vector<uint8_t>> decoded = DecodeObject(Without(*files, {0, 3, 5}));
  REQUIRE(decoded.status().code() == absl::StatusCode::kDataLoss);
  CHECK(std::string(decoded.status().message()).find("need k=4") != std::string::npos);
}

TEST_CASE("Object: rebuilds chosen lost shards byte-identical to the originals", "[ec]") {
  const auto [k, m] = GENERATE(table<int, int>({{1, 2}, {2, 1}, {4, 2}, {8, 3}, {10, 4}}));
  std::mt19937_64 rng(31 * k + m);
  const auto files =
      EncodeObject(RandomBytes(rng, 5 * k * kBlock + 1234), {.data_shard_count = k,
                                                             .parity_shard_count = m,
                                                             .block_size_bytes = kBlock,
                                                             .data_id = RandomDataId(rng)});
  REQUIRE(files.ok());
  for (const std::vector<int>& lost : SubsetsUpTo(k + m, m)) {
    if (lost.empty() || rng() % 4 != 0) continue;  // a seeded quarter of the patterns
    INFO("lost " << ::Catch::Detail::stringify(lost));
    auto rebuilt = ReconstructShardFiles(Without(*files, lost), lost);
    REQUIRE(rebuilt.ok());
    for (int index : lost) REQUIRE(rebuilt->at(index) == (*files)[index]);
  }
}

TEST_CASE("StreamEncoder: any write chunking gives the same shards as the whole-buffer API",
          "[ec]") {
  const uint64_t seed = GENERATE(1, 2, 3, 4);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  const EncoderOptions options{.data_shard_count = 4,
                               .parity_shard_count = 2,
                               .block_size_bytes = kBlock,
                               .data_id = RandomDataId(rng)};
  const std::vector<uint8_t> object = RandomBytes(rng, 200000 + rng() % 100000);
  const auto whole = EncodeObject(object, options);
  REQUIRE(whole.ok());

  MemoryShardSink sink(6);
  auto encoder = StreamEncoder::Create(options, &sink);
  REQUIRE(encoder.ok());
  size_t offset = 0;
  while (offset < object.size()) {
    const size_t n = std::min<size_t>(object.size() - offset, 1 + rng() % 20000);
    if (rng() % 2 == 0) {
      REQUIRE((*encoder)->Write({object.data() + offset, n}).ok());
      offset += n;
    } else {
      std::span<uint8_t> space = (*encoder)->WritableSpace();
      const size_t fill = std::min(n, space.size());
      std::copy_n(object.data() + offset, fill, space.data());
      REQUIRE((*encoder)->Commit(fill).ok());
      offset += fill;
    }
  }
  absl::StatusOr<EncodeSummary> summary = (*encoder)->Finish();
  REQUIRE(summary.ok());
  CHECK(summary->object_size_bytes == object.size());
  CHECK(summary->shard_file_size_bytes == (*whole)[0].size());
  CHECK(sink.shards() == *whole);
  CHECK((*encoder)->Write(object).code() == absl::StatusCode::kFailedPrecondition);
  CHECK((*encoder)->Finish().status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK((*encoder)->WritableSpace().empty());
}

TEST_CASE("StreamEncoder: shard files are pinned byte for byte (docs/shard-format.md)", "[ec]") {
  // XXH3-64 (seed 0) of each shard file, written by the encoder before it
  // hashed blocks tile by tile. Profiles cover short last stripes, a block
  // that is not a whole number of 64 KiB tiles, m = 0 and 10+4.
  struct Pinned {
    int k;
    int m;
    uint32_t block_size_bytes;
    size_t object_size_bytes;
    std::vector<uint64_t> file_checksums;
  };
  const Pinned pinned[] = {
      {4,
       2,
       4096,
       3 * 4 * 4096 + 1000,
       {0x5f713eb020b7a9c9ull, 0xcf2720618b73f5b2ull, 0xfa53ec6c7e868015ull, 0x66c3c82fcc2197feull,
        0x414096d562fe7667ull, 0x9a658b21b17e663full}},
      {3,
       2,
       64 * 1024 + 3 * 64,
       2 * 3 * (64 * 1024 + 3 * 64) + 5,
       {0xa51a37d8dd2c4be3ull, 0x75ecffec1e577982ull, 0x1cdebf0bf8269d38ull, 0x655c058af860afa2ull,
        0x4a381591c7df1a5dull}},
      {1, 0, 128 * 1024, 300000, {0x25aca00e2fbe6817ull}},
      {10,
       4,
       256 * 1024,
       11 * 256 * 1024,
       {0x858024beb0c10a60ull, 0x6b32466f92e29bf0ull, 0x1bbddc2068dbc25eull, 0x8b8418124a58fc9cull,
        0x103fd8f2690bc01full, 0xb2157eebd1ef8bf7ull, 0xe7e38c6c0da4fcc1ull, 0xa711264fb8dd4903ull,
        0xcd9510a25f24facaull, 0xff258e72e65df7f5ull, 0x8c4d339ba42609efull, 0x5b6cfc544f5c428dull,
        0x3dde14c8c73aedc3ull, 0x2ac121d6c56a05d4ull}},
  };
  for (const Pinned& p : pinned) {
    INFO(p.k << "+" << p.m << " block " << p.block_size_bytes << " size " << p.object_size_bytes);
    std::vector<uint8_t> object(p.object_size_bytes);
    uint64_t x = 1;
    for (uint8_t& byte : object) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;  // a fixed LCG
      byte = uint8_t(x >> 56);
    }
    DataId data_id{};
    for (int i = 0; i < 16; ++i) data_id[i] = uint8_t(i * 7 + 1);
    const auto files = EncodeObject(object, {.data_shard_count = p.k,
                                             .parity_shard_count = p.m,
                                             .block_size_bytes = p.block_size_bytes,
                                             .data_id = data_id});
    REQUIRE(files.ok());
    REQUIRE(files->size() == p.file_checksums.size());
    for (size_t i = 0; i < files->size(); ++i) {
      INFO("shard " << i);
      CHECK(Checksum64((*files)[i], 0) == p.file_checksums[i]);
    }
  }
}

// A sink that fails after a given number of appends, like a full disk.
class FailingSink : public ShardSink {
 public:
  explicit FailingSink(int appends_before_failure) : remaining_(appends_before_failure) {}
  absl::Status Append(int, std::span<const uint8_t>) override {
    if (remaining_-- <= 0) return absl::UnavailableError("disk full");
    return absl::OkStatus();
  }

 private:
  int remaining_;
};

TEST_CASE("StreamEncoder: a sink error stops the encoder and is reported", "[ec]") {
  const EncoderOptions options{
      .data_shard_count = 2, .parity_shard_count = 1, .block_size_bytes = kBlock};
  FailingSink at_header(1);
  CHECK(StreamEncoder::Create(options, &at_header).status().code() ==
        absl::StatusCode::kUnavailable);
  FailingSink mid_stripe(5);
  auto encoder = StreamEncoder::Create(options, &mid_stripe);
  REQUIRE(encoder.ok());
  const std::vector<uint8_t> bytes(3 * kBlock, 1);
  CHECK((*encoder)->Write(bytes).code() == absl::StatusCode::kUnavailable);
  CHECK((*encoder)->Finish().status().code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("StreamEncoder: refuses bad options with a message naming them", "[ec]") {
  MemoryShardSink sink(6);
  auto bad_block = StreamEncoder::Create({.block_size_bytes = 1000}, &sink);
  CHECK(bad_block.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(bad_block.status().message()).find("block size 1000") != std::string::npos);
  auto bad_profile = StreamEncoder::Create({.data_shard_count = 0}, &sink);
  CHECK(bad_profile.status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hamster::ec
