#include "hamster/ec/checksum.h"

#include <catch2/catch.hpp>
#include <random>
#include <vector>

#include "checksum_implementations.h"
#include "checksum_variants.h"
#include "test_util.h"

namespace hamster::ec {
namespace {

using testing::RandomBytes;

// Lengths around XXH3's internal boundaries: its short-input paths (<= 16,
// <= 128, <= 240 bytes), its 64-byte stripes, 1 KiB blocks and 256-byte
// stream buffer, and a whole 64 KiB tile.
constexpr size_t kSizes[] = {0,   1,   3,    16,   17,   128,  129,   240,   241,   255,
                             256, 257, 1023, 1024, 1025, 4096, 65536, 65537, 100003};

// Cut points splitting [0, size) into up to `pieces` random consecutive pieces,
// some of them empty.
std::vector<size_t> RandomCuts(std::mt19937_64& rng, size_t size, int pieces) {
  std::vector<size_t> cuts = {0, size};
  for (int i = 1; i < pieces; ++i) cuts.push_back(size == 0 ? 0 : rng() % (size + 1));
  std::sort(cuts.begin(), cuts.end());
  return cuts;
}

TEST_CASE("Checksum64Stream: equals the one-shot Checksum64 however the bytes are split", "[ec]") {
  const uint64_t seed = GENERATE(1, 2, 3);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  for (size_t size : kSizes) {
    const std::vector<uint8_t> bytes = RandomBytes(rng, size);
    for (uint64_t checksum_seed : {uint64_t{0}, uint64_t{1}, uint64_t(rng())}) {
      const uint64_t expected = Checksum64(bytes, checksum_seed);
      for (int pieces : {1, 2, 3, 7, 40}) {
        INFO("size=" << size << " checksum seed=" << checksum_seed << " pieces=" << pieces);
        const std::vector<size_t> cuts = RandomCuts(rng, size, pieces);
        Checksum64Stream stream(checksum_seed);
        for (size_t i = 0; i + 1 < cuts.size(); ++i) {
          stream.Update(std::span<const uint8_t>(bytes).subspan(cuts[i], cuts[i + 1] - cuts[i]));
        }
        CHECK(stream.Digest() == expected);
      }
    }
  }
}

TEST_CASE("Checksum64Stream: Reset starts over, Digest does not end the stream, copies diverge",
          "[ec]") {
  std::mt19937_64 rng(4);
  const std::vector<uint8_t> bytes = RandomBytes(rng, 5000);
  const std::span<const uint8_t> all(bytes);
  Checksum64Stream stream(7);
  stream.Update(all.first(3000));
  CHECK(stream.Digest() == Checksum64(all.first(3000), 7));
  Checksum64Stream copy = stream;
  stream.Update(all.subspan(3000));
  CHECK(stream.Digest() == Checksum64(all, 7));
  CHECK(copy.Digest() == Checksum64(all.first(3000), 7));
  // A stream reused for another block with another seed, as the encoder does.
  stream.Reset(8);
  stream.Update(all.first(100));
  CHECK(stream.Digest() == Checksum64(all.first(100), 8));
  stream.Reset(8);
  CHECK(stream.Digest() == Checksum64({}, 8));
}

TEST_CASE(
    "Checksum: every implementation this CPU runs gives the same one-shot and streamed values",
    "[ec]") {
  const std::vector<internal::ChecksumImplementation> implementations =
      internal::SupportedChecksumImplementations();
  REQUIRE(!implementations.empty());
  CHECK(implementations.front().name == ChecksumImplementationName());
  CHECK(implementations.back().name == "sse2");
  std::mt19937_64 rng(6);
  for (const internal::ChecksumImplementation& implementation : implementations) {
    for (size_t size : kSizes) {
      const std::vector<uint8_t> bytes = RandomBytes(rng, size);
      const uint64_t seed = rng();
      INFO(implementation.name << " size=" << size);
      const uint64_t expected = hamster_ec_xxh3_sse2(bytes.data(), size, seed);
      CHECK(implementation.one_shot(bytes.data(), size, seed) == expected);
      alignas(HAMSTER_EC_XXH3_STATE_ALIGNMENT_BYTES) unsigned char
          state[HAMSTER_EC_XXH3_STATE_SIZE_BYTES];
      implementation.reset(state, seed);
      for (const std::vector<size_t> cuts = RandomCuts(rng, size, 5); size_t i : {0, 1, 2, 3, 4}) {
        implementation.update(state, bytes.data() + cuts[i], cuts[i + 1] - cuts[i]);
      }
      CHECK(implementation.digest(state) == expected);
    }
  }
}

TEST_CASE("Checksum: values are pinned, as the shard format requires", "[ec]") {
  // XXH3-64 of the bytes 0, 1, 2, ... (mod 256), as xxHash 0.8.1's own
  // library (libxxhash, not our builds of it) computes it.
  struct Pinned {
    size_t size;
    uint64_t seed;
    uint64_t checksum;
  };
  const Pinned pinned[] = {
      {0, 0x0000000000000000ull, 0x2d06800538d394c2ull},
      {0, 0x0123456789abcdefull, 0xcc1ca35a1b089c5cull},
      {1, 0x0000000000000000ull, 0xc44bdff4074eecdbull},
      {1, 0x0123456789abcdefull, 0xd5dd68911c7f195dull},
      {16, 0x0000000000000000ull, 0x8355e3a6f61770dbull},
      {16, 0x0123456789abcdefull, 0x1dca78f4947ed52cull},
      {17, 0x0000000000000000ull, 0x9ef341a99de37328ull},
      {17, 0x0123456789abcdefull, 0xebce4845f0c75f02ull},
      {128, 0x0000000000000000ull, 0x85c6174c7ff4c46bull},
      {128, 0x0123456789abcdefull, 0xde26ec476dc43954ull},
      {129, 0x0000000000000000ull, 0xec7642b431ba3e5aull},
      {129, 0x0123456789abcdefull, 0x75bc8ed192c9cc73ull},
      {240, 0x0000000000000000ull, 0x375a384d957fe865ull},
      {240, 0x0123456789abcdefull, 0x4b1593ee9603224aull},
      {241, 0x0000000000000000ull, 0x02e8cd95421c6d02ull},
      {241, 0x0123456789abcdefull, 0xace3afe84c9adf7cull},
      {1024, 0x0000000000000000ull, 0xa870f92984398d22ull},
      {1024, 0x0123456789abcdefull, 0x0f993b6968bd7f77ull},
      {65536, 0x0000000000000000ull, 0x9a1db56d610a5516ull},
      {65536, 0x0123456789abcdefull, 0x9d3e653075c0f50eull},
      {70000, 0x0000000000000000ull, 0xd35a895856e09167ull},
      {70000, 0x0123456789abcdefull, 0xfe0543c06a07f578ull},
  };
  std::vector<uint8_t> bytes(70000);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = uint8_t(i);
  for (const Pinned& p : pinned) {
    INFO("size=" << p.size << " seed=" << p.seed);
    const std::span<const uint8_t> input = std::span<const uint8_t>(bytes).first(p.size);
    CHECK(Checksum64(input, p.seed) == p.checksum);
    Checksum64Stream stream(p.seed);
    for (size_t at = 0; at < p.size; at += 1000) {
      stream.Update(input.subspan(at, std::min<size_t>(1000, p.size - at)));
    }
    CHECK(stream.Digest() == p.checksum);
  }
}

}  // namespace
}  // namespace hamster::ec
