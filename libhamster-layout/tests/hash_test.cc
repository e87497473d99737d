#include "hamster/layout/hash.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

namespace hamster::layout {
namespace {

TEST_CASE("KeyHash: is pinned (every object's partition depends on it)", "[layout]") {
  // Changing these values moves every stored object to another partition:
  // this is the compatibility tripwire for docs/adr/0007's hash.
  CHECK(KeyHash("") == 0x620b25c182c87f05ull);
  CHECK(KeyHash("a") == 0xd45bc265ca49d95aull);
  CHECK(KeyHash("bucket/key") == 0xe092594e5cefa239ull);
  CHECK(KeyHash("0123456789abcdef") == 0x7cf97561e12b2e4aull);
  CHECK(KeyHash("photos/2026/11/22/IMG_0001.jpg") == 0xf24a5702db8e4ad7ull);
  CHECK(PartitionOfHash(KeyHash("bucket/key"), 256) == 0xe0);
}

TEST_CASE("KeyHash: every length and every byte position matters", "[layout]") {
  const uint64_t seed = GENERATE(1, 2, 3);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  // Lengths around the 8- and 16-byte block edges, and a trailing zero byte.
  for (size_t size = 0; size <= 40; ++size) {
    std::string key(size, '\0');
    for (char& c : key) c = char(rng());
    const uint64_t hash = KeyHash(key);
    CHECK(KeyHash(key + '\0') != hash);
    for (size_t i = 0; i < size; ++i) {
      std::string flipped = key;
      flipped[i] = char(flipped[i] ^ (1 << (rng() % 8)));
      const uint64_t other = KeyHash(flipped);
      INFO("size " << size << " byte " << i);
      CHECK(other != hash);
      // A one-bit change flips about half the bits; far fewer means weak mixing.
      CHECK(__builtin_popcountll(other ^ hash) >= 12);
    }
  }
}

TEST_CASE("KeyHash: keys spread evenly over partitions", "[layout]") {
  for (uint32_t partitions : {7u, 256u, 4096u}) {
    std::vector<int> count(partitions, 0);
    const int keys = 200 * int(partitions);
    for (int i = 0; i < keys; ++i) {
      // Similar keys, as a bucket of sequential names produces.
      ++count[PartitionOfHash(KeyHash("bucket/object-" + std::to_string(i)), partitions)];
    }
    double chi_square = 0;
    for (int c : count) chi_square += (c - 200.0) * (c - 200.0) / 200.0;
    INFO(partitions << " partitions, chi-square " << chi_square);
    // For partitions - 1 degrees of freedom the statistic is about that
    // large; 1.3x is far beyond chance (p < 1e-5 for the larger counts).
    CHECK(chi_square < 1.3 * partitions + 40);
  }
}

TEST_CASE("PartitionOfHash: covers 0 to count - 1 for any count", "[layout]") {
  for (uint32_t partitions : {1u, 2u, 3u, 256u, 65536u}) {
    CHECK(PartitionOfHash(0, partitions) == 0);
    CHECK(PartitionOfHash(~uint64_t{0}, partitions) == partitions - 1);
    CHECK(PartitionOfHash(uint64_t{1} << 63, partitions) == partitions / 2);
  }
}

}  // namespace
}  // namespace hamster::layout
