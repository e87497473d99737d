// Simulated clusters under faults, one run per seed. A failing seed prints the command that
// replays it with a full trace.
//
// Environment: HAMSTER_SIM_SEED=N runs only seed N; HAMSTER_SIM_SEEDS=K runs K seeds per
// scenario; HAMSTER_SIM_FIRST_SEED=F starts at F. Sanitizer builds run fewer seeds.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <sstream>
#include <string>

#include "cluster.h"

namespace hamster::sim {
namespace {

std::optional<uint64_t> EnvNumber(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::strtoull(value, nullptr, 10);
}

std::string FailureReport(const std::string& scenario, uint64_t seed, const SimResult& result) {
  std::ostringstream out;
  out << result.failure << "\n\nlast events:\n";
  const size_t shown = std::min<size_t>(result.trace_tail.size(), 60);
  for (size_t i = result.trace_tail.size() - shown; i < result.trace_tail.size(); ++i) {
    out << "  " << result.trace_tail[i] << "\n";
  }
  out << "\n"
      << result.summary << "\nseed=" << seed << "; replay with the full trace:\n  "
      << HAMSTER_SIM_BINARY << " --scenario=" << scenario << " --seed=" << seed << " --verbose"
      << "\nor: HAMSTER_SIM_SEED=" << seed << " <hamster_sim_tests> 'Sim: " << scenario << "*'";
  return out.str();
}

void RunSeeds(const std::string& scenario, uint64_t first_seed, uint64_t count) {
  if (std::optional<uint64_t> only = EnvNumber("HAMSTER_SIM_SEED")) {
    first_seed = *only;
    count = 1;
  } else {
    if (std::optional<uint64_t> seeds = EnvNumber("HAMSTER_SIM_SEEDS")) {
      count = *seeds;
    } else if (std::getenv("HAMSTER_SIM_SANITIZER") != nullptr) {
      count = std::max<uint64_t>(count / 12, 3);
    }
    if (std::optional<uint64_t> first = EnvNumber("HAMSTER_SIM_FIRST_SEED")) first_seed = *first;
  }
  for (uint64_t seed = first_seed; seed < first_seed + count; ++seed) {
    absl::StatusOr<ScenarioOptions> options = RandomScenario(scenario, seed);
    REQUIRE(options.ok());
    const SimResult result = RunSimulation(*options, seed, false);
    if (!result.ok) FAIL(FailureReport(scenario, seed, result));
  }
  SUCCEED(count << " seeds of scenario " << scenario << " from " << first_seed);
}

TEST_CASE("Sim: default: a bit of every fault: safety, linearizability, recovery", "[sim]") {
  RunSeeds("default", 1, 100);
}

TEST_CASE("Sim: partitions: symmetric, one-way and leader isolation", "[sim]") {
  RunSeeds("partitions", 1, 60);
}

TEST_CASE("Sim: crashes: restarts that lose unsynced writes", "[sim]") {
  RunSeeds("crashes", 1, 60);
}

TEST_CASE("Sim: membership: learners, promotions, removals and transfers under faults", "[sim]") {
  RunSeeds("membership", 1, 60);
}

TEST_CASE("Sim: snapshots: frequent compaction and chunked transfers under faults", "[sim]") {
  RunSeeds("snapshots", 1, 60);
}

TEST_CASE("Sim: long: thousands of seeds of every scenario", "[.long]") {
  const std::string scenario = GENERATE(from_range(ScenarioNames()));
  RunSeeds(scenario, 1'000'000, 2000);
}

}  // namespace
}  // namespace hamster::sim
