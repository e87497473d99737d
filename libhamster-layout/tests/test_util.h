#ifndef HAMSTER_LAYOUT_TESTS_TEST_UTIL_H_
#define HAMSTER_LAYOUT_TESTS_TEST_UTIL_H_

// Random clusters and independent checks of a layout's rules, shared by the
// layout tests. The checks recompute everything from the version's public
// view; they share no code with the assignment.

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "hamster/layout/layout.h"

namespace hamster::layout::testing {

inline constexpr int64_t kGiB = int64_t{1} << 30;

struct ClusterOptions {
  int min_nodes = 1;
  int max_nodes = 60;
  int max_zones = 6;
  int max_capacity_ratio = 20;  // capacities vary 1:20
  int gateway_percent = 0;
};

inline std::string NodeName(int i) {
  char name[16];
  std::snprintf(name, sizeof(name), "n%03d", i);
  return name;
}

// Storage nodes n000.. in zones z0..z(zones-1), every zone non-empty when
// nodes >= zones, capacities 1..max_capacity_ratio GiB.
inline std::vector<NodeRole> RandomCluster(std::mt19937_64& rng, const ClusterOptions& options) {
  const int nodes = std::uniform_int_distribution<int>(options.min_nodes, options.max_nodes)(rng);
  const int zones = std::uniform_int_distribution<int>(1, std::min(options.max_zones, nodes))(rng);
  std::vector<NodeRole> roles;
  for (int i = 0; i < nodes; ++i) {
    const int zone = i < zones ? i : int(rng() % zones);
    const int64_t units =
        std::uniform_int_distribution<int64_t>(1, options.max_capacity_ratio)(rng);
    roles.push_back(NodeRole{.id = NodeName(i),
                             .zone = absl::StrCat("z", zone),
                             .kind = NodeKind::kStorage,
                             .capacity_bytes = units * kGiB});
  }
  for (NodeRole& role : roles) {
    if (int(rng() % 100) < options.gateway_percent) {
      role.kind = NodeKind::kGateway;
      role.capacity_bytes = 0;
    }
  }
  // Keep at least one storage node.
  if (std::none_of(roles.begin(), roles.end(), [](const NodeRole& r) { return r.storage(); })) {
    roles[0].kind = NodeKind::kStorage;
    roles[0].capacity_bytes = kGiB;
  }
  return roles;
}

inline int StorageCount(const std::vector<NodeRole>& roles) {
  return int(
      std::count_if(roles.begin(), roles.end(), [](const NodeRole& r) { return r.storage(); }));
}

// Every violation of invariant 2 and the zone rule in `version`, in words.
inline std::vector<std::string> RuleViolations(const LayoutVersion& version) {
  std::vector<std::string> problems;
  std::set<std::string> zones;
  for (const NodeRole& node : version.nodes()) {
    if (node.storage()) zones.insert(node.zone);
  }
  const int zone_count = int(zones.size());
  const int width = version.width();
  const int upper = (width + zone_count - 1) / zone_count;
  const int lower = zone_count <= width ? 1 : 0;
  for (uint32_t p = 0; p < version.partition_count(); ++p) {
    const auto list = version.ShardNodes(p, ObjectClass::kLarge);
    std::set<NodeIndex> distinct(list.begin(), list.end());
    if (int(distinct.size()) != width)
      problems.push_back(absl::StrCat("partition ", p, ": repeats a node"));
    std::map<std::string, int> per_zone;
    for (NodeIndex n : list) {
      if (!version.nodes()[n].storage())
        problems.push_back(absl::StrCat("partition ", p, ": gateway"));
      ++per_zone[version.nodes()[n].zone];
    }
    for (const auto& [zone, count] : per_zone) {
      if (count > upper) {
        problems.push_back(absl::StrCat("partition ", p, ": ", count, " shards in zone ", zone));
      }
    }
    if (lower > 0 && int(per_zone.size()) != zone_count) {
      problems.push_back(
          absl::StrCat("partition ", p, ": spans ", per_zone.size(), " of ", zone_count, " zones"));
    }
  }
  return problems;
}

// Each storage node's exact share of the partitions * width slots under the
// rules (one slot per partition per node; each zone between `lower` and
// `upper` slots per partition), found by bisection on the fill level: the
// real-valued allocation the assignment rounds. Indexed like version.nodes().
inline std::vector<double> ExactShares(const LayoutVersion& version) {
  const auto& nodes = version.nodes();
  std::map<std::string, std::vector<size_t>> zone_nodes;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].storage()) zone_nodes[nodes[i].zone].push_back(i);
  }
  const double partitions = version.partition_count();
  const int width = version.width();
  const int zone_count = int(zone_nodes.size());
  const int upper = (width + zone_count - 1) / zone_count;
  const int lower = zone_count <= width ? 1 : 0;
  auto zone_natural = [&](const std::vector<size_t>& members, double level) {
    double sum = 0;
    for (size_t i : members) sum += std::min(partitions, level * double(nodes[i].capacity_bytes));
    return sum;
  };
  auto zone_load = [&](const std::vector<size_t>& members, double level) {
    const double high = partitions * std::min<double>(upper, members.size());
    return std::clamp(zone_natural(members, level), partitions * lower, high);
  };
  auto solve = [](auto total_at, double target) {
    double low = 0, high = 1;
    while (total_at(high) < target && high < 1e300) high *= 2;
    for (int i = 0; i < 200; ++i) {
      const double mid = (low + high) / 2;
      (total_at(mid) < target ? low : high) = mid;
    }
    return (low + high) / 2;
  };
  const double level = solve(
      [&](double l) {
        double sum = 0;
        for (const auto& [zone, members] : zone_nodes) sum += zone_load(members, l);
        return sum;
      },
      partitions * width);
  std::vector<double> shares(nodes.size(), 0.0);
  for (const auto& [zone, members] : zone_nodes) {
    const double load = zone_load(members, level);
    const double zone_level = solve([&](double l) { return zone_natural(members, l); }, load);
    for (size_t i : members) {
      shares[i] = std::min(partitions, zone_level * double(nodes[i].capacity_bytes));
    }
  }
  return shares;
}

// Slots per node index of `version`.
inline std::vector<int64_t> SlotCounts(const LayoutVersion& version) {
  std::vector<int64_t> counts(version.nodes().size(), 0);
  for (uint32_t p = 0; p < version.partition_count(); ++p) {
    for (NodeIndex n : version.ShardNodes(p, ObjectClass::kLarge)) ++counts[n];
  }
  return counts;
}

// A new layout with `roles` staged (and `pinned` as its profile, if set).
inline Layout StagedLayout(uint32_t partitions, const std::vector<NodeRole>& roles,
                           std::optional<Profile> pinned = std::nullopt) {
  absl::StatusOr<Layout> layout = Layout::Create(partitions);
  if (!layout.ok()) std::abort();
  if (!layout->StageProfile(pinned).ok()) std::abort();
  for (const NodeRole& role : roles) {
    if (!layout->StageAdd(role).ok()) std::abort();
  }
  return *std::move(layout);
}

}  // namespace hamster::layout::testing

#endif  // HAMSTER_LAYOUT_TESTS_TEST_UTIL_H_
