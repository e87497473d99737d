// Transitions: several live versions while data migrates, write and read
// sets, per-partition sync, closing, and versions that only move forward.

#include <catch2/catch.hpp>

#include "test_util.h"

namespace hamster::layout {
namespace {

constexpr uint32_t kPartitions = 64;

Layout SixNodes() {
  std::vector<NodeRole> roles;
  for (int i = 0; i < 6; ++i) {
    roles.push_back({.id = testing::NodeName(i),
                     .zone = absl::StrCat("z", i % 3),
                     .capacity_bytes = 4 * testing::kGiB});
  }
  Layout layout = testing::StagedLayout(kPartitions, roles);
  if (!layout.Apply().ok()) std::abort();
  return layout;
}

std::vector<std::string> Ids(const LayoutVersion& version, const Placement& placement) {
  std::vector<std::string> ids;
  for (NodeIndex n : placement.shard_nodes) ids.push_back(version.nodes()[n].id);
  return ids;
}

void AddNode(Layout& layout, const std::string& id, const std::string& zone = "z1") {
  REQUIRE(layout.StageAdd({.id = id, .zone = zone, .capacity_bytes = 4 * testing::kGiB}).ok());
  REQUIRE(layout.Apply().ok());
}

TEST_CASE("Transition: a new version opens one, and writes go to every live version's set",
          "[layout]") {
  Layout layout = SixNodes();
  CHECK(!layout.TransitionOpen());
  AddNode(layout, "n006");
  REQUIRE(layout.TransitionOpen());
  REQUIRE(layout.live_versions().size() == 2);
  const LayoutVersion& old_version = layout.live_versions()[0];
  const LayoutVersion& new_version = layout.live_versions()[1];
  int changed = 0;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    const std::vector<Placement> writes = layout.WriteSets(p, ObjectClass::kLarge);
    const auto before = Ids(old_version, old_version.PlacePartition(p, ObjectClass::kLarge));
    const auto after = Ids(new_version, new_version.PlacePartition(p, ObjectClass::kLarge));
    if (before == after) {
      // Nothing moves in this partition: synced at once, one set.
      CHECK(layout.SyncedVersion(p) == new_version.version());
      CHECK(writes.size() == 1);
      continue;
    }
    ++changed;
    REQUIRE(writes.size() == 2);
    CHECK(writes[0].layout_version == old_version.version());
    CHECK(writes[1].layout_version == new_version.version());
    CHECK(Ids(old_version, writes[0]) == before);
    CHECK(Ids(new_version, writes[1]) == after);
    // Reads stay on the old set until migration reports the partition synced.
    CHECK(layout.ReadSet(p, ObjectClass::kLarge).layout_version == old_version.version());
  }
  CHECK(changed > 0);
  CHECK(layout.UnsyncedPartitionCount() == uint32_t(changed));
}

TEST_CASE("Transition: closes only after every partition is synced", "[layout]") {
  Layout layout = SixNodes();
  AddNode(layout, "n006");
  const Version newest = layout.current().version();
  std::vector<uint32_t> unsynced;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    if (layout.SyncedVersion(p) != newest) unsynced.push_back(p);
  }
  REQUIRE(unsynced.size() >= 2);
  for (size_t i = 0; i + 1 < unsynced.size(); ++i) {
    REQUIRE(layout.MarkSynced(newest, unsynced[i]).ok());
    CHECK(layout.ReadSet(unsynced[i], ObjectClass::kLarge).layout_version == newest);
    CHECK(layout.TransitionOpen());  // one partition still migrating
  }
  // Marking again is idempotent.
  REQUIRE(layout.MarkSynced(newest, unsynced[0]).ok());
  CHECK(layout.TransitionOpen());
  REQUIRE(layout.MarkSynced(newest, unsynced.back()).ok());
  CHECK(!layout.TransitionOpen());
  CHECK(layout.live_versions().size() == 1);
  CHECK(layout.UnsyncedPartitionCount() == 0);
  for (uint32_t p = 0; p < kPartitions; ++p) {
    CHECK(layout.WriteSets(p, ObjectClass::kLarge).size() == 1);
  }
}

TEST_CASE("Transition: three live versions, and syncing to the newest retires both older ones",
          "[layout]") {
  Layout layout = SixNodes();
  AddNode(layout, "n006");
  AddNode(layout, "n007");
  REQUIRE(layout.live_versions().size() == 3);
  const Version v1 = layout.live_versions()[0].version();
  const Version v2 = layout.live_versions()[1].version();
  const Version v3 = layout.live_versions()[2].version();
  // A partition changed by both versions writes to three sets.
  bool saw_three = false;
  for (uint32_t p = 0; p < kPartitions; ++p) {
    saw_three |= layout.WriteSets(p, ObjectClass::kLarge).size() == 3;
  }
  CHECK(saw_three);
  // Syncing every partition to v2 retires v1 only.
  for (uint32_t p = 0; p < kPartitions; ++p) REQUIRE(layout.MarkSynced(v2, p).ok());
  REQUIRE(layout.live_versions().size() == 2);
  CHECK(layout.live_versions()[0].version() == v2);
  CHECK(layout.MarkSynced(v1, 0).code() == absl::StatusCode::kFailedPrecondition);
  for (uint32_t p = 0; p < kPartitions; ++p) REQUIRE(layout.MarkSynced(v3, p).ok());
  CHECK(!layout.TransitionOpen());
  CHECK(layout.current().version() == v3);
}

TEST_CASE("Transition: an older version cannot be re-applied", "[layout]") {
  Layout layout = SixNodes();
  Layout peer = layout;  // a replica that missed nothing yet
  AddNode(layout, "n006");
  const Version current = layout.current().version();
  // An operator's apply command for the version that was next before.
  REQUIRE(layout.StageAdd({.id = "n007", .zone = "z0", .capacity_bytes = testing::kGiB}).ok());
  absl::StatusOr<ApplyReport> replay = layout.Apply({.expected_version = current});
  REQUIRE(replay.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(replay.status().message()),
             Catch::Contains("an older version is never re-applied"));
  CHECK(layout.Apply({.expected_version = current + 1}).ok());
  // Versions installed from elsewhere: only the next one is accepted.
  REQUIRE(peer.Install(layout.live_versions()[0]).code() ==
          absl::StatusCode::kFailedPrecondition);  // the version peer already has
  const LayoutVersion& v2 = layout.live_versions()[1];
  const LayoutVersion& v3 = layout.live_versions()[2];
  CHECK(peer.Install(v3).code() == absl::StatusCode::kFailedPrecondition);  // a gap
  REQUIRE(peer.Install(v2).ok());
  REQUIRE(peer.Install(v3).ok());
  CHECK(peer.Install(v2).code() == absl::StatusCode::kFailedPrecondition);
  CHECK(peer.current().version() == layout.current().version());
  // Same versions, same sync bookkeeping: the replicas agree byte for byte.
  CHECK(peer.Serialize() == layout.Serialize());
}

TEST_CASE("Transition: a change that moves nothing opens none", "[layout]") {
  Layout layout = SixNodes();
  REQUIRE(layout.StageAdd({.id = "gw", .zone = "z0", .kind = NodeKind::kGateway}).ok());
  absl::StatusOr<ApplyReport> report = layout.Apply();
  REQUIRE(report.ok());
  CHECK(report->changed);
  CHECK(report->moved_shard_count == 0);
  CHECK(!layout.TransitionOpen());
}

TEST_CASE("Transition: bad sync reports and too many live versions are refused", "[layout]") {
  absl::StatusOr<Layout> empty = Layout::Create(kPartitions);
  REQUIRE(empty.ok());
  CHECK(empty->MarkSynced(1, 0).code() == absl::StatusCode::kFailedPrecondition);
  Layout layout = SixNodes();
  const absl::Status out_of_range = layout.MarkSynced(layout.current().version(), kPartitions);
  CHECK(out_of_range.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(out_of_range.message()), Catch::Contains("partition 64 is out of range"));
  CHECK(layout.MarkSynced(layout.current().version() + 1, 0).code() ==
        absl::StatusCode::kFailedPrecondition);
  // Each change opens another transition until kMaxLiveVersionCount are live.
  int added = 0;
  while (int(layout.live_versions().size()) < kMaxLiveVersionCount) {
    AddNode(layout, absl::StrCat("extra", added), absl::StrCat("z", added % 3));
    ++added;
  }
  REQUIRE(layout.StageAdd({.id = "one-more", .zone = "z2", .capacity_bytes = testing::kGiB}).ok());
  absl::StatusOr<ApplyReport> refused = layout.Apply();
  REQUIRE(refused.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK_THAT(std::string(refused.status().message()), Catch::Contains("let migration finish"));
}

}  // namespace
}  // namespace hamster::layout
