#ifndef HAMSTER_LAYOUT_LAYOUT_VERSION_H_
#define HAMSTER_LAYOUT_LAYOUT_VERSION_H_

// A LayoutVersion is one immutable version of the cluster layout: its nodes
// (with zone, kind and capacity), its profile, and for each of a fixed number
// of partitions an ordered list of storage nodes, one per shard of the
// profile. An object's key hashes to a partition (KeyHash); the partition's
// list says which node holds which shard. Versions are made by Layout::Apply
// and are never edited afterwards.
//
// Placement is pure and allocation-free: the per-partition lists for the
// large-object and small-object profiles are precomputed, so a lookup is one
// hash and one array index.
//
// Thread safety: immutable; share freely. Spans and pointers returned by a
// LayoutVersion stay valid as long as it lives.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hamster/layout/hash.h"
#include "hamster/layout/types.h"

namespace hamster::layout {

// Which of a version's two profiles an object uses (the small-object rule).
enum class ObjectClass : uint8_t {
  kLarge = 0,  // k + m: the version's profile
  kSmall = 1,  // 1 + m: replicated (see SmallObjectProfile)
};

// Where the shards of one object go in one layout version.
struct Placement {
  Version layout_version = 0;
  uint32_t partition = 0;
  Profile profile;
  // shard_nodes[i] holds shard i (data shards first, then parity):
  // LayoutVersion::nodes()[shard_nodes[i]]. Borrowed from the LayoutVersion.
  std::span<const NodeIndex> shard_nodes;
};

class LayoutVersion {
 public:
  // The parts of a version. Create() checks them; Layout::Apply fills them.
  struct Parts {
    Version version = 0;
    uint32_t partition_count = 0;
    Profile profile;
    uint64_t small_object_threshold_bytes = 0;
    std::vector<NodeRole> nodes;  // sorted by id, ids unique
    // partition_count * profile.shard_count() entries: partition p's list is
    // [p * width, (p + 1) * width). Storage nodes only, distinct within a
    // partition.
    std::vector<NodeIndex> assignment;
  };

  // Returns InvalidArgument naming the first problem: version 0, a partition
  // count or profile out of range, an invalid or duplicate node, nodes not
  // sorted, fewer storage nodes than the profile's shards, an assignment of
  // the wrong length, naming a gateway or an unknown index, or two shards of
  // one partition on one node (invariant 2).
  static absl::StatusOr<LayoutVersion> Create(Parts parts);

  Version version() const { return parts_.version; }
  uint32_t partition_count() const { return parts_.partition_count; }
  const Profile& profile() const { return parts_.profile; }
  Profile profile(ObjectClass object_class) const;
  int width() const { return parts_.profile.shard_count(); }
  uint64_t small_object_threshold_bytes() const { return parts_.small_object_threshold_bytes; }
  const std::vector<NodeRole>& nodes() const { return parts_.nodes; }
  int storage_node_count() const { return storage_node_count_; }
  int zone_count() const { return zone_count_; }  // zones with storage nodes
  const Parts& parts() const { return parts_; }

  std::optional<NodeIndex> FindNode(std::string_view id) const;

  // kSmall below the small-object threshold, kLarge otherwise.
  ObjectClass ClassForSize(uint64_t object_size_bytes) const {
    return object_size_bytes < parts_.small_object_threshold_bytes ? ObjectClass::kSmall
                                                                   : ObjectClass::kLarge;
  }

  // `key` is whatever names the object for placement: its bucket and key, or
  // the bytes of its data id. Every version with the same partition count
  // maps a key to the same partition.
  uint32_t PartitionOf(std::string_view key) const {
    return PartitionOfHash(KeyHash(key), parts_.partition_count);
  }

  // The nodes for the shards of an object of `object_class` in `partition`,
  // shard i on element i. For kLarge, the partition's whole list. For kSmall,
  // 1 + m nodes of that list picked in list order while spreading over as
  // many zones as the list has. REQUIRES: partition < partition_count().
  std::span<const NodeIndex> ShardNodes(uint32_t partition, ObjectClass object_class) const;

  Placement Place(std::string_view key, ObjectClass object_class) const {
    return PlacePartition(PartitionOf(key), object_class);
  }
  Placement PlaceBySize(std::string_view key, uint64_t object_size_bytes) const {
    return Place(key, ClassForSize(object_size_bytes));
  }
  // REQUIRES: partition < partition_count().
  Placement PlacePartition(uint32_t partition, ObjectClass object_class) const;

 private:
  explicit LayoutVersion(Parts parts);

  Parts parts_;
  int storage_node_count_ = 0;
  int zone_count_ = 0;
  int small_width_ = 0;
  std::vector<NodeIndex> small_assignment_;  // partition_count * small_width_
};

// The zone index of every node of `version` (storage and gateway), zones
// numbered in name order over all nodes; and the zone names.
struct ZoneTable {
  std::vector<int> zone_of_node;
  std::vector<std::string> zone_names;
};
ZoneTable BuildZoneTable(const std::vector<NodeRole>& nodes);

}  // namespace hamster::layout

#endif  // HAMSTER_LAYOUT_LAYOUT_VERSION_H_
