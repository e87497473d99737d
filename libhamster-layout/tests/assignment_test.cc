#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <random>

#include "test_util.h"

namespace hamster::layout {
namespace {

using testing::ClusterOptions;
using testing::RandomCluster;

TEST_CASE("experiment", "[layout][.exp]") {
  for (uint64_t seed = 1; seed <= 1000; ++seed) {
    std::mt19937_64 rng(seed);
    auto roles = RandomCluster(rng, ClusterOptions{});
    Layout layout = testing::StagedLayout(256, roles);
    auto report = layout.Apply();
    if (!report.ok()) {
      std::cout << "seed " << seed << ": " << report.status() << "\n";
      continue;
    }
    auto problems = testing::RuleViolations(layout.current());
    auto shares = testing::ExactShares(layout.current());
    auto counts = testing::SlotCounts(layout.current());
    double worst = 0;
    for (size_t i = 0; i < shares.size(); ++i) {
      if (!layout.current().nodes()[i].storage()) continue;
      worst = std::max(worst, std::abs(double(counts[i]) - shares[i]));
    }
    std::cout << "seed " << seed << " nodes " << roles.size() << " zones "
              << layout.current().zone_count() << " profile "
              << ProfileName(layout.current().profile()) << " problems " << problems.size()
              << " worst dev " << worst << "\n";
  }
}

}  // namespace
}  // namespace hamster::layout
namespace hamster::layout {
namespace {
TEST_CASE("exp143", "[layout][.exp]") {
  std::mt19937_64 rng(143);
  auto roles = testing::RandomCluster(rng, testing::ClusterOptions{});
  std::map<std::string, int> zone_count;
  for (auto& r : roles) { std::cout << r.id << " " << r.zone << " " << r.capacity_bytes / testing::kGiB << "\n"; zone_count[r.zone]++; }
  for (auto& [z, c] : zone_count) std::cout << z << ": " << c << "\n";
}
}
}
namespace hamster::layout {
namespace {
TEST_CASE("expbig", "[layout][.exp]") {
  std::vector<NodeRole> roles;
  for (int i = 0; i < 1000; ++i) roles.push_back({.id = testing::NodeName(i), .zone = absl::StrCat("z", i % 10), .capacity_bytes = (1 + i % 7) * testing::kGiB});
  Layout layout = testing::StagedLayout(4096, roles);
  auto t0 = std::chrono::steady_clock::now();
  auto r = layout.Apply();
  auto t1 = std::chrono::steady_clock::now();
  std::cout << r.status() << " initial " << std::chrono::duration<double>(t1 - t0).count() << "s\n";
  REQUIRE(layout.StageAdd({.id = "zz", .zone = "z3", .capacity_bytes = 4 * testing::kGiB}).ok());
  t0 = std::chrono::steady_clock::now();
  r = layout.Apply();
  t1 = std::chrono::steady_clock::now();
  std::cout << r.status() << " add " << std::chrono::duration<double>(t1 - t0).count() << "s moved " << r->moved_shard_count << " min " << r->minimum_moved_shard_count << "\n";
  REQUIRE(layout.StageRemove("n500").ok());
  t0 = std::chrono::steady_clock::now();
  r = layout.Apply();
  t1 = std::chrono::steady_clock::now();
  std::cout << r.status() << " remove " << std::chrono::duration<double>(t1 - t0).count() << "s moved " << r->moved_shard_count << " min " << r->minimum_moved_shard_count << "\n";
}
}
}
