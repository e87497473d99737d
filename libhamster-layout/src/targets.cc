// Per-node slot targets: Webster's divisor method (each next slot goes to
// the node with the smallest (slots + 1/2) / capacity), which keeps every
// node within about one slot of its exact capacity share and never takes a
// slot from a node because another node grew (no population paradox), so a
// change moves only what it must.

#include <algorithm>
#include <cassert>
#include <queue>

#include "absl/strings/str_cat.h"
#include "assignment.h"

namespace hamster::layout::internal {
namespace {

using Uint128 = unsigned __int128;

struct Allocation {
  std::vector<int64_t> node_load;
  std::vector<int64_t> zone_load;
};

// True if node a should get the next slot before node b.
bool Before(const AssignmentProblem& problem, const std::vector<int64_t>& load, int a, int b) {
  const Uint128 lhs = Uint128(2 * load[a] + 1) * Uint128(problem.capacity[b]);
  const Uint128 rhs = Uint128(2 * load[b] + 1) * Uint128(problem.capacity[a]);
  if (lhs != rhs) return lhs < rhs;
  return a < b;
}

// Gives `count` slots one at a time to the eligible node first in Webster
// order among `nodes`. Returns how many it could not place (all ineligible).
template <typename Eligible>
int64_t Allocate(const AssignmentProblem& problem, const std::vector<int>& nodes, int64_t count,
                 Allocation& allocation, Eligible eligible) {
  auto later = [&](int a, int b) { return Before(problem, allocation.node_load, b, a); };
  std::priority_queue<int, std::vector<int>, decltype(later)> heap(later);
  for (int node : nodes) {
    if (eligible(node)) heap.push(node);
  }
  // Each iteration either places a slot or drops a node for good: bounded by
  // count + nodes.size().
  while (count > 0 && !heap.empty()) {
    const int node = heap.top();
    heap.pop();
    if (!eligible(node)) continue;
    ++allocation.node_load[node];
    ++allocation.zone_load[problem.zone[node]];
    --count;
    if (eligible(node)) heap.push(node);
  }
  return count;
}

}  // namespace

uint64_t Mix(uint64_t a, uint64_t b) {
  uint64_t x = a * 0x9e3779b97f4a7c15 ^ (b + 0x632be59bd9b4e019);
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9;
  x ^= x >> 27;
  x *= 0x94d049bb133111eb;
  x ^= x >> 31;
  return x;
}

ZoneRule ZoneRuleFor(int width, int zone_count) {
  assert(width >= 1 && zone_count >= 1);
  return ZoneRule{.lower = zone_count <= width ? 1 : 0,
                  .upper = (width + zone_count - 1) / zone_count};
}

absl::Status CheckFeasible(const AssignmentProblem& problem) {
  const int node_count = int(problem.capacity.size());
  if (node_count < problem.width) {
    return absl::FailedPreconditionError(
        absl::StrCat("needs ", problem.width, " storage nodes, the layout has ", node_count));
  }
  std::vector<int> zone_size(problem.zone_count, 0);
  for (int zone : problem.zone) ++zone_size[zone];
  const ZoneRule rule = ZoneRuleFor(problem.width, problem.zone_count);
  int64_t room = 0;
  for (int size : zone_size) room += std::min(size, rule.upper);
  if (room < problem.width) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the zone rule allows at most ", rule.upper, " shards per zone, and the zones' nodes hold ",
        room, " of the ", problem.width, " shards of a partition"));
  }
  return absl::OkStatus();
}

std::vector<int64_t> ComputeTargets(const AssignmentProblem& problem) {
  const int node_count = int(problem.capacity.size());
  const int64_t partitions = problem.partition_count;
  const ZoneRule rule = ZoneRuleFor(problem.width, problem.zone_count);
  std::vector<std::vector<int>> zone_nodes(problem.zone_count);
  std::vector<int64_t> zone_limit(problem.zone_count, 0);
  for (int node = 0; node < node_count; ++node) zone_nodes[problem.zone[node]].push_back(node);
  for (int zone = 0; zone < problem.zone_count; ++zone) {
    zone_limit[zone] = partitions * std::min<int64_t>(rule.upper, zone_nodes[zone].size());
  }
  Allocation allocation{.node_load = std::vector<int64_t>(node_count, 0),
                        .zone_load = std::vector<int64_t>(problem.zone_count, 0)};
  auto below_one_per_partition = [&](int node) { return allocation.node_load[node] < partitions; };
  int64_t remaining = partitions * problem.width;
  // The zone rule's lower bound first: each zone holds a shard of every
  // partition, shared among its own nodes in the same Webster order, so the
  // result equals one allocation with that floor.
  if (rule.lower > 0) {
    for (int zone = 0; zone < problem.zone_count; ++zone) {
      const int64_t left = Allocate(problem, zone_nodes[zone], partitions * rule.lower, allocation,
                                    below_one_per_partition);
      assert(left == 0);
      (void)left;
      remaining -= partitions * rule.lower;
    }
  }
  std::vector<int> all(node_count);
  for (int node = 0; node < node_count; ++node) all[node] = node;
  const int64_t left = Allocate(problem, all, remaining, allocation, [&](int node) {
    return below_one_per_partition(node) &&
           allocation.zone_load[problem.zone[node]] < zone_limit[problem.zone[node]];
  });
  assert(left == 0);  // CheckFeasible: the zones have room for every slot
  (void)left;
  return allocation.node_load;
}

}  // namespace hamster::layout::internal
