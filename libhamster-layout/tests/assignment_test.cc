// Property tests of Apply over seeded random clusters (1-60 nodes, 1-6 zones,
// capacities 1:20): the rules always hold, every node holds its exact share
// to within one partition-shard, and the result is deterministic.

#include <catch2/catch.hpp>
#include <random>

#include "test_util.h"

namespace hamster::layout {
namespace {

using testing::ClusterOptions;
using testing::RandomCluster;
using testing::StagedLayout;

constexpr uint32_t kPartitions = 256;

// Whether the zone rule can be met, counted independently of the library:
// each zone holds at most min(nodes in it, ceil(width / zones)) shards of a
// partition, and together they must hold all `width`.
bool ZoneRuleFeasible(const std::vector<NodeRole>& roles, int width) {
  std::map<std::string, int> zone_size;
  for (const NodeRole& role : roles) {
    if (role.storage()) ++zone_size[role.zone];
  }
  const int zones = int(zone_size.size());
  const int upper = (width + zones - 1) / zones;
  int room = 0;
  for (const auto& [zone, size] : zone_size) room += std::min(size, upper);
  return room >= width;
}

// Applies `roles` to a new layout; returns false (after checking the error
// is the documented one) when the zone rule cannot be met.
bool ApplyOrExplain(Layout& layout, const std::vector<NodeRole>& roles) {
  absl::StatusOr<ApplyReport> report = layout.Apply();
  const int storage = testing::StorageCount(roles);
  const Profile profile = LadderProfile(DefaultLadder(), storage);
  if (!ZoneRuleFeasible(roles, profile.shard_count())) {
    REQUIRE(report.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK_THAT(std::string(report.status().message()),
               Catch::Contains("the zone rule cannot be met"));
    return false;
  }
  REQUIRE(report.ok());
  return true;
}

// Returns the largest deviation from an exact share, in slots.
double CheckShares(const LayoutVersion& version) {
  const std::vector<double> exact = testing::ExactShares(version);
  const std::vector<int64_t> counts = testing::SlotCounts(version);
  double worst = 0;
  for (size_t i = 0; i < exact.size(); ++i) {
    if (!version.nodes()[i].storage()) {
      CHECK(counts[i] == 0);
      continue;
    }
    INFO("node " << version.nodes()[i].id << " holds " << counts[i] << " slots, exact share "
                 << exact[i]);
    CHECK(std::abs(double(counts[i]) - exact[i]) <= 1.0 + 1e-9);
    worst = std::max(worst, std::abs(double(counts[i]) - exact[i]));
  }
  return worst;
}

double CheckRandomCluster(uint64_t seed, const ClusterOptions& options) {
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  const std::vector<NodeRole> roles = RandomCluster(rng, options);
  Layout layout = StagedLayout(kPartitions, roles);
  if (!ApplyOrExplain(layout, roles)) return 0;
  const LayoutVersion& version = layout.current();
  CHECK(version.profile() == LadderProfile(DefaultLadder(), testing::StorageCount(roles)));
  const std::vector<std::string> problems = testing::RuleViolations(version);
  INFO((problems.empty() ? "" : problems[0]));
  CHECK(problems.empty());
  return CheckShares(version);
}

TEST_CASE("Apply: random clusters keep invariant 2, the zone rule and capacity shares",
          "[layout]") {
  const uint64_t seed = GENERATE(range(1, 41));
  CheckRandomCluster(seed, ClusterOptions{.gateway_percent = 10});
}

TEST_CASE("Apply: random clusters keep the rules (1,000 seeds)", "[layout][.slow]") {
  double worst = 0;
  for (uint64_t seed = 1000; seed < 2000; ++seed) {
    worst = std::max(worst, CheckRandomCluster(seed, ClusterOptions{.gateway_percent = 10}));
  }
  WARN("largest deviation from an exact share: " << worst << " slots");
}

TEST_CASE("Apply: without binding limits each node holds its capacity share to one slot",
          "[layout]") {
  const uint64_t seed = GENERATE(1, 2, 3, 4, 5);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  // Three zones with the same capacities: no zone is held to the zone rule's
  // bounds, and 10+4 over 30+ nodes keeps every node under one slot per
  // partition, so the exact share is the plain capacity share.
  std::vector<NodeRole> roles;
  const int per_zone = 10 + int(rng() % 10);
  std::vector<int64_t> units(per_zone);
  for (int64_t& unit : units) unit = 1 + int64_t(rng() % 20);
  for (int zone = 0; zone < 3; ++zone) {
    for (int i = 0; i < per_zone; ++i) {
      roles.push_back({.id = testing::NodeName(zone * per_zone + i),
                       .zone = absl::StrCat("z", zone),
                       .capacity_bytes = units[i] * testing::kGiB});
    }
  }
  Layout layout = StagedLayout(kPartitions, roles);
  REQUIRE(layout.Apply().ok());
  const LayoutVersion& version = layout.current();
  const std::vector<int64_t> counts = testing::SlotCounts(version);
  double total = 0;
  for (const NodeRole& role : roles) total += double(role.capacity_bytes);
  const double slots = double(kPartitions) * version.width();
  for (size_t i = 0; i < version.nodes().size(); ++i) {
    const double share = slots * double(version.nodes()[i].capacity_bytes) / total;
    INFO("node " << version.nodes()[i].id << " holds " << counts[i] << ", share " << share);
    CHECK(std::abs(double(counts[i]) - share) <= 1.0 + 1e-9);
  }
  // The report says the same: no node is fuller than another by more than
  // the rounding of one slot.
  const ApplyReport report = DescribeVersion(version);
  for (const NodeUsage& node : report.nodes) {
    CHECK(node.fill_at_usable_capacity <= 1.0);
    CHECK(std::abs(node.data_share - node.capacity_share) * slots <= 1.0 + 1e-9);
  }
}

TEST_CASE("Apply: same input, same bytes, whatever the order of staging", "[layout]") {
  const uint64_t seed = GENERATE(11, 12, 13, 14, 15, 16);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  std::vector<NodeRole> roles = RandomCluster(rng, ClusterOptions{.min_nodes = 8});
  Layout first = StagedLayout(kPartitions, roles);
  std::shuffle(roles.begin(), roles.end(), rng);
  Layout second = StagedLayout(kPartitions, roles);
  absl::StatusOr<ApplyReport> a = first.Apply();
  absl::StatusOr<ApplyReport> b = second.Apply();
  REQUIRE(a.status() == b.status());
  if (!a.ok()) return;  // an infeasible zone rule, the same on both
  CHECK(first.Serialize() == second.Serialize());
  // And a change on top of it, also staged in two orders.
  std::vector<NodeRole> more;
  for (int i = 0; i < 3; ++i) {
    more.push_back({.id = absl::StrCat("new", i),
                    .zone = roles[rng() % roles.size()].zone,
                    .capacity_bytes = int64_t(1 + rng() % 20) * testing::kGiB});
  }
  for (const NodeRole& role : more) REQUIRE(first.StageAdd(role).ok());
  REQUIRE(first.StageRemove(roles[0].id).ok());
  REQUIRE(second.StageRemove(roles[0].id).ok());
  for (auto it = more.rbegin(); it != more.rend(); ++it) REQUIRE(second.StageAdd(*it).ok());
  a = first.Apply();
  b = second.Apply();
  REQUIRE(a.status() == b.status());
  CHECK(first.Serialize() == second.Serialize());
}

TEST_CASE("Apply: applying the same change twice is a no-op", "[layout]") {
  const uint64_t seed = GENERATE(21, 22, 23, 24);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  const std::vector<NodeRole> roles = RandomCluster(rng, ClusterOptions{.min_nodes = 6});
  Layout layout = StagedLayout(kPartitions, roles);
  if (!ApplyOrExplain(layout, roles)) return;
  NodeRole bigger = roles[rng() % roles.size()];
  bigger.capacity_bytes = bigger.storage() ? bigger.capacity_bytes * 2 : 0;
  const NodeRole added{.id = "added", .zone = roles[0].zone, .capacity_bytes = 3 * testing::kGiB};
  for (int round = 0; round < 2; ++round) {
    INFO("round " << round);
    REQUIRE(layout.StageAssign(bigger).ok());
    REQUIRE(layout.StageAssign(added).ok());
    const Version before = layout.current().version();
    const std::vector<uint8_t> bytes = layout.Serialize();
    absl::StatusOr<ApplyReport> report = layout.Apply();
    REQUIRE(report.ok());
    if (round == 0) {
      CHECK(report->changed);
      CHECK(layout.current().version() == before + 1);
    } else {
      // The second time the staged roles equal the current ones: nothing
      // staged, nothing applied, not one byte different.
      CHECK(!report->changed);
      CHECK(report->moved_shard_count == 0);
      CHECK(layout.current().version() == before);
      CHECK(layout.Serialize() == bytes);
    }
  }
}

// One random role change for `layout`: add, remove, resize, move zone, or
// turn a node into a gateway and back.
void StageRandomChange(std::mt19937_64& rng, Layout& layout, int& next_id) {
  const std::vector<NodeRole> roles = layout.StagedRoles();
  const NodeRole& some = roles[rng() % roles.size()];
  switch (rng() % 5) {
    case 0:
      REQUIRE(layout
                  .StageAdd({.id = absl::StrCat("x", next_id++),
                             .zone = absl::StrCat("z", rng() % 4),
                             .capacity_bytes = int64_t(1 + rng() % 20) * testing::kGiB})
                  .ok());
      break;
    case 1:
      if (roles.size() > 8) REQUIRE(layout.StageRemove(some.id).ok());
      break;
    case 2:
      if (some.storage()) {
        NodeRole resized = some;
        resized.capacity_bytes = int64_t(1 + rng() % 20) * testing::kGiB;
        REQUIRE(layout.StageUpdate(resized).ok());
      }
      break;
    case 3: {
      NodeRole moved = some;
      moved.zone = absl::StrCat("z", rng() % 4);
      REQUIRE(layout.StageUpdate(moved).ok());
      break;
    }
    default: {
      NodeRole flipped = some;
      flipped.kind = some.storage() ? NodeKind::kGateway : NodeKind::kStorage;
      flipped.capacity_bytes = some.storage() ? 0 : 5 * testing::kGiB;
      REQUIRE(layout.StageUpdate(flipped).ok());
    }
  }
}

void CheckChangeSequence(uint64_t seed, int steps) {
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  ClusterOptions options{.min_nodes = 12, .max_nodes = 40, .max_zones = 4};
  Layout layout = StagedLayout(kPartitions, RandomCluster(rng, options));
  if (!layout.Apply().ok()) return;  // an infeasible first cluster
  int next_id = 0;
  for (int step = 0; step < steps; ++step) {
    INFO("step " << step);
    StageRandomChange(rng, layout, next_id);
    const std::vector<uint8_t> before = layout.Serialize();
    absl::StatusOr<ApplyReport> report = layout.Apply();
    if (!report.ok()) {
      // Refused changes (zone rule, live versions) leave the layout as it was.
      CHECK(report.status().code() == absl::StatusCode::kFailedPrecondition);
      layout.RevertStaged();
      Layout reverted = *Layout::Parse(before);
      reverted.RevertStaged();
      CHECK(layout.Serialize() == reverted.Serialize());
      continue;
    }
    const std::vector<std::string> problems = testing::RuleViolations(layout.current());
    INFO((problems.empty() ? "" : problems[0]));
    REQUIRE(problems.empty());
    CheckShares(layout.current());
    CHECK(report->moved_shard_count >= report->minimum_moved_shard_count);
    // Finish the migration now and then, so transitions both pile up and close.
    if (rng() % 2 == 0) {
      for (uint32_t p = 0; p < kPartitions; ++p) {
        REQUIRE(layout.MarkSynced(layout.current().version(), p).ok());
      }
      CHECK(!layout.TransitionOpen());
    }
  }
}

TEST_CASE("Apply: random sequences of changes keep the rules", "[layout]") {
  const uint64_t seed = GENERATE(31, 32, 33, 34);
  CheckChangeSequence(seed, 8);
}

TEST_CASE("Apply: random sequences of changes keep the rules (long)", "[layout][.slow]") {
  for (uint64_t seed = 100; seed < 150; ++seed) CheckChangeSequence(seed, 30);
}

}  // namespace
}  // namespace hamster::layout
