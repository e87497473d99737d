// The zone rule's promise: with enough zones, losing any one zone leaves
// every partition with at least k shards, for both object classes.

#include <catch2/catch.hpp>
#include <random>

#include "test_util.h"

namespace hamster::layout {
namespace {

// Shards of `placement` outside `zone`.
int SurvivingShards(const LayoutVersion& version, std::span<const NodeIndex> nodes,
                    const std::string& zone) {
  int surviving = 0;
  for (NodeIndex n : nodes) surviving += version.nodes()[n].zone != zone;
  return surviving;
}

void CheckZoneLoss(const LayoutVersion& version) {
  std::set<std::string> zones;
  for (const NodeRole& node : version.nodes()) {
    if (node.storage()) zones.insert(node.zone);
  }
  for (const std::string& lost : zones) {
    for (uint32_t p = 0; p < version.partition_count(); ++p) {
      for (ObjectClass object_class : {ObjectClass::kLarge, ObjectClass::kSmall}) {
        const Profile profile = version.profile(object_class);
        const int surviving = SurvivingShards(version, version.ShardNodes(p, object_class), lost);
        INFO("zone " << lost << " lost, partition " << p << ", profile " << ProfileName(profile));
        REQUIRE(surviving >= profile.data_shard_count);
      }
    }
  }
}

TEST_CASE("Placement: losing any one zone leaves every partition k shards, with enough zones",
          "[layout]") {
  int checked = 0;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    INFO("seed=" << seed);
    std::mt19937_64 rng(seed);
    const std::vector<NodeRole> roles =
        testing::RandomCluster(rng, {.min_nodes = 6, .max_nodes = 60, .max_zones = 6});
    Layout layout = testing::StagedLayout(256, roles);
    absl::StatusOr<ApplyReport> report = layout.Apply();
    if (!report.ok()) continue;  // the zone rule cannot be met: covered elsewhere
    const LayoutVersion& version = layout.current();
    CHECK(report->survives_zone_loss == SurvivesZoneLoss(version.profile(), version.zone_count()));
    if (!report->survives_zone_loss) {
      // Too few zones for the profile: the report says so in words.
      CHECK(!report->notes.empty());
      continue;
    }
    CheckZoneLoss(version);
    ++checked;
  }
  CHECK(checked >= 10);  // the generator does produce clusters with enough zones
}

TEST_CASE("Placement: 4+2 over 3 zones puts 2 shards in each zone", "[layout]") {
  std::vector<NodeRole> roles;
  for (int i = 0; i < 9; ++i) {
    roles.push_back({.id = testing::NodeName(i),
                     .zone = absl::StrCat("rack", i % 3),
                     .capacity_bytes = (1 + i) * testing::kGiB});
  }
  Layout layout = testing::StagedLayout(128, roles, Profile{4, 2});
  REQUIRE(layout.Apply().ok());
  const LayoutVersion& version = layout.current();
  for (uint32_t p = 0; p < version.partition_count(); ++p) {
    std::map<std::string, int> per_zone;
    for (NodeIndex n : version.ShardNodes(p, ObjectClass::kLarge))
      ++per_zone[version.nodes()[n].zone];
    CHECK(per_zone == std::map<std::string, int>{{"rack0", 2}, {"rack1", 2}, {"rack2", 2}});
    // The 1+2 copies of a small object sit in three different zones.
    std::set<std::string> small_zones;
    for (NodeIndex n : version.ShardNodes(p, ObjectClass::kSmall)) {
      small_zones.insert(version.nodes()[n].zone);
    }
    CHECK(small_zones.size() == 3);
  }
  CheckZoneLoss(version);
}

TEST_CASE("Placement: too few zones for the profile is reported, not hidden", "[layout]") {
  std::vector<NodeRole> roles;
  for (int i = 0; i < 8; ++i) {
    roles.push_back({.id = testing::NodeName(i),
                     .zone = absl::StrCat("z", i % 2),
                     .capacity_bytes = testing::kGiB});
  }
  Layout layout = testing::StagedLayout(64, roles, Profile{4, 2});
  absl::StatusOr<ApplyReport> report = layout.Apply();
  REQUIRE(report.ok());
  CHECK(!report->survives_zone_loss);
  CHECK(report->max_shards_per_zone == 3);
  REQUIRE(!report->notes.empty());
  CHECK_THAT(report->notes[0], Catch::Contains("losing a whole zone can lose objects"));
  // Still spread as evenly as the profile allows: 3 and 3.
  CHECK(testing::RuleViolations(layout.current()).empty());
}

}  // namespace
}  // namespace hamster::layout
