#include "hamster/ec/decoder.h"

#include <catch2/catch.hpp>
#include <random>

#include "hamster/ec/object.h"
#include "test_util.h"

namespace hamster::ec {
namespace {

using testing::RandomBytes;
using testing::RandomDataId;
using testing::Spans;
using testing::Without;

constexpr uint32_t kBlock = 4096;
constexpr int kK = 4;
constexpr int kM = 2;

struct Encoded {
  std::vector<uint8_t> object;
  std::vector<ShardFile> files;
  ObjectGeometry geometry{kK, kBlock, 0};
};

Encoded EncodeSample(uint64_t seed, uint64_t size) {
  std::mt19937_64 rng(seed);
  Encoded e;
  e.object = RandomBytes(rng, size);
  auto files = EncodeObject(e.object, {.data_shard_count = kK,
                                       .parity_shard_count = kM,
                                       .block_size_bytes = kBlock,
                                       .data_id = RandomDataId(rng)});
  REQUIRE(files.ok());
  e.files = *std::move(files);
  e.geometry = ObjectGeometry(kK, kBlock, size);
  return e;
}

void FlipByteInBlock(ShardFile& file, const ObjectGeometry& g, uint64_t stripe, uint32_t at) {
  file[g.block_record_offset(stripe) + at % g.stripe_block_size_bytes(stripe)] ^= 0x5a;
}

absl::StatusOr<VerifyReport> Verify(const ShardFile& file) {
  MemoryShardSource source(file);
  return VerifyShard(source);
}

TEST_CASE("Decoder: bit rot in every block is named by verification and decoded around", "[ec]") {
  const Encoded e = EncodeSample(1, 5 * kK * kBlock + 3000);  // 6 stripes, the last short
  const uint64_t stripes = e.geometry.stripe_count();
  REQUIRE(stripes == 6);
  for (int shard = 0; shard < kK + kM; ++shard) {
    for (uint64_t stripe = 0; stripe < stripes; ++stripe) {
      INFO("shard " << shard << " stripe " << stripe);
      std::vector<ShardFile> files = e.files;
      FlipByteInBlock(files[shard], e.geometry, stripe, uint32_t(stripe * 977 + shard));
      absl::StatusOr<VerifyReport> report = Verify(files[shard]);
      REQUIRE(report.ok());
      CHECK(report->corrupt_stripes == std::vector<uint64_t>{stripe});
      absl::StatusOr<std::vector<uint8_t>> decoded = DecodeObject(Spans(files));
      REQUIRE(decoded.ok());
      REQUIRE(*decoded == e.object);
    }
  }
  for (const ShardFile& file : e.files) CHECK(Verify(file)->ok());
}

TEST_CASE("Decoder: a corrupt stored checksum is caught like a corrupt block", "[ec]") {
  Encoded e = EncodeSample(2, 3 * kK * kBlock);
  e.files[1][e.geometry.block_record_offset(1) + kBlock + 3] ^= 1;
  absl::StatusOr<VerifyReport> report = Verify(e.files[1]);
  REQUIRE(report.ok());
  CHECK(report->corrupt_stripes == std::vector<uint64_t>{1});
  CHECK(!report->blocks_digest_matches);
  CHECK(*DecodeObject(Spans(e.files)) == e.object);
}

TEST_CASE("Decoder: up to m bad blocks per stripe decode, m+1 in one stripe fail cleanly", "[ec]") {
  const Encoded e = EncodeSample(3, 4 * kK * kBlock);
  // Every shard has one rotten block, but no stripe has more than m = 2.
  std::vector<ShardFile> spread = e.files;
  for (int shard = 0; shard < kK + kM; ++shard) {
    FlipByteInBlock(spread[shard], e.geometry, shard / 2, 5);
  }
  absl::StatusOr<std::vector<uint8_t>> decoded = DecodeObject(Spans(spread));
  REQUIRE(decoded.ok());
  CHECK(*decoded == e.object);

  // Three bad blocks in stripe 2: below k verified sources for that stripe.
  std::vector<ShardFile> too_many = e.files;
  for (int shard : {0, 3, 4}) FlipByteInBlock(too_many[shard], e.geometry, 2, 11);
  absl::StatusOr<std::vector<uint8_t>> failed = DecodeObject(Spans(too_many));
  REQUIRE(failed.status().code() == absl::StatusCode::kDataLoss);
  const std::string message(failed.status().message());
  CHECK(message.find("stripe 2") != std::string::npos);
  CHECK(message.find("shard 0: checksum mismatch") != std::string::npos);

  // One missing shard plus two rotten blocks in a stripe is also beyond m.
  std::vector<ShardFile> mixed = e.files;
  FlipByteInBlock(mixed[1], e.geometry, 0, 1);
  FlipByteInBlock(mixed[5], e.geometry, 0, 1);
  CHECK(DecodeObject(Without(mixed, {2})).status().code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("Decoder: truncated, foreign, future and corrupt-header shards are told apart", "[ec]") {
  const Encoded e = EncodeSample(4, 3 * kK * kBlock + 100);
  const Encoded other = EncodeSample(5, 3 * kK * kBlock + 100);

  auto open_error = [](std::vector<ShardFile> files) {
    return DecodeObject(Spans(files)).status();
  };
  auto message = [](const absl::Status& s) { return std::string(s.message()); };

  ShardFile truncated = e.files[0];
  truncated.resize(truncated.size() - 100);
  CHECK(message(Verify(truncated).status()).find("truncated shard") != std::string::npos);

  ShardFile tiny = e.files[0];
  tiny.resize(30);
  CHECK(message(Verify(tiny).status()).find("truncated shard") != std::string::npos);

  ShardFile future = e.files[0];
  future[8] = 9;
  CHECK(Verify(future).status().code() == absl::StatusCode::kUnimplemented);

  ShardFile corrupt_header = e.files[0];
  corrupt_header[30] ^= 1;
  CHECK(message(Verify(corrupt_header).status()).find("header is corrupt") != std::string::npos);

  ShardFile not_a_shard(500, 'x');
  CHECK(message(Verify(not_a_shard).status()).find("bad magic") != std::string::npos);

  // Mixing shards of two objects is an operator error, not something to decode around.
  std::vector<ShardFile> mixed = e.files;
  mixed[2] = other.files[2];
  const absl::Status mixed_error = open_error(mixed);
  CHECK(mixed_error.code() == absl::StatusCode::kInvalidArgument);
  CHECK(message(mixed_error).find("different objects") != std::string::npos);

  std::vector<ShardFile> duplicate = e.files;
  duplicate[3] = e.files[2];
  CHECK(message(open_error(duplicate)).find("both hold shard index 2") != std::string::npos);

  // Unusable shards are excluded and decoding goes on while k usable remain...
  std::vector<ShardFile> damaged = e.files;
  damaged[0] = truncated;
  damaged[4] = corrupt_header;
  std::vector<MemoryShardSource> sources(damaged.begin(), damaged.end());
  std::vector<ShardSource*> pointers;
  for (auto& s : sources) pointers.push_back(&s);
  auto decoder = ObjectDecoder::Open(pointers);
  REQUIRE(decoder.ok());
  REQUIRE((*decoder)->excluded().size() == 2);
  CHECK((*decoder)->excluded()[0].source_position == 0);
  MemoryByteSink sink;
  REQUIRE((*decoder)->ReadAll(sink).ok());
  CHECK(sink.bytes() == e.object);

  // ...and the error names every excluded shard once fewer than k remain.
  damaged[1] = future;
  const absl::Status too_few = open_error(damaged);
  CHECK(too_few.code() == absl::StatusCode::kDataLoss);
  CHECK(message(too_few).find("#0: truncated shard") != std::string::npos);
  CHECK(message(too_few).find("#1: unsupported shard format version 9") != std::string::npos);
}

TEST_CASE("Decoder: a plan names exactly the data blocks covering a range", "[ec]") {
  const ObjectGeometry g(kK, kBlock, 3 * kK * kBlock + 1000);
  auto plan = PlanRange(g, kBlock - 10, 20);  // straddles shards 0 and 1 of stripe 0
  REQUIRE(plan.ok());
  REQUIRE(plan->size() == 2);
  CHECK((*plan)[0].shard_index == 0);
  CHECK((*plan)[0].offset_in_block == kBlock - 10);
  CHECK((*plan)[0].length == 10);
  CHECK((*plan)[1].shard_index == 1);
  CHECK((*plan)[1].offset_in_block == 0);
  CHECK((*plan)[1].length == 10);

  auto last = PlanRange(g, 3 * kK * kBlock + 300, 700);  // in the short last stripe
  REQUIRE(last.ok());
  CHECK(last->front().stripe_index == 3);
  CHECK(last->front().block_size_bytes == 256);
  CHECK(last->front().shard_index == 1);
  CHECK(last->front().record_offset == g.block_record_offset(3));

  CHECK(PlanRange(g, g.object_size_bytes() - 1, 2).status().code() ==
        absl::StatusCode::kOutOfRange);
  CHECK(PlanRange(g, 0, 0)->empty());
}

TEST_CASE("Decoder: ranged reads match the object and read only the planned blocks", "[ec]") {
  const uint64_t seed = GENERATE(1, 2, 3);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  const Encoded e = EncodeSample(seed + 10, 7 * kK * kBlock + rng() % (kK * kBlock));
  for (bool degraded : {false, true}) {
    // Degraded: data shard 1 is gone, so stripes touching it need decoding.
    const std::vector<std::span<const uint8_t>> spans =
        degraded ? Without(e.files, {1}) : Spans(e.files);
    std::vector<MemoryShardSource> sources(spans.begin(), spans.end());
    std::vector<ShardSource*> pointers;
    for (auto& s : sources) pointers.push_back(&s);
    auto decoder = ObjectDecoder::Open(pointers);
    REQUIRE(decoder.ok());
    for (int i = 0; i < 50; ++i) {
      const uint64_t offset = rng() % e.object.size();
      const uint64_t length = rng() % std::min<uint64_t>(e.object.size() - offset, 3 * kBlock);
      INFO("degraded=" << degraded << " range " << offset << "+" << length);
      const uint64_t reads_before = (*decoder)->stats().blocks_read;
      MemoryByteSink sink;
      REQUIRE((*decoder)->ReadRange(offset, length, sink).ok());
      REQUIRE(sink.bytes() ==
              std::vector<uint8_t>(e.object.begin() + offset, e.object.begin() + offset + length));
      if (!degraded) {
        CHECK((*decoder)->stats().blocks_read - reads_before ==
              PlanRange(e.geometry, offset, length)->size());
      }
    }
    CHECK(((*decoder)->stats().stripes_decoded > 0) == degraded);
    MemoryByteSink sink;
    CHECK((*decoder)->ReadRange(e.object.size(), 1, sink).code() == absl::StatusCode::kOutOfRange);
  }
}

std::vector<Kernel> AvailableKernels() {
  std::vector<Kernel> kernels = {Kernel::kJerasure};
  if (KernelAvailable(Kernel::kIsal)) kernels.push_back(Kernel::kIsal);
  return kernels;
}

// A source that can only copy, like a file read with pread: no View().
class CopyingSource : public ShardSource {
 public:
  explicit CopyingSource(std::span<const uint8_t> bytes) : memory_(bytes) {}
  absl::StatusOr<uint64_t> SizeBytes() override { return memory_.SizeBytes(); }
  absl::Status ReadAt(uint64_t offset, std::span<uint8_t> out) override {
    return memory_.ReadAt(offset, out);
  }

 private:
  MemoryShardSource memory_;
};

// Shard files held as in-memory or copying sources, and a decoder over them.
struct OpenedObject {
  OpenedObject(const std::vector<std::span<const uint8_t>>& files, bool copying) {
    for (std::span<const uint8_t> file : files) {
      if (copying) {
        sources.push_back(std::make_unique<CopyingSource>(file));
      } else {
        sources.push_back(std::make_unique<MemoryShardSource>(file));
      }
    }
  }
  absl::StatusOr<std::unique_ptr<ObjectDecoder>> Open(const DecoderOptions& options) {
    std::vector<ShardSource*> pointers;
    for (const auto& source : sources) pointers.push_back(source.get());
    return ObjectDecoder::Open(pointers, options);
  }
  std::vector<std::unique_ptr<ShardSource>> sources;
};

TEST_CASE("Decoder: in-place and copying sources decode and rebuild alike with every kernel",
          "[ec]") {
  const uint64_t seed = GENERATE(1, 2);
  const Kernel kernel = GENERATE_COPY(from_range(AvailableKernels()));
  const bool copying = GENERATE(false, true);
  INFO("seed=" << seed << " kernel=" << KernelName(kernel) << " copying=" << copying);
  std::mt19937_64 rng(seed);
  // Two 64 KiB tiles per block, the second short; a short last stripe.
  const uint32_t block = 64 * 1024 + 3 * 64;
  const std::vector<uint8_t> object = RandomBytes(rng, 2 * kK * block + 5000);
  auto files = EncodeObject(object, {.data_shard_count = kK,
                                     .parity_shard_count = kM,
                                     .block_size_bytes = block,
                                     .data_id = RandomDataId(rng),
                                     .kernel = kernel});
  REQUIRE(files.ok());
  const ObjectGeometry geometry(kK, block, object.size());
  for (const std::vector<int>& lost : std::vector<std::vector<int>>{{}, {1}, {0, 3}, {4}, {1, 5}}) {
    INFO("lost " << ::Catch::Detail::stringify(lost));
    OpenedObject opened(Without(*files, lost), copying);
    auto decoder = opened.Open({.kernel = kernel});
    REQUIRE(decoder.ok());
    MemoryByteSink sink;
    REQUIRE((*decoder)->ReadAll(sink).ok());
    CHECK(sink.bytes() == object);
    CHECK((*decoder)->stats().blocks_corrupt == 0);
    MemoryShardSink rebuilt(kK + kM);
    REQUIRE((*decoder)->ReconstructShards(lost, rebuilt).ok());
    for (int index : lost) CHECK(rebuilt.shards()[index] == (*files)[index]);
  }
  // A lost shard and a rotten block in one stripe: the one-pass decode finds
  // the bad checksum, and the block-by-block path decodes around it.
  std::vector<ShardFile> rotten = *files;
  FlipByteInBlock(rotten[0], geometry, 1, 70000);
  OpenedObject opened(Without(rotten, {2}), copying);
  auto decoder = opened.Open({.kernel = kernel});
  REQUIRE(decoder.ok());
  MemoryByteSink sink;
  REQUIRE((*decoder)->ReadAll(sink).ok());
  CHECK(sink.bytes() == object);
  CHECK((*decoder)->stats().blocks_corrupt == 1);
  MemoryShardSink rebuilt(kK + kM);
  const int wanted[] = {0, 2};
  REQUIRE((*decoder)->ReconstructShards(wanted, rebuilt).ok());
  CHECK(rebuilt.shards()[0] == (*files)[0]);
  CHECK(rebuilt.shards()[2] == (*files)[2]);
}

TEST_CASE("Decoder: DecodeBuffers hold the rebuilt blocks and are reused from GET to GET", "[ec]") {
  const Kernel kernel = GENERATE_COPY(from_range(AvailableKernels()));
  INFO("kernel=" << KernelName(kernel));
  const Encoded a = EncodeSample(20, 3 * kK * kBlock + 100);
  const Encoded b = EncodeSample(21, 5 * kK * kBlock);
  const size_t record = kBlock + kBlockChecksumSizeBytes;
  DecodeBuffers buffers;
  auto read_all = [&](const Encoded& e, const std::vector<int>& lost, bool copying) {
    OpenedObject opened(Without(e.files, lost), copying);
    auto decoder = opened.Open({.kernel = kernel, .buffers = &buffers});
    REQUIRE(decoder.ok());
    MemoryByteSink sink;
    REQUIRE((*decoder)->ReadAll(sink).ok());
    CHECK(sink.bytes() == e.object);
  };
  // A healthy GET from memory verifies blocks in place and needs no buffer.
  read_all(a, {}, false);
  CHECK(buffers.capacity_bytes() == 0);
  // Two lost data shards: one block each to rebuild into. jerasure also
  // copies each decode source, which sits misaligned in its shard file.
  read_all(a, {0, 1}, false);
  const size_t rebuilding = buffers.capacity_bytes();
  if (kernel == Kernel::kIsal) {
    CHECK(rebuilding == 2 * record);
  } else {
    CHECK(rebuilding <= (kK + 2) * record);
  }
  // Other objects and loss patterns of the profile reuse what is there.
  read_all(b, {2, 5}, false);
  read_all(b, {1, 3}, false);
  read_all(a, {0, 1}, false);
  CHECK(buffers.capacity_bytes() == rebuilding);
  // Sources that can only copy need a block per source read: k + m in all.
  read_all(b, {0, 4}, true);
  const size_t copying = buffers.capacity_bytes();
  CHECK(copying == (kK + 2) * record);
  read_all(a, {1, 2}, true);
  read_all(b, {}, true);
  CHECK(buffers.capacity_bytes() == copying);
  // A decoder without buffers of its own frees what it allocated.
  OpenedObject opened(Without(a.files, {0}), true);
  auto own = opened.Open({.kernel = kernel});
  REQUIRE(own.ok());
  MemoryByteSink sink;
  REQUIRE((*own)->ReadAll(sink).ok());
  CHECK(sink.bytes() == a.object);
  CHECK(buffers.capacity_bytes() == copying);
  DecodeBuffers moved = std::move(buffers);
  CHECK(moved.capacity_bytes() == copying);
}

TEST_CASE("Decoder: random damage never crashes and never yields wrong bytes", "[ec]") {
  // Invariant 5 as a property: whatever is flipped, cut or swapped, a decode
  // either returns the original object or fails with a status.
  const uint64_t seed = GENERATE(range(1, 9));
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  const Encoded e = EncodeSample(seed + 100, rng() % (6 * kK * kBlock));
  const Encoded other = EncodeSample(seed + 200, e.object.size());
  int decoded_ok = 0;
  for (int round = 0; round < 60; ++round) {
    std::vector<ShardFile> files = e.files;
    const int damages = 1 + int(rng() % 6);
    for (int d = 0; d < damages; ++d) {
      ShardFile& file = files[rng() % files.size()];
      switch (rng() % 4) {
        case 0:  // bit flips anywhere, header and footer included
          file[rng() % file.size()] ^= uint8_t(1 + rng() % 255);
          break;
        case 1:  // truncation
          file.resize(rng() % file.size());
          break;
        case 2:  // a record's worth of bytes from the other object, same place
          if (size_t at = rng() % file.size(); at < other.files[0].size()) {
            file[at] = other.files[rng() % other.files.size()][at];
          }
          break;
        case 3:  // garbage appended
          file.insert(file.end(), 1 + rng() % 100, uint8_t(rng()));
          break;
      }
    }
    absl::StatusOr<std::vector<uint8_t>> decoded = DecodeObject(Spans(files));
    if (decoded.ok()) {
      REQUIRE(*decoded == e.object);
      ++decoded_ok;
    }
  }
  INFO("decoded " << decoded_ok << " of 60 damaged sets");
  CHECK(decoded_ok > 0);
}

}  // namespace
}  // namespace hamster::ec
