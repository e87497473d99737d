#include "hamster/ec/shard_format.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <random>

#include "hamster/ec/decoder.h"
#include "hamster/ec/object.h"
#include "test_util.h"

namespace hamster::ec {
namespace {

using testing::RandomBytes;
using testing::RandomDataId;

bool Contains(const absl::Status& status, const std::string& text) {
  return std::string(status.message()).find(text) != std::string::npos;
}

ShardHeader SampleHeader() {
  ShardHeader header;
  header.data_shard_count = 4;
  header.parity_shard_count = 2;
  header.shard_index = 5;
  header.block_size_bytes = 4096;
  std::mt19937_64 rng(11);
  header.data_id = RandomDataId(rng);
  return header;
}

TEST_CASE("ShardFormat: header and footer round-trip", "[ec]") {
  const ShardHeader header = SampleHeader();
  absl::StatusOr<ShardHeader> parsed = ParseHeader(SerializeHeader(header));
  REQUIRE(parsed.ok());
  CHECK(parsed->data_shard_count == 4);
  CHECK(parsed->parity_shard_count == 2);
  CHECK(parsed->shard_index == 5);
  CHECK(parsed->block_size_bytes == 4096);
  CHECK(parsed->data_id == header.data_id);
  CHECK(parsed->code_family == CodeFamily::kCauchyGoodW8);
  const ShardFooter footer{.object_size_bytes = 40000, .stripe_count = 3, .blocks_digest = 99};
  absl::StatusOr<ShardFooter> parsed_footer = ParseFooter(header, SerializeFooter(header, footer));
  REQUIRE(parsed_footer.ok());
  CHECK(parsed_footer->object_size_bytes == 40000);
  CHECK(parsed_footer->blocks_digest == 99);
}

TEST_CASE("ShardFormat: rejects bad magic, newer versions and corrupt headers, each by name",
          "[ec]") {
  const ShardHeader header = SampleHeader();
  auto bytes = SerializeHeader(header);

  auto bad_magic = bytes;
  bad_magic[0] = 'X';
  CHECK(ParseHeader(bad_magic).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(Contains(ParseHeader(bad_magic).status(), "bad magic"));

  auto newer = bytes;
  newer[8] = kShardFormatVersion + 1;
  CHECK(ParseHeader(newer).status().code() == absl::StatusCode::kUnimplemented);
  CHECK(Contains(ParseHeader(newer).status(), "unsupported shard format version 2"));

  CHECK(Contains(ParseHeader(std::span(bytes).first(20)).status(), "truncated shard"));

  // A flip anywhere past magic and version must be caught by the header checksum.
  for (size_t i = 10; i < bytes.size(); ++i) {
    auto corrupt = bytes;
    corrupt[i] ^= 0x40;
    INFO("byte " << i);
    CHECK(ParseHeader(corrupt).status().code() == absl::StatusCode::kDataLoss);
    CHECK(Contains(ParseHeader(corrupt).status(), "header"));
  }
}

TEST_CASE("ShardFormat: a footer is bound to its header and detects truncation", "[ec]") {
  const ShardHeader header = SampleHeader();
  const ShardFooter footer{.object_size_bytes = 5000, .stripe_count = 1, .blocks_digest = 1};
  const auto bytes = SerializeFooter(header, footer);
  ShardHeader other = header;
  other.shard_index = 4;
  CHECK(Contains(ParseFooter(other, bytes).status(), "belongs to another shard"));
  auto cut = bytes;
  std::memset(cut.data(), 0, 8);
  CHECK(Contains(ParseFooter(header, cut).status(), "truncated shard"));
  const ShardFooter lying{.object_size_bytes = 5000, .stripe_count = 7, .blocks_digest = 1};
  CHECK(Contains(ParseFooter(header, SerializeFooter(header, lying)).status(), "stripes"));
}

TEST_CASE("ShardFormat: ValidateHeader names the field out of range", "[ec]") {
  ShardHeader header = SampleHeader();
  header.block_size_bytes = 100;
  CHECK(Contains(ValidateHeader(header), "block size 100"));
  header = SampleHeader();
  header.shard_index = 6;
  CHECK(Contains(ValidateHeader(header), "shard index 6"));
  header = SampleHeader();
  header.data_shard_count = 0;
  CHECK(Contains(ValidateHeader(header), "k=0"));
}

TEST_CASE("ObjectGeometry: stripes, short last blocks and record offsets", "[ec]") {
  const ObjectGeometry empty(4, 4096, 0);
  CHECK(empty.stripe_count() == 0);
  CHECK(empty.shard_file_size_bytes() == kShardHeaderSizeBytes + kShardFooterSizeBytes);

  const ObjectGeometry one(4, 4096, 1);
  CHECK(one.stripe_count() == 1);
  CHECK(one.stripe_block_size_bytes(0) == 64);
  CHECK(one.shard_file_size_bytes() == 64 + 64 + 8 + 48);

  const ObjectGeometry g(4, 4096, 4 * 4096 * 2 + 1000);
  CHECK(g.stripe_count() == 3);
  CHECK(g.stripe_block_size_bytes(0) == 4096);
  CHECK(g.stripe_block_size_bytes(2) == 256);  // ceil(1000 / 4) = 250, aligned to 64
  CHECK(g.stripe_data_size_bytes(2) == 1000);
  CHECK(g.stripe_object_offset(2) == 32768);
  CHECK(g.block_record_offset(2) == 64 + 2 * (4096 + 8));
  CHECK(g.shard_file_size_bytes() == 64 + 2 * 4104 + 256 + 8 + 48);
}

TEST_CASE("ShardFormat: a shard file's size matches its geometry for every size", "[ec]") {
  std::mt19937_64 rng(8);
  for (uint64_t size : {0, 1, 255, 256, 257, 5000}) {
    const auto files = EncodeObject(RandomBytes(rng, size), {.data_shard_count = 2,
                                                             .parity_shard_count = 1,
                                                             .block_size_bytes = 128,
                                                             .data_id = RandomDataId(rng)});
    REQUIRE(files.ok());
    for (const ShardFile& file : *files) {
      CHECK(file.size() == ObjectGeometry(2, 128, size).shard_file_size_bytes());
    }
  }
}

}  // namespace
}  // namespace hamster::ec
