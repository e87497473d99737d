// Placement: key -> partition -> nodes, for both object classes.

#include <catch2/catch.hpp>
#include <random>

#include "test_util.h"

namespace hamster::layout {
namespace {

TEST_CASE("Placement: a key's shards are its partition's list, the same in every copy",
          "[layout]") {
  const uint64_t seed = GENERATE(1, 2, 3);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  Layout layout = testing::StagedLayout(
      128, testing::RandomCluster(rng, {.min_nodes = 6, .max_nodes = 30, .max_zones = 1}));
  REQUIRE(layout.Apply().ok());
  const LayoutVersion& version = layout.current();
  const absl::StatusOr<Layout> copy = Layout::Parse(layout.Serialize());
  REQUIRE(copy.ok());
  for (int i = 0; i < 200; ++i) {
    const std::string key = absl::StrCat("bucket/key-", rng());
    const Placement placement = version.Place(key, ObjectClass::kLarge);
    CHECK(placement.layout_version == version.version());
    CHECK(placement.partition == PartitionOfHash(KeyHash(key), 128));
    CHECK(placement.profile == version.profile());
    const auto list = version.ShardNodes(placement.partition, ObjectClass::kLarge);
    CHECK(std::equal(list.begin(), list.end(), placement.shard_nodes.begin(),
                     placement.shard_nodes.end()));
    const Placement again = copy->current().Place(key, ObjectClass::kLarge);
    CHECK(std::equal(again.shard_nodes.begin(), again.shard_nodes.end(),
                     placement.shard_nodes.begin(), placement.shard_nodes.end()));
  }
}

TEST_CASE("Placement: small objects use 1+m of the partition's nodes over the most zones",
          "[layout]") {
  const uint64_t seed = GENERATE(4, 5, 6, 7);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  Layout layout = testing::StagedLayout(
      128, testing::RandomCluster(rng, {.min_nodes = 9, .max_nodes = 40, .max_zones = 5}));
  if (!layout.Apply().ok()) return;  // zone rule infeasible for this draw
  const LayoutVersion& version = layout.current();
  const Profile small = version.profile(ObjectClass::kSmall);
  CHECK(small == SmallObjectProfile(version.profile()));
  for (uint32_t p = 0; p < version.partition_count(); ++p) {
    const auto large = version.ShardNodes(p, ObjectClass::kLarge);
    const auto copies = version.ShardNodes(p, ObjectClass::kSmall);
    REQUIRE(int(copies.size()) == small.shard_count());
    std::set<NodeIndex> distinct(copies.begin(), copies.end());
    CHECK(distinct.size() == copies.size());
    std::set<std::string> large_zones;
    std::set<std::string> small_zones;
    for (NodeIndex n : large) large_zones.insert(version.nodes()[n].zone);
    for (NodeIndex n : copies) {
      CHECK(std::find(large.begin(), large.end(), n) != large.end());
      small_zones.insert(version.nodes()[n].zone);
    }
    CHECK(small_zones.size() == std::min(large_zones.size(), copies.size()));
  }
}

TEST_CASE("Placement: with k = 1 both classes use the same list", "[layout]") {
  Layout layout = testing::StagedLayout(16, {{.id = "a", .zone = "x", .capacity_bytes = 1},
                                             {.id = "b", .zone = "y", .capacity_bytes = 1}});
  REQUIRE(layout.Apply().ok());
  const LayoutVersion& version = layout.current();
  REQUIRE(version.profile() == Profile{1, 1});
  for (uint32_t p = 0; p < 16; ++p) {
    const auto large = version.ShardNodes(p, ObjectClass::kLarge);
    const auto small = version.ShardNodes(p, ObjectClass::kSmall);
    CHECK(std::equal(large.begin(), large.end(), small.begin(), small.end()));
  }
  CHECK(version.FindNode("b") == NodeIndex{1});
  CHECK(!version.FindNode("c").has_value());
}

}  // namespace
}  // namespace hamster::layout
