#ifndef HAMSTER_LAYOUT_REPORT_H_
#define HAMSTER_LAYOUT_REPORT_H_

// What a layout change does: per node partitions and expected usage against
// capacity, how many partition-shards move, and the move plan, for operators
// to review before applying a change (hamster-layout plan) and for the
// cluster to drive migration.
//
// Thread safety: pure functions on values.

#include <cstdint>
#include <string>
#include <vector>

#include "hamster/layout/layout_version.h"
#include "hamster/layout/types.h"

namespace hamster::layout {

struct NodeUsage {
  std::string id;
  std::string zone;
  int64_t capacity_bytes = 0;
  // Partition-shards (one shard slot of one partition) the node holds in this
  // version, and in the version it replaces (0 when new).
  int64_t shard_count = 0;
  int64_t previous_shard_count = 0;
  int64_t moved_in_count = 0;   // slots it gains: data copied to it
  int64_t moved_out_count = 0;  // slots it loses: data copied away from it
  double capacity_share = 0;    // its capacity / all storage capacity
  double data_share = 0;        // shard_count / all slots: its share of stored shards
  // How full the node is when the fullest node (relative to its capacity) is
  // full: data_share / capacity_share over the largest such ratio. 1.0 for
  // the nodes that bound the cluster's usable capacity.
  double fill_at_usable_capacity = 0;
};

struct ApplyReport {
  Version version = 0;           // the new version, or the current one when !changed
  Version previous_version = 0;  // 0 for the first version
  bool changed = false;          // false: the staged changes changed nothing
  Profile profile;
  Profile previous_profile;
  int storage_node_count = 0;
  int zone_count = 0;
  int max_shards_per_zone = 0;      // the zone rule for this version
  bool survives_zone_loss = false;  // every object keeps >= k shards when a zone is lost
  int64_t slot_count = 0;           // partitions * (k + m)
  // Slots whose node changed: each is one partition-shard of data copied.
  int64_t moved_shard_count = 0;
  // The fewest moves any assignment with these per-node slot counts could
  // make: the slots nodes must gain. moved_shard_count meets it unless the
  // constraints forced a chain of exchanges.
  int64_t minimum_moved_shard_count = 0;
  // Slots added because the profile grew wider: new shards, nothing copied.
  int64_t new_slot_count = 0;
  // User bytes storable before the first node is full (every partition the
  // same size, the profile's k/(k+m) efficiency).
  uint64_t usable_capacity_bytes = 0;
  std::vector<NodeUsage> nodes;  // storage nodes, sorted by id
  // Things an operator should know: a profile change, a zone rule that does
  // not survive a zone loss, nodes or zones held away from their share.
  std::vector<std::string> notes;
};

// Usage of `version` on its own (as if nothing moved into it).
ApplyReport DescribeVersion(const LayoutVersion& version);

// The report for `next` replacing `previous` (nullptr for the first version).
ApplyReport DescribeChange(const LayoutVersion* previous, const LayoutVersion& next);

// One partition-shard to copy: shard `shard_index` of `partition` leaves
// `from_node` (empty: a new slot, nothing to copy) for `to_node`.
struct ShardMove {
  uint32_t partition = 0;
  int shard_index = 0;
  std::string from_node;
  std::string to_node;
  bool operator==(const ShardMove&) const = default;
};

// Every slot whose node differs between the versions, by partition then shard.
std::vector<ShardMove> MovePlan(const LayoutVersion& previous, const LayoutVersion& next);

}  // namespace hamster::layout

#endif  // HAMSTER_LAYOUT_REPORT_H_
