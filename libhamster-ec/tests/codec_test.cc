#include "hamster/ec/codec.h"

#include <catch2/catch.hpp>
#include <random>
#include <thread>

#include "hamster/ec/checksum.h"
#include "test_util.h"

namespace hamster::ec {
namespace {

using testing::RandomBytes;
using testing::SubsetsUpTo;

std::vector<Kernel> AvailableKernels() {
  std::vector<Kernel> kernels = {Kernel::kJerasure};
  if (KernelAvailable(Kernel::kIsal)) kernels.push_back(Kernel::kIsal);
  return kernels;
}

TEST_CASE("Codec: refuses profiles out of range", "[ec]") {
  for (auto [k, m] : std::vector<std::pair<int, int>>{{0, 2}, {-1, 1}, {4, -1}, {30, 3}, {33, 0}}) {
    absl::StatusOr<Codec> codec = Codec::Create({.data_shard_count = k, .parity_shard_count = m});
    INFO("k=" << k << " m=" << m);
    REQUIRE(codec.status().code() == absl::StatusCode::kInvalidArgument);
    CHECK(std::string(codec.status().message()).find("out of range") != std::string::npos);
  }
  CHECK(Codec::Create({.data_shard_count = 1, .parity_shard_count = 0}).ok());
  CHECK(Codec::Create({.data_shard_count = 31, .parity_shard_count = 1}).ok());
  CHECK(Codec::Create({.data_shard_count = 1, .parity_shard_count = 31}).ok());
}

TEST_CASE("Codec: the generator matrix is pinned (shards stay decodable across releases)", "[ec]") {
  // If jerasure ever changed its Cauchy construction, every stored shard
  // would become undecodable: this is the compatibility tripwire.
  auto matrix = [](int k, int m) {
    return Codec::Create({.data_shard_count = k, .parity_shard_count = m})->parity_matrix();
  };
  CHECK(matrix(2, 1) == std::vector<uint8_t>{1, 1});
  CHECK(matrix(4, 2) == std::vector<uint8_t>{1, 1, 1, 1, 1, 2, 142, 4});
  CHECK(matrix(8, 3) == std::vector<uint8_t>{1,   1,   1,   1,   1,   1,   1,   1,
                                             1,   196, 143, 210, 82,  232, 200, 238,
                                             202, 143, 114, 101, 200, 1,   39,  217});
}

TEST_CASE("Codec: rebuilds the stripe from any k of k+m shards", "[ec]") {
  const auto [k, m] = GENERATE(table<int, int>({{1, 0}, {1, 2}, {2, 1}, {4, 2}, {8, 3}, {10, 4}}));
  const Kernel kernel = GENERATE_COPY(from_range(AvailableKernels()));
  const uint64_t seed = 1000 * k + m;
  INFO("k=" << k << " m=" << m << " kernel=" << KernelName(kernel) << " seed=" << seed);
  std::mt19937_64 rng(seed);
  auto codec = Codec::Create({.data_shard_count = k, .parity_shard_count = m, .kernel = kernel});
  REQUIRE(codec.ok());
  const std::vector<Shard> encoded = codec->Encode(RandomBytes(rng, 4000 + rng() % 3000));
  for (const std::vector<int>& lost : SubsetsUpTo(k + m, m)) {
    std::vector<std::optional<Shard>> shards(encoded.begin(), encoded.end());
    for (int l : lost) shards[l].reset();
    REQUIRE(codec->Reconstruct(shards).ok());
    for (int i = 0; i < k + m; ++i) REQUIRE(*shards[i] == encoded[i]);
  }
}

TEST_CASE("Codec: reports fewer than k shards as DataLoss and bad slots as InvalidArgument",
          "[ec]") {
  auto codec = Codec::Create({.data_shard_count = 4, .parity_shard_count = 2});
  REQUIRE(codec.ok());
  std::mt19937_64 rng(7);
  const std::vector<Shard> encoded = codec->Encode(RandomBytes(rng, 1000));
  std::vector<std::optional<Shard>> shards(encoded.begin(), encoded.end());
  shards[0].reset();
  shards[2].reset();
  shards[5].reset();
  CHECK(codec->Reconstruct(shards).code() == absl::StatusCode::kDataLoss);

  std::vector<std::optional<Shard>> too_few(encoded.begin(), encoded.begin() + 5);
  CHECK(codec->Reconstruct(too_few).code() == absl::StatusCode::kInvalidArgument);

  std::vector<std::optional<Shard>> uneven(encoded.begin(), encoded.end());
  uneven[1]->push_back(0);
  uneven[0].reset();
  CHECK(codec->Reconstruct(uneven).code() == absl::StatusCode::kInvalidArgument);

  const int bad_index[] = {7};
  const int available[] = {0, 1, 2, 3};
  CHECK(codec->PrepareDecode(bad_index, bad_index).status().code() ==
        absl::StatusCode::kInvalidArgument);
  const int twice[] = {0, 0, 1, 2};
  CHECK(codec->PrepareDecode(twice, bad_index).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(codec->PrepareDecode(available, bad_index).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Codec: ISA-L and jerasure kernels produce identical parity and decode each other's",
          "[ec]") {
  if (!KernelAvailable(Kernel::kIsal)) {
    WARN("this build has no ISA-L: nothing to compare");
    return;
  }
  std::mt19937_64 rng(42);
  std::vector<std::pair<int, int>> profiles = {{1, 0}, {1, 2}, {2, 1}, {4, 2}, {8, 3}, {10, 4}};
  for (int i = 0; i < 20; ++i) {
    const int k = 1 + int(rng() % 31);
    profiles.emplace_back(k, int(rng() % (33 - k)));
  }
  for (auto [k, m] : profiles) {
    INFO("k=" << k << " m=" << m);
    auto isal =
        Codec::Create({.data_shard_count = k, .parity_shard_count = m, .kernel = Kernel::kIsal});
    auto jerasure = Codec::Create(
        {.data_shard_count = k, .parity_shard_count = m, .kernel = Kernel::kJerasure});
    REQUIRE(isal.ok());
    REQUIRE(jerasure.ok());
    const std::vector<uint8_t> stripe = RandomBytes(rng, 1 + rng() % 200000);
    const std::vector<Shard> from_isal = isal->Encode(stripe);
    REQUIRE(from_isal == jerasure->Encode(stripe));
    // Lose the first min(m, k) data shards and rebuild with the other kernel.
    std::vector<std::optional<Shard>> shards(from_isal.begin(), from_isal.end());
    for (int l = 0; l < std::min(m, k); ++l) shards[l].reset();
    REQUIRE(jerasure->Reconstruct(shards).ok());
    for (int s = 0; s < k + m; ++s) REQUIRE(*shards[s] == from_isal[s]);
  }
}

TEST_CASE("Codec: Encode pads to aligned shards and keeps data shards systematic", "[ec]") {
  auto codec = Codec::Create({.data_shard_count = 3, .parity_shard_count = 1});
  REQUIRE(codec.ok());
  CHECK(codec->ShardSizeBytes(0) == 0);
  CHECK(codec->ShardSizeBytes(1) == 64);
  CHECK(codec->ShardSizeBytes(193) == 128);
  std::mt19937_64 rng(3);
  const std::vector<uint8_t> stripe = RandomBytes(rng, 200);
  const std::vector<Shard> shards = codec->Encode(stripe);
  REQUIRE(shards.size() == 4);
  std::vector<uint8_t> joined;
  for (int i = 0; i < 3; ++i) joined.insert(joined.end(), shards[i].begin(), shards[i].end());
  CHECK(std::equal(stripe.begin(), stripe.end(), joined.begin()));
  CHECK(std::all_of(joined.begin() + 200, joined.end(), [](uint8_t b) { return b == 0; }));
}

}  // namespace
}  // namespace hamster::ec

namespace hamster::ec {
namespace {

TEST_CASE("Codec: concurrent first use and shared codecs are race-free", "[ec]") {
  // Under ctest each case runs in a fresh process, so the Galois-field and
  // checksum initialisation really happen here, from several threads at once
  // (the TSan build checks it).
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &ok] {
      std::mt19937_64 rng(t);
      auto codec = Codec::Create({.data_shard_count = 4, .parity_shard_count = 2});
      if (!codec.ok()) return;
      const std::vector<uint8_t> stripe = RandomBytes(rng, 10000);
      std::vector<std::optional<Shard>> shards;
      for (Shard& s : codec->Encode(stripe)) shards.emplace_back(std::move(s));
      shards[t % 4].reset();
      ok[t] = codec->Reconstruct(shards).ok() && Checksum64(stripe, t) != 0;
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(ok == std::vector<int>(4, 1));
}

}  // namespace
}  // namespace hamster::ec
