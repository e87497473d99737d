#include "hamster/layout/layout_version.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/str_cat.h"
#include "hamster/layout/profile.h"

namespace hamster::layout {
namespace {

absl::Status CheckNodes(const std::vector<NodeRole>& nodes) {
  if (nodes.size() > size_t(kMaxNodeCount)) {
    return absl::InvalidArgumentError(
        absl::StrCat("a layout holds at most ", kMaxNodeCount, " nodes, not ", nodes.size()));
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (absl::Status valid = ValidateNodeRole(nodes[i]); !valid.ok()) return valid;
    if (i == 0) continue;
    if (nodes[i].id == nodes[i - 1].id) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate node id '", nodes[i].id, "'"));
    }
    if (nodes[i].id < nodes[i - 1].id) {
      return absl::InvalidArgumentError(absl::StrCat("nodes are not sorted by id ('", nodes[i].id,
                                                     "' after '", nodes[i - 1].id, "')"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckAssignment(const LayoutVersion::Parts& parts) {
  const size_t width = parts.profile.shard_count();
  if (parts.assignment.size() != size_t(parts.partition_count) * width) {
    return absl::InvalidArgumentError(absl::StrCat("the assignment has ", parts.assignment.size(),
                                                   " entries, not ", parts.partition_count,
                                                   " partitions x ", width, " shards"));
  }
  for (uint32_t partition = 0; partition < parts.partition_count; ++partition) {
    const NodeIndex* list = &parts.assignment[size_t(partition) * width];
    for (size_t i = 0; i < width; ++i) {
      if (list[i] >= parts.nodes.size() || !parts.nodes[list[i]].storage()) {
        return absl::InvalidArgumentError(
            absl::StrCat("partition ", partition, " shard ", i, " names node index ", list[i],
                         ", which is not a storage node of the layout"));
      }
      for (size_t j = 0; j < i; ++j) {
        if (list[j] == list[i]) {
          return absl::InvalidArgumentError(
              absl::StrCat("partition ", partition, " puts shards ", j, " and ", i, " on node '",
                           parts.nodes[list[i]].id, "' (invariant 2)"));
        }
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

ZoneTable BuildZoneTable(const std::vector<NodeRole>& nodes) {
  ZoneTable table;
  for (const NodeRole& node : nodes) table.zone_names.push_back(node.zone);
  std::sort(table.zone_names.begin(), table.zone_names.end());
  table.zone_names.erase(std::unique(table.zone_names.begin(), table.zone_names.end()),
                         table.zone_names.end());
  for (const NodeRole& node : nodes) {
    table.zone_of_node.push_back(
        int(std::lower_bound(table.zone_names.begin(), table.zone_names.end(), node.zone) -
            table.zone_names.begin()));
  }
  return table;
}

absl::StatusOr<LayoutVersion> LayoutVersion::Create(Parts parts) {
  if (parts.version == 0) return absl::InvalidArgumentError("layout versions start at 1");
  if (parts.partition_count < 1 || parts.partition_count > kMaxPartitionCount) {
    return absl::InvalidArgumentError(absl::StrCat("partition count ", parts.partition_count,
                                                   " is out of range 1..", kMaxPartitionCount));
  }
  if (absl::Status valid = ValidateProfile(parts.profile); !valid.ok()) return valid;
  if (absl::Status valid = CheckNodes(parts.nodes); !valid.ok()) return valid;
  const int storage = int(std::count_if(parts.nodes.begin(), parts.nodes.end(),
                                        [](const NodeRole& node) { return node.storage(); }));
  if (storage < parts.profile.shard_count()) {
    return absl::InvalidArgumentError(absl::StrCat("profile ", ProfileName(parts.profile),
                                                   " needs ", parts.profile.shard_count(),
                                                   " storage nodes, the layout has ", storage));
  }
  if (absl::Status valid = CheckAssignment(parts); !valid.ok()) return valid;
  return LayoutVersion(std::move(parts));
}

LayoutVersion::LayoutVersion(Parts parts) : parts_(std::move(parts)) {
  const ZoneTable zones = BuildZoneTable(parts_.nodes);
  std::vector<bool> storage_zone(zones.zone_names.size(), false);
  for (size_t i = 0; i < parts_.nodes.size(); ++i) {
    if (!parts_.nodes[i].storage()) continue;
    ++storage_node_count_;
    storage_zone[zones.zone_of_node[i]] = true;
  }
  zone_count_ = int(std::count(storage_zone.begin(), storage_zone.end(), true));
  const int width = parts_.profile.shard_count();
  small_width_ = SmallObjectProfile(parts_.profile).shard_count();
  if (small_width_ == width) return;  // k = 1: the small profile is the large one
  // Pick 1 + m of the partition's nodes in list order, each time from a zone
  // with the fewest picks so far, so the copies span as many zones as the
  // list does and losing one zone leaves a copy.
  small_assignment_.reserve(size_t(parts_.partition_count) * small_width_);
  for (uint32_t partition = 0; partition < parts_.partition_count; ++partition) {
    const NodeIndex* list = &parts_.assignment[size_t(partition) * width];
    std::vector<bool> picked(width, false);
    for (int pick = 0; pick < small_width_; ++pick) {
      int best = -1;
      int best_count = 0;
      for (int i = 0; i < width; ++i) {
        if (picked[i]) continue;
        int count = 0;
        for (int j = 0; j < width; ++j) {
          count += picked[j] && zones.zone_of_node[list[j]] == zones.zone_of_node[list[i]];
        }
        if (best < 0 || count < best_count) {
          best = i;
          best_count = count;
        }
      }
      picked[best] = true;
      small_assignment_.push_back(list[best]);
    }
  }
}

Profile LayoutVersion::profile(ObjectClass object_class) const {
  return object_class == ObjectClass::kSmall ? SmallObjectProfile(parts_.profile) : parts_.profile;
}

std::optional<NodeIndex> LayoutVersion::FindNode(std::string_view id) const {
  auto it =
      std::lower_bound(parts_.nodes.begin(), parts_.nodes.end(), id,
                       [](const NodeRole& node, std::string_view key) { return node.id < key; });
  if (it == parts_.nodes.end() || it->id != id) return std::nullopt;
  return NodeIndex(it - parts_.nodes.begin());
}

std::span<const NodeIndex> LayoutVersion::ShardNodes(uint32_t partition,
                                                     ObjectClass object_class) const {
  assert(partition < parts_.partition_count);
  if (object_class == ObjectClass::kSmall && !small_assignment_.empty()) {
    return {&small_assignment_[size_t(partition) * small_width_], size_t(small_width_)};
  }
  const size_t width = parts_.profile.shard_count();
  return {&parts_.assignment[size_t(partition) * width], width};
}

Placement LayoutVersion::PlacePartition(uint32_t partition, ObjectClass object_class) const {
  return Placement{.layout_version = parts_.version,
                   .partition = partition,
                   .profile = profile(object_class),
                   .shard_nodes = ShardNodes(partition, object_class)};
}

}  // namespace hamster::layout
