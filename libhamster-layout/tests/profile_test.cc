#include "hamster/layout/profile.h"

#include <catch2/catch.hpp>

#include "test_util.h"

namespace hamster::layout {
namespace {

TEST_CASE("Ladder: the default profile for each cluster size", "[layout]") {
  REQUIRE(ValidateLadder(DefaultLadder()).ok());
  const std::vector<std::pair<int, std::string>> expected = {
      {1, "1+0"},  {2, "1+1"},   {3, "2+1"},   {4, "2+2"},    {5, "2+2"},
      {6, "4+2"},  {8, "4+2"},   {9, "6+3"},   {11, "6+3"},   {12, "8+4"},
      {15, "8+4"}, {16, "10+4"}, {60, "10+4"}, {1000, "10+4"}};
  for (const auto& [nodes, profile] : expected) {
    INFO(nodes << " nodes");
    CHECK(ProfileName(LadderProfile(DefaultLadder(), nodes)) == profile);
  }
}

TEST_CASE("Ladder: a growing cluster steps up the ladder and says so", "[layout]") {
  Layout layout = testing::StagedLayout(32, {});
  for (int nodes = 1; nodes <= 17; ++nodes) {
    INFO(nodes << " nodes");
    REQUIRE(layout
                .StageAdd(
                    {.id = testing::NodeName(nodes), .zone = "z", .capacity_bytes = testing::kGiB})
                .ok());
    absl::StatusOr<ApplyReport> report = layout.Apply();
    REQUIRE(report.ok());
    // Migration finishes before the next node joins.
    for (uint32_t p = 0; p < layout.partition_count(); ++p) {
      REQUIRE(layout.MarkSynced(layout.current().version(), p).ok());
    }
    CHECK(report->profile == LadderProfile(DefaultLadder(), nodes));
    if (report->previous_version != 0 && report->profile != report->previous_profile) {
      REQUIRE(!report->notes.empty());
      CHECK_THAT(report->notes[0], Catch::Contains("the profile changes from"));
    }
  }
}

TEST_CASE("Ladder: a pinned profile wins over the ladder until unpinned", "[layout]") {
  std::vector<NodeRole> roles;
  for (int i = 0; i < 9; ++i) {
    roles.push_back({.id = testing::NodeName(i), .zone = "z", .capacity_bytes = testing::kGiB});
  }
  Layout layout = testing::StagedLayout(32, roles, Profile{3, 3});
  REQUIRE(layout.Apply().ok());
  CHECK(ProfileName(layout.current().profile()) == "3+3");
  REQUIRE(layout.StageProfile(std::nullopt).ok());
  REQUIRE(layout.Apply().ok());
  CHECK(ProfileName(layout.current().profile()) == "6+3");
}

TEST_CASE("Small-object rule: one data shard with the same parity, below the threshold",
          "[layout]") {
  CHECK(SmallObjectProfile(Profile{4, 2}) == Profile{1, 2});
  CHECK(SmallObjectProfile(Profile{10, 4}) == Profile{1, 4});
  CHECK(SmallObjectProfile(Profile{1, 0}) == Profile{1, 0});
  std::vector<NodeRole> roles;
  for (int i = 0; i < 6; ++i) {
    roles.push_back({.id = testing::NodeName(i), .zone = "z", .capacity_bytes = testing::kGiB});
  }
  Layout layout = testing::StagedLayout(32, roles);
  REQUIRE(layout.Apply().ok());
  const LayoutVersion& version = layout.current();
  CHECK(version.small_object_threshold_bytes() == kDefaultSmallObjectThresholdBytes);
  CHECK(version.ClassForSize(0) == ObjectClass::kSmall);
  CHECK(version.ClassForSize(kDefaultSmallObjectThresholdBytes - 1) == ObjectClass::kSmall);
  CHECK(version.ClassForSize(kDefaultSmallObjectThresholdBytes) == ObjectClass::kLarge);
  CHECK(version.PlaceBySize("k", 100).profile == Profile{1, 2});
  CHECK(version.PlaceBySize("k", 1 << 20).profile == Profile{4, 2});
  // A threshold of 0 turns the rule off.
  layout.StageSmallObjectThreshold(0);
  REQUIRE(layout.Apply().ok());
  CHECK(layout.current().ClassForSize(0) == ObjectClass::kLarge);
}

TEST_CASE("Zone rule: how many shards a zone may hold and when a zone loss is survivable",
          "[layout]") {
  CHECK(MaxShardsPerZone(6, 3) == 2);
  CHECK(MaxShardsPerZone(6, 4) == 2);
  CHECK(MaxShardsPerZone(14, 3) == 5);
  CHECK(MaxShardsPerZone(3, 6) == 1);
  CHECK(SurvivesZoneLoss(Profile{4, 2}, 3));
  CHECK(!SurvivesZoneLoss(Profile{4, 2}, 2));
  CHECK(!SurvivesZoneLoss(Profile{10, 4}, 3));
  CHECK(SurvivesZoneLoss(Profile{10, 4}, 4));
  CHECK(SurvivesZoneLoss(Profile{1, 1}, 2));
  CHECK(!SurvivesZoneLoss(Profile{2, 2}, 1));
  CHECK(!SurvivesZoneLoss(Profile{1, 0}, 5));
}

}  // namespace
}  // namespace hamster::layout
