// A linearizability checker for histories of a key-value store of registers, as clients saw
// them: each operation has an invocation time and either a completion time (ok) or none
// (timeout: it may or may not have taken effect, at any time after its invocation).
// Operations that failed definitely took no effect and are left out of the history.
//
// Keys are independent registers, so each key is checked on its own (linearizability is
// compositional). Per key, the search is the Wing & Gong algorithm with Lowe's memoization
// of (set of linearized operations, register value), as in Knossos and Porcupine.

#ifndef HAMSTER_TESTS_SIM_LINEARIZABILITY_H_
#define HAMSTER_TESTS_SIM_LINEARIZABILITY_H_

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "interfaces.h"

namespace hamster::sim {

inline constexpr Time kNever = std::numeric_limits<Time>::max();

struct KvOperation {
  uint64_t id = 0;  // unique; shown in explanations
  int client = 0;
  bool write = false;
  std::string key;
  // A write's value (unique per write), or the value a read returned; 0 is "never written".
  uint64_t value = 0;
  Time invoke = 0;
  Time complete = kNever;  // kNever: timed out, outcome unknown
};

struct LinearizabilityResult {
  bool linearizable = true;
  // The search gave up (more states than the budget): neither proven nor refuted.
  bool exhausted = false;
  std::string explanation;  // for a violation: the key and its operations
};

// REQUIRES: reads have a completion time (a read with no answer has no effect: drop it).
LinearizabilityResult CheckLinearizable(const std::vector<KvOperation>& history,
                                        uint64_t max_states_per_key = 4'000'000);

std::string DescribeOperation(const KvOperation& operation);

}  // namespace hamster::sim

#endif  // HAMSTER_TESTS_SIM_LINEARIZABILITY_H_
