#ifndef HAMSTER_LAYOUT_PROFILE_H_
#define HAMSTER_LAYOUT_PROFILE_H_

// The profile ladder: the default k+m for a cluster of a given number of
// storage nodes, and the small-object rule. docs/adr/0008 gives the reasons
// for each step and compares them with MinIO's parity defaults.
//
// Thread safety: pure functions on values.

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "hamster/layout/types.h"

namespace hamster::layout {

// From `min_storage_node_count` storage nodes upwards (until the next step),
// new objects are written with `profile`.
struct LadderStep {
  int min_storage_node_count = 1;
  Profile profile;
  bool operator==(const LadderStep&) const = default;
};

// 1 node 1+0, 2 nodes 1+1, 3 nodes 2+1, 4-5 nodes 2+2, 6-8 nodes 4+2,
// 9-11 nodes 6+3, 12-15 nodes 8+4, 16 and more 10+4.
std::vector<LadderStep> DefaultLadder();

// Objects smaller than this are written 1+m (replicated) instead of k+m.
inline constexpr uint64_t kDefaultSmallObjectThresholdBytes = 64 * 1024;

// Returns InvalidArgument, naming the step, unless the ladder is non-empty,
// starts at 1 node, has strictly increasing node counts, valid profiles no
// wider than their step's node count, and never lowers k or m as the cluster
// grows (so growing a cluster never weakens new objects).
absl::Status ValidateLadder(std::span<const LadderStep> ladder);

// The profile of the last step whose min_storage_node_count <= count.
// REQUIRES: ValidateLadder(ladder).ok() and storage_node_count >= 1.
Profile LadderProfile(std::span<const LadderStep> ladder, int storage_node_count);

// The small-object rule: the same parity count with one data shard, i.e.
// 1 + m full copies. Same tolerance (any m shards may be lost), fewer and
// larger shards than k+m for an object too small to be worth striping.
inline Profile SmallObjectProfile(const Profile& profile) {
  return Profile{.data_shard_count = 1, .parity_shard_count = profile.parity_shard_count};
}

// The most shards of one object that any single zone holds when a partition
// of `shard_count` shards is spread over `zone_count` zones under the zone
// rule: ceil(shard_count / zone_count). REQUIRES: both >= 1.
inline int MaxShardsPerZone(int shard_count, int zone_count) {
  return (shard_count + zone_count - 1) / zone_count;
}

// True when losing any one whole zone leaves at least k of the k+m shards of
// every object: MaxShardsPerZone(k + m, zones) <= m.
inline bool SurvivesZoneLoss(const Profile& profile, int zone_count) {
  return zone_count >= 1 &&
         MaxShardsPerZone(profile.shard_count(), zone_count) <= profile.parity_shard_count;
}

}  // namespace hamster::layout

#endif  // HAMSTER_LAYOUT_PROFILE_H_
