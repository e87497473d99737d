// Bad input is a clear error naming the problem, and changes nothing.

#include <catch2/catch.hpp>

#include "test_util.h"

namespace hamster::layout {
namespace {

using Catch::Contains;

NodeRole Storage(const std::string& id, const std::string& zone, int64_t capacity) {
  return {.id = id, .zone = zone, .kind = NodeKind::kStorage, .capacity_bytes = capacity};
}

Layout ThreeNodes() {
  Layout layout =
      testing::StagedLayout(32, {Storage("a", "z", testing::kGiB), Storage("b", "z", testing::kGiB),
                                 Storage("c", "z", testing::kGiB)});
  if (!layout.Apply().ok()) std::abort();
  return layout;
}

void CheckError(const absl::Status& status, absl::StatusCode code, const std::string& text) {
  INFO(status);
  CHECK(status.code() == code);
  CHECK_THAT(std::string(status.message()), Contains(text));
}

TEST_CASE("Bad input: an unknown node", "[layout]") {
  Layout layout = ThreeNodes();
  CheckError(layout.StageRemove("ghost"), absl::StatusCode::kNotFound,
             "node 'ghost' is not in the layout");
  CheckError(layout.StageUpdate(Storage("ghost", "z", testing::kGiB)), absl::StatusCode::kNotFound,
             "node 'ghost' is not in the layout");
  REQUIRE(layout.StageRemove("a").ok());
  CheckError(layout.StageUpdate(Storage("a", "z", 2 * testing::kGiB)), absl::StatusCode::kNotFound,
             "node 'a' is staged to be removed");
  CHECK(layout.staged_changes().size() == 1);
}

TEST_CASE("Bad input: zero or negative capacity", "[layout]") {
  Layout layout = ThreeNodes();
  for (int64_t capacity : {int64_t{0}, int64_t{-1}, int64_t{-5} * testing::kGiB}) {
    INFO("capacity " << capacity);
    CheckError(layout.StageAdd(Storage("d", "z", capacity)), absl::StatusCode::kInvalidArgument,
               absl::StrCat("node 'd': capacity must be > 0, not ", capacity));
    CheckError(layout.StageUpdate(Storage("a", "z", capacity)), absl::StatusCode::kInvalidArgument,
               "capacity must be > 0");
  }
  CheckError(
      layout.StageAdd({.id = "g", .zone = "z", .kind = NodeKind::kGateway, .capacity_bytes = 10}),
      absl::StatusCode::kInvalidArgument, "a gateway holds no data");
  CHECK(!layout.has_staged_changes());
}

TEST_CASE("Bad input: duplicate node ids", "[layout]") {
  Layout layout = ThreeNodes();
  CheckError(layout.StageAdd(Storage("a", "z", testing::kGiB)), absl::StatusCode::kInvalidArgument,
             "node 'a' is already in the layout (version 1)");
  REQUIRE(layout.StageAdd(Storage("d", "z", testing::kGiB)).ok());
  CheckError(layout.StageAdd(Storage("d", "y", testing::kGiB)), absl::StatusCode::kInvalidArgument,
             "node 'd' is already staged to be added");
  // A version built from parts with a repeated id.
  LayoutVersion::Parts parts = layout.current().parts();
  parts.version = 2;
  parts.nodes[1].id = parts.nodes[0].id;
  CheckError(LayoutVersion::Create(parts).status(), absl::StatusCode::kInvalidArgument,
             "duplicate node id 'a'");
}

TEST_CASE("Bad input: a profile wider than the storage nodes", "[layout]") {
  Layout layout = ThreeNodes();
  REQUIRE(layout.StageProfile(Profile{4, 2}).ok());
  absl::StatusOr<ApplyReport> report = layout.Apply();
  CheckError(report.status(), absl::StatusCode::kFailedPrecondition,
             "profile 4+2 needs 6 storage nodes, the layout has 3");
  CHECK(layout.current().version() == 1);  // nothing applied
  CheckError(layout.StageProfile(Profile{0, 2}), absl::StatusCode::kInvalidArgument,
             "profile 0+2 is out of range");
  CheckError(layout.StageProfile(Profile{30, 3}), absl::StatusCode::kInvalidArgument,
             "profile 30+3 is out of range");
  // Removing nodes below the pinned profile's width is refused the same way.
  Layout pinned = ThreeNodes();
  REQUIRE(pinned.StageProfile(Profile{2, 1}).ok());
  REQUIRE(pinned.Apply().ok());
  REQUIRE(pinned.StageRemove("c").ok());
  CheckError(pinned.Apply().status(), absl::StatusCode::kFailedPrecondition,
             "profile 2+1 needs 3 storage nodes, the layout has 2");
}

TEST_CASE("Bad input: a layout of a newer format version", "[layout]") {
  std::vector<uint8_t> bytes = ThreeNodes().Serialize();
  bytes[4] = 2;  // the format version, little-endian, after "HLAY"
  CheckError(Layout::Parse(bytes).status(), absl::StatusCode::kFailedPrecondition,
             "layout format version 2 is newer than this build reads (1)");
  bytes[4] = 0;
  bytes[5] = 1;
  CheckError(Layout::Parse(bytes).status(), absl::StatusCode::kFailedPrecondition,
             "layout format version 256 is newer");
}

TEST_CASE("Bad input: the zone rule cannot be met", "[layout]") {
  // 2+1 over two zones puts at most 2 shards in a zone; zone 'small' has one
  // node, 'big' two: room for 3, enough. 2+2 needs 4: not enough.
  Layout layout = testing::StagedLayout(
      32, {Storage("a", "big", testing::kGiB), Storage("b", "big", testing::kGiB),
           Storage("c", "small", testing::kGiB)});
  REQUIRE(layout.Apply().ok());
  REQUIRE(layout.StageAdd(Storage("d", "big", testing::kGiB)).ok());  // 4 nodes: 2+2
  CheckError(layout.Apply().status(), absl::StatusCode::kFailedPrecondition,
             "zone 'small' has 1 storage node(s)");
}

TEST_CASE("Bad input: names, kinds, partition counts, ladders", "[layout]") {
  Layout layout = ThreeNodes();
  CheckError(layout.StageAdd(Storage("", "z", 1)), absl::StatusCode::kInvalidArgument,
             "id must be 1 to 128 characters long");
  CheckError(layout.StageAdd(Storage("a/b", "z", 1)), absl::StatusCode::kInvalidArgument,
             "id 'a/b' may contain only");
  CheckError(layout.StageAdd(Storage(std::string(129, 'x'), "z", 1)),
             absl::StatusCode::kInvalidArgument, "1 to 128 characters");
  CheckError(layout.StageAdd(Storage("d", "", 1)), absl::StatusCode::kInvalidArgument,
             "node 'd': zone must be 1 to 128");
  CheckError(layout.StageAdd({.id = "d", .zone = "z", .kind = NodeKind(7), .capacity_bytes = 1}),
             absl::StatusCode::kInvalidArgument, "unknown kind 7");
  CheckError(Layout::Create(0).status(), absl::StatusCode::kInvalidArgument,
             "partition count 0 is out of range");
  CheckError(Layout::Create(kMaxPartitionCount + 1).status(), absl::StatusCode::kInvalidArgument,
             "out of range");
  CheckError(layout.StageLadder({}), absl::StatusCode::kInvalidArgument,
             "must start with a step for 1 node");
  CheckError(layout.StageLadder({{1, {1, 0}}, {4, {1, 1}}, {3, {2, 1}}}),
             absl::StatusCode::kInvalidArgument, "node counts must increase");
  CheckError(layout.StageLadder({{1, {1, 0}}, {6, {4, 2}}, {9, {3, 3}}}),
             absl::StatusCode::kInvalidArgument, "must not lower k or m");
  CheckError(layout.StageLadder({{1, {1, 0}}, {3, {2, 2}}}), absl::StatusCode::kInvalidArgument,
             "needs more nodes than the step starts at");
  absl::StatusOr<Layout> empty = Layout::Create(8);
  REQUIRE(empty.ok());
  CheckError(empty->Apply().status(), absl::StatusCode::kFailedPrecondition, "no storage nodes");
  REQUIRE(empty->StageAdd({.id = "gw", .zone = "z", .kind = NodeKind::kGateway}).ok());
  CheckError(empty->Apply().status(), absl::StatusCode::kFailedPrecondition, "no storage nodes");
}

}  // namespace
}  // namespace hamster::layout

namespace hamster::layout {
namespace {

TEST_CASE("Bad input: versions that break the record's rules", "[layout]") {
  const Layout layout = ThreeNodes();
  const LayoutVersion::Parts good = layout.current().parts();
  REQUIRE(LayoutVersion::Create(good).ok());
  LayoutVersion::Parts parts = good;
  parts.version = 0;
  CheckError(LayoutVersion::Create(parts).status(), absl::StatusCode::kInvalidArgument,
             "layout versions start at 1");
  parts = good;
  std::swap(parts.nodes[0], parts.nodes[1]);
  CheckError(LayoutVersion::Create(parts).status(), absl::StatusCode::kInvalidArgument,
             "nodes are not sorted by id ('a' after 'b')");
  parts = good;
  parts.nodes[2] = {.id = "c", .zone = "z", .kind = NodeKind::kGateway};
  CheckError(LayoutVersion::Create(parts).status(), absl::StatusCode::kInvalidArgument,
             "profile 2+1 needs 3 storage nodes, the layout has 2");
  parts = good;
  parts.assignment[4] = parts.assignment[3];  // partition 1: shards 0 and 1 on one node
  CheckError(LayoutVersion::Create(parts).status(), absl::StatusCode::kInvalidArgument,
             "partition 1 puts shards 0 and 1 on node");
  parts = good;
  parts.assignment.pop_back();
  CheckError(LayoutVersion::Create(parts).status(), absl::StatusCode::kInvalidArgument,
             "the assignment has 95 entries, not 32 partitions x 3 shards");
  // A version of a layout with another partition count cannot be installed.
  absl::StatusOr<Layout> other = Layout::Create(64);
  REQUIRE(other.ok());
  CheckError(other->Install(layout.current()), absl::StatusCode::kInvalidArgument,
             "layout version 1 has 32 partitions, this layout 64");
}

}  // namespace
}  // namespace hamster::layout
