#ifndef HAMSTER_LAYOUT_SRC_ASSIGNMENT_H_
#define HAMSTER_LAYOUT_SRC_ASSIGNMENT_H_

// The partition assignment behind Layout::Apply (docs/adr/0007), on plain
// integers: storage nodes numbered 0..N-1, zones 0..Z-1.
//
// 1. Targets: how many of the P * W slots each node holds, a pure function of
//    capacities and zones (ComputeTargets): proportional to capacity by
//    Webster's divisor method, bounded by the zone rule and by one slot per
//    partition per node.
// 2. Assignment: starting from the previous assignment, free the slots that
//    must change (nodes gone, zone rule broken, nodes above target) and give
//    each freed slot to a node below target; when no such node fits a slot,
//    a breadth-first search finds the shortest chain of exchanges that does.
//    Every freed slot is one move, and nodes below target need exactly that
//    many, so the result meets the lower bound on movement except for the
//    extra steps of those chains.

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"

namespace hamster::layout::internal {

inline constexpr int32_t kNoNode = -1;

struct AssignmentProblem {
  uint32_t partition_count = 0;
  int width = 0;  // slots per partition: k + m
  int zone_count = 0;
  std::vector<int64_t> capacity;  // per node, > 0
  std::vector<int> zone;          // per node, in [0, zone_count)
  // The previous assignment in this numbering, partition_count * width
  // entries, kNoNode where its node is gone or the slot is new; empty when
  // there is no previous version.
  std::vector<int32_t> previous;
};

// Shards of one partition per zone: at least `lower`, at most `upper`.
struct ZoneRule {
  int lower = 0;
  int upper = 0;
};
ZoneRule ZoneRuleFor(int width, int zone_count);

// Slots per node. REQUIRES: CheckFeasible(problem).ok().
std::vector<int64_t> ComputeTargets(const AssignmentProblem& problem);

// FailedPrecondition when no assignment can meet the rules: fewer nodes than
// the width, or zones too small for the zone rule. The caller names nodes
// and zones in its own message; this one speaks of counts.
absl::Status CheckFeasible(const AssignmentProblem& problem);

struct AssignmentSolution {
  std::vector<int32_t> slots;    // partition_count * width node numbers
  std::vector<int64_t> targets;  // per node: its slot count in `slots`
  // Slots that nodes must gain to reach their targets from what they kept
  // of the previous assignment: no assignment with these targets moves less.
  int64_t minimum_moves = 0;
  // Moves beyond one per freed slot, made by chains of exchanges.
  int64_t chain_move_count = 0;
};

// Returns FailedPrecondition as CheckFeasible, Internal if the result breaks
// a rule (a bug; it is checked before it is returned).
absl::StatusOr<AssignmentSolution> SolveAssignment(const AssignmentProblem& problem);

// A deterministic 64-bit mix of two values, for tie-breaking that spreads.
uint64_t Mix(uint64_t a, uint64_t b);

}  // namespace hamster::layout::internal

#endif  // HAMSTER_LAYOUT_SRC_ASSIGNMENT_H_
