// Exchange chains for the holes the greedy pass cannot fill, the final
// check, and SolveAssignment.
//
// The assignment is a flow in this network (every edge capacity in []):
//   source -> (p, z)  [lower]          a partition's reserved slot in each zone
//   source -> p       [width - zones * lower]   its flexible slots
//   p -> (p, z)       [upper - lower]  flexible slots taken by zone z
//   (p, z) -> n       [1]              node n of zone z holds a slot of p
//   n -> sink         [target(n)]
// The zone rule's lower bound is the reserved edge, so the network has no
// lower bounds, and a complete assignment is a flow that saturates the
// source. The greedy pass leaves a few units unplaced; for each, a
// breadth-first search in the residual network finds a shortest augmenting
// path, which exists whenever a complete assignment does (Ford-Fulkerson),
// so a hole is never left unfilled while an assignment exists. On the path,
// "(p, z) -> n" is n entering p and "n -> (q, z)" is n leaving q: each node
// on it moves one slot, and only the last one gains a slot.

#include <algorithm>
#include <cassert>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "assigner.h"
#include "assignment.h"

namespace hamster::layout::internal {

int Assigner::FlexibleCount(const PartitionView& view, int zone) const {
  // The first shard of a zone uses its reserved slot when the rule has one.
  const int count = view.tally.Count(zone);
  return rule_.lower > 0 ? std::max(0, count - 1) : count;
}

void Assigner::ApplyChain(const std::vector<Vertex>& path, int terminal) {
  std::vector<const Vertex*> chain;  // from the hole to the terminal node
  for (int i = terminal; i >= 0; i = path[i].parent) chain.push_back(&path[i]);
  std::reverse(chain.begin(), chain.end());
  struct Move {
    int32_t node;
    uint32_t to;
    int64_t from;  // -1: the terminal node, which gains a slot
  };
  std::vector<Move> moves;
  for (size_t k = 0; k < chain.size(); ++k) {
    if (chain[k]->kind != VertexKind::kNode) continue;
    // A node is reached from (to, zone) and, unless it is the last, left
    // towards (from, zone): it joins `to` and leaves `from`.
    assert(k > 0 && chain[k - 1]->kind == VertexKind::kZone);
    const bool last = k + 1 == chain.size();
    moves.push_back({chain[k]->zone_or_node, chain[k - 1]->partition,
                     last ? -1 : int64_t(chain[k + 1]->partition)});
  }
  for (const Move& move : moves) {
    if (move.from < 0) continue;
    int slot = 0;
    while (Slot(uint32_t(move.from), slot) != move.node) ++slot;
    Vacate(uint32_t(move.from), slot);
    ++chain_move_count_;
  }
  for (const Move& move : moves) {
    int slot = 0;
    while (Slot(move.to, slot) != kNoNode) ++slot;
    Place(move.to, slot, move.node);
  }
}

bool Assigner::Seen(std::vector<uint32_t>& stamps, size_t index) {
  if (stamps[index] == generation_) return true;
  stamps[index] = generation_;
  return false;
}

bool Assigner::VisitZone(uint32_t partition, int zone, int parent) {
  const uint64_t key = uint64_t(partition) * zone_count_ + zone;
  if (zone_stamps_.empty() ? !seen_zones_.insert(key).second : Seen(zone_stamps_, key)) {
    return false;
  }
  path_.push_back(
      {.kind = VertexKind::kZone, .partition = partition, .zone_or_node = zone, .parent = parent});
  // A node of the zone below target that the partition lacks ends the path
  // here: (partition, zone) -> node -> sink.
  if (ready_[zone].empty()) return false;
  const int32_t node = FirstReadyOutside(zone, View(partition, -1));
  if (node == kNoNode) return false;
  path_.push_back(
      {.kind = VertexKind::kNode, .zone_or_node = node, .parent = int(path_.size()) - 1});
  ApplyChain(path_, int(path_.size()) - 1);
  return true;
}

void Assigner::ExpandZone(const Vertex& vertex, int index) {
  const int32_t* members = &Slot(vertex.partition, 0);
  auto member = [&](int32_t node) {
    return std::find(members, members + width_, node) != members + width_;
  };
  int zone_count = 0;
  for (int i = 0; i < width_; ++i) {
    zone_count += members[i] != kNoNode && problem_.zone[members[i]] == vertex.zone_or_node;
  }
  // Nodes leave the zone's list once seen, so each search scans a node a
  // bounded number of times (members of the partition stay for later).
  std::vector<int32_t>& unseen = unseen_[vertex.zone_or_node];
  for (size_t i = 0; i < unseen.size();) {
    const int32_t node = unseen[i];
    if (node_stamps_[node] == generation_) {
      unseen[i] = unseen.back();
      unseen.pop_back();
      continue;
    }
    if (member(node)) {
      ++i;
      continue;
    }
    node_stamps_[node] = generation_;
    unseen[i] = unseen.back();
    unseen.pop_back();
    path_.push_back({.kind = VertexKind::kNode, .zone_or_node = node, .parent = index});
  }
  // The partition's flexible slots hold a shard of this zone: it can give
  // that slot to another zone.
  const int flexible = rule_.lower > 0 ? zone_count - 1 : zone_count;
  if (flexible > 0 && !Seen(partition_stamps_, vertex.partition)) {
    path_.push_back(
        {.kind = VertexKind::kPartition, .partition = vertex.partition, .parent = index});
  }
}

bool Assigner::Augment(uint32_t partition) {
  if (node_stamps_.empty()) {
    node_stamps_.assign(load_.size(), 0);
    partition_stamps_.assign(partition_count_, 0);
    // Dense stamps when partitions x zones is small enough, a hash set else.
    if (uint64_t(partition_count_) * zone_count_ <= (uint64_t{1} << 22)) {
      zone_stamps_.assign(size_t(partition_count_) * zone_count_, 0);
    }
  }
  ++generation_;
  seen_zones_.clear();
  path_.clear();
  unseen_ = zone_nodes_;
  const PartitionView start = View(partition, -1);
  for (int zone = 0; zone < zone_count_ && rule_.lower > 0; ++zone) {
    if (start.tally.Count(zone) == 0 && VisitZone(partition, zone, -1)) return true;
  }
  if (start.holes > start.lacking) {
    Seen(partition_stamps_, partition);
    path_.push_back({.kind = VertexKind::kPartition, .partition = partition, .parent = -1});
  }
  const int flexible_capacity = rule_.upper - rule_.lower;
  // Every vertex enters path_ at most once: the loop is bounded by
  // partitions x (zones + 1) + nodes.
  for (size_t i = 0; i < path_.size(); ++i) {
    const Vertex vertex = path_[i];
    const int index = int(i);
    if (vertex.kind == VertexKind::kPartition) {
      const PartitionView view = View(vertex.partition, -1);
      for (int zone = 0; zone < zone_count_; ++zone) {
        if (FlexibleCount(view, zone) < flexible_capacity &&
            VisitZone(vertex.partition, zone, index)) {
          return true;
        }
      }
    } else if (vertex.kind == VertexKind::kZone) {
      ExpandZone(vertex, index);
    } else {
      const int32_t node = vertex.zone_or_node;
      for (uint32_t p : positions_[node]) {
        if (VisitZone(p, problem_.zone[node], index)) return true;
      }
    }
  }
  return false;
}

absl::Status Assigner::Check() const {
  std::vector<int64_t> count(load_.size(), 0);
  for (uint32_t partition = 0; partition < partition_count_; ++partition) {
    const PartitionView view = View(partition, -1);
    for (int i = 0; i < width_; ++i) {
      const int32_t node = view.members[i];
      if (node == kNoNode) {
        return absl::InternalError(
            absl::StrCat("partition ", partition, " shard ", i, " has no node"));
      }
      for (int j = 0; j < i; ++j) {
        if (view.members[j] == node) {
          return absl::InternalError(
              absl::StrCat("partition ", partition, " has two shards on node ", node));
        }
      }
      if (view.tally.Count(problem_.zone[node]) > rule_.upper) {
        return absl::InternalError(absl::StrCat("partition ", partition, " has ",
                                                view.tally.Count(problem_.zone[node]),
                                                " shards in zone ", problem_.zone[node]));
      }
      ++count[node];
    }
    if (view.lacking > 0) {
      return absl::InternalError(
          absl::StrCat("partition ", partition, " misses ", view.lacking, " zone(s)"));
    }
  }
  for (size_t node = 0; node < count.size(); ++node) {
    if (count[node] != targets_[node]) {
      return absl::InternalError(absl::StrCat("node ", node, " holds ", count[node],
                                              " slots, its target is ", targets_[node]));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<AssignmentSolution> SolveAssignment(const AssignmentProblem& problem) {
  assert(problem.previous.empty() ||
         problem.previous.size() == size_t(problem.partition_count) * problem.width);
  if (absl::Status feasible = CheckFeasible(problem); !feasible.ok()) return feasible;
  AssignmentSolution solution;
  solution.targets = ComputeTargets(problem);
  std::vector<int64_t> kept(problem.capacity.size(), 0);
  for (int32_t node : problem.previous) {
    if (node != kNoNode) ++kept[node];
  }
  for (size_t node = 0; node < kept.size(); ++node) {
    solution.minimum_moves += std::max<int64_t>(0, solution.targets[node] - kept[node]);
  }
  Assigner assigner(problem, solution.targets);
  if (absl::Status done = assigner.Run(); !done.ok()) return done;
  solution.chain_move_count = assigner.chain_move_count();
  solution.slots = assigner.TakeSlots();
  return solution;
}

}  // namespace hamster::layout::internal
