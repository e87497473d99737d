#ifndef HAMSTER_LAYOUT_TYPES_H_
#define HAMSTER_LAYOUT_TYPES_H_

// The vocabulary of the cluster layout: nodes with their role, zone and
// capacity, and erasure-coding profiles (k data + m parity shards).
//
// Thread safety: plain values; copy freely.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace hamster::layout {

// An index into one LayoutVersion's node table (LayoutVersion::nodes()).
// Indices are only meaningful within the version that produced them.
using NodeIndex = uint16_t;
using Version = uint64_t;

// Bounds on everything a layout holds, so every loop over a record is bounded
// and a hostile record cannot make a reader allocate without limit.
inline constexpr int kMaxNodeCount = 16384;
inline constexpr uint32_t kMaxPartitionCount = 65536;
inline constexpr int kMaxShardCount = 32;  // k + m, as libhamster-ec's Codec
inline constexpr size_t kMaxNameBytes = 128;
// A layout keeps at most this many versions live at once; Apply refuses to
// open another transition beyond it (finish migrating first).
inline constexpr int kMaxLiveVersionCount = 8;

enum class NodeKind : uint8_t {
  kStorage = 1,  // holds shards; has a capacity
  kGateway = 2,  // serves S3 but holds no data
};

std::string_view NodeKindName(NodeKind kind);

struct NodeRole {
  std::string id;    // unique in the layout; letters, digits, '.', '_', '-', ':'
  std::string zone;  // failure domain (rack, room, site); same character set
  NodeKind kind = NodeKind::kStorage;
  // Storage nodes: the bytes of shards the node may hold, > 0. Only ratios
  // between nodes matter to the assignment. Gateways: 0. Signed so that a
  // negative figure from a caller is reported, not wrapped into a huge one.
  int64_t capacity_bytes = 0;

  bool storage() const { return kind == NodeKind::kStorage; }
  bool operator==(const NodeRole&) const = default;
};

// Returns InvalidArgument naming the node and the field unless the id and
// zone are 1..kMaxNameBytes characters of the allowed set, a storage node has
// capacity > 0 and a gateway has capacity 0.
absl::Status ValidateNodeRole(const NodeRole& role);

// k + m: an object (or a stripe of it) is cut into k data shards and m parity
// shards, on k + m distinct nodes; any k of them rebuild it.
struct Profile {
  int data_shard_count = 1;    // k
  int parity_shard_count = 0;  // m

  int shard_count() const { return data_shard_count + parity_shard_count; }
  bool operator==(const Profile&) const = default;
};

// "4+2".
std::string ProfileName(const Profile& profile);

// Returns InvalidArgument, naming the profile, unless k >= 1, m >= 0 and
// k + m <= kMaxShardCount.
absl::Status ValidateProfile(const Profile& profile);

}  // namespace hamster::layout

#endif  // HAMSTER_LAYOUT_TYPES_H_
