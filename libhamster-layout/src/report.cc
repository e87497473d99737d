#include "hamster/layout/report.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "hamster/layout/profile.h"

namespace hamster::layout {
namespace {

using Uint128 = unsigned __int128;

// Slot counts per node index of `counted`, over the first `width` slots of
// each partition of `version`; `renumber` maps version's indices to
// counted's (-1: not there).
std::vector<int64_t> CountSlots(const LayoutVersion& version, int width,
                                const std::vector<int>& renumber, size_t node_count) {
  std::vector<int64_t> count(node_count, 0);
  for (uint32_t partition = 0; partition < version.partition_count(); ++partition) {
    const std::span<const NodeIndex> list = version.ShardNodes(partition, ObjectClass::kLarge);
    for (int i = 0; i < std::min<int>(width, list.size()); ++i) {
      if (renumber[list[i]] >= 0) ++count[renumber[list[i]]];
    }
  }
  return count;
}

// For each node of `from`, its index in `to`, or -1.
std::vector<int> Renumber(const LayoutVersion& from, const LayoutVersion& to) {
  std::vector<int> renumber(from.nodes().size(), -1);
  for (size_t i = 0; i < renumber.size(); ++i) {
    if (std::optional<NodeIndex> index = to.FindNode(from.nodes()[i].id)) renumber[i] = *index;
  }
  return renumber;
}

// Counts moved slots into `report` and per node (`usage_of`: by next's index).
void CountMoves(const LayoutVersion& previous, const LayoutVersion& next,
                const std::vector<int>& renumber, ApplyReport& report,
                const std::vector<NodeUsage*>& usage_of) {
  const int old_width = previous.width();
  for (uint32_t partition = 0; partition < next.partition_count(); ++partition) {
    const std::span<const NodeIndex> before = previous.ShardNodes(partition, ObjectClass::kLarge);
    const std::span<const NodeIndex> after = next.ShardNodes(partition, ObjectClass::kLarge);
    for (size_t i = 0; i < after.size(); ++i) {
      if (int(i) >= old_width) {
        ++report.new_slot_count;
        continue;
      }
      const int from = renumber[before[i]];
      if (from == int(after[i])) continue;
      ++report.moved_shard_count;
      ++usage_of[after[i]]->moved_in_count;
      if (from >= 0 && usage_of[from] != nullptr) ++usage_of[from]->moved_out_count;
    }
  }
}

void AddNotes(const LayoutVersion* previous, const LayoutVersion& next, ApplyReport& report) {
  if (previous != nullptr && previous->profile() != next.profile()) {
    report.notes.push_back(absl::StrCat(
        "the profile changes from ", ProfileName(previous->profile()), " to ",
        ProfileName(next.profile()), ": new objects use it, stored objects keep theirs"));
  }
  if (report.zone_count == 1) {
    report.notes.push_back(
        "all storage nodes are in one zone: losing that zone loses every object");
  } else if (!report.survives_zone_loss) {
    report.notes.push_back(absl::StrCat(
        "with ", report.zone_count, " zones a partition keeps up to ", report.max_shards_per_zone,
        " of its ", next.width(), " shards in one zone, more than m = ",
        next.profile().parity_shard_count, ": losing a whole zone can lose objects"));
  }
  // Zones held away from their capacity share by the zone rule.
  std::map<std::string, std::pair<double, double>> zones;  // zone -> (data, capacity) share
  for (const NodeUsage& node : report.nodes) {
    zones[node.zone].first += node.data_share;
    zones[node.zone].second += node.capacity_share;
  }
  for (const auto& [zone, share] : zones) {
    if (std::abs(share.first - share.second) < 0.01) continue;
    report.notes.push_back(absl::StrFormat(
        "zone '%s' holds %.1f%% of the shards with %.1f%% of the capacity: the zone rule sets "
        "how many shards of each partition a zone takes",
        zone, 100 * share.first, 100 * share.second));
  }
  for (const NodeUsage& node : report.nodes) {
    if (node.shard_count == int64_t(next.partition_count()) &&
        node.capacity_share * report.slot_count > double(node.shard_count) + 1) {
      report.notes.push_back(absl::StrCat("node '", node.id,
                                          "' holds a shard of every partition: it cannot take "
                                          "its full capacity share"));
    }
  }
}

void FillShares(const LayoutVersion& next, ApplyReport& report) {
  double total_capacity = 0;
  for (const NodeUsage& node : report.nodes) total_capacity += double(node.capacity_bytes);
  double worst = 0;
  // The usable capacity is bounded by the node with the most bytes per slot
  // of capacity: every partition shard grows at the same rate.
  Uint128 smallest_shard = ~Uint128{0};
  for (NodeUsage& node : report.nodes) {
    node.capacity_share = double(node.capacity_bytes) / total_capacity;
    node.data_share = double(node.shard_count) / double(report.slot_count);
    worst = std::max(worst, node.data_share / node.capacity_share);
    if (node.shard_count > 0) {
      smallest_shard = std::min(smallest_shard, Uint128(node.capacity_bytes) / node.shard_count);
    }
  }
  for (NodeUsage& node : report.nodes) {
    node.fill_at_usable_capacity = node.data_share / node.capacity_share / worst;
  }
  const Uint128 usable =
      smallest_shard * next.partition_count() * Uint128(next.profile().data_shard_count);
  report.usable_capacity_bytes = usable > ~uint64_t{0} ? ~uint64_t{0} : uint64_t(usable);
}

}  // namespace

ApplyReport DescribeChange(const LayoutVersion* previous, const LayoutVersion& next) {
  ApplyReport report;
  report.version = next.version();
  report.previous_version = previous != nullptr ? previous->version() : 0;
  report.changed = previous == nullptr || previous->version() != next.version();
  report.profile = next.profile();
  report.previous_profile = previous != nullptr ? previous->profile() : next.profile();
  report.storage_node_count = next.storage_node_count();
  report.zone_count = next.zone_count();
  report.max_shards_per_zone = MaxShardsPerZone(next.width(), next.zone_count());
  report.survives_zone_loss = SurvivesZoneLoss(next.profile(), next.zone_count());
  report.slot_count = int64_t(next.partition_count()) * next.width();
  const size_t node_count = next.nodes().size();
  std::vector<int> identity(node_count);
  for (size_t i = 0; i < node_count; ++i) identity[i] = int(i);
  const std::vector<int64_t> now = CountSlots(next, next.width(), identity, node_count);
  std::vector<int> renumber;
  std::vector<int64_t> kept(node_count, 0);
  std::vector<int64_t> before(node_count, 0);
  if (previous != nullptr) {
    renumber = Renumber(*previous, next);
    kept = CountSlots(*previous, next.width(), renumber, node_count);
    before = CountSlots(*previous, previous->width(), renumber, node_count);
  }
  std::vector<NodeUsage*> usage_of(node_count, nullptr);
  report.nodes.reserve(node_count);
  for (size_t i = 0; i < node_count; ++i) {
    const NodeRole& role = next.nodes()[i];
    if (!role.storage()) continue;
    report.nodes.push_back(NodeUsage{.id = role.id,
                                     .zone = role.zone,
                                     .capacity_bytes = role.capacity_bytes,
                                     .shard_count = now[i],
                                     .previous_shard_count = before[i]});
    if (previous != nullptr) {
      report.minimum_moved_shard_count += std::max<int64_t>(0, now[i] - kept[i]);
    }
  }
  for (NodeUsage& usage : report.nodes) usage_of[*next.FindNode(usage.id)] = &usage;
  if (previous != nullptr) {
    CountMoves(*previous, next, renumber, report, usage_of);
    // A slot added by a wider profile holds new shards, not moved ones.
    report.minimum_moved_shard_count =
        std::max<int64_t>(0, report.minimum_moved_shard_count - report.new_slot_count);
  }
  FillShares(next, report);
  AddNotes(previous, next, report);
  return report;
}

ApplyReport DescribeVersion(const LayoutVersion& version) {
  return DescribeChange(nullptr, version);
}

std::vector<ShardMove> MovePlan(const LayoutVersion& previous, const LayoutVersion& next) {
  std::vector<ShardMove> moves;
  const size_t partitions = std::min(previous.partition_count(), next.partition_count());
  for (uint32_t partition = 0; partition < partitions; ++partition) {
    const std::span<const NodeIndex> before = previous.ShardNodes(partition, ObjectClass::kLarge);
    const std::span<const NodeIndex> after = next.ShardNodes(partition, ObjectClass::kLarge);
    for (size_t i = 0; i < after.size(); ++i) {
      std::string from = i < before.size() ? previous.nodes()[before[i]].id : std::string();
      const std::string& to = next.nodes()[after[i]].id;
      if (from == to) continue;
      moves.push_back(ShardMove{.partition = partition,
                                .shard_index = int(i),
                                .from_node = std::move(from),
                                .to_node = to});
    }
  }
  return moves;
}

}  // namespace hamster::layout
