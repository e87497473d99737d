// hamster-sim: runs simulated Raft clusters for chosen seeds, e.g. to replay a failure.
//
//   hamster-sim --scenario=default --seed=17 --verbose
//   hamster-sim --scenario=all --seeds=1-500

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cluster.h"

namespace {

struct Args {
  std::vector<std::string> scenarios = {"default"};
  uint64_t first = 1;
  uint64_t last = 1;
  bool verbose = false;
};

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

bool ParseArgs(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (StartsWith(arg, "--scenario=")) {
      const std::string name = arg.substr(11);
      args.scenarios = name == "all" ? hamster::sim::ScenarioNames() : std::vector{name};
    } else if (StartsWith(arg, "--seed=")) {
      args.first = args.last = std::strtoull(arg.c_str() + 7, nullptr, 10);
    } else if (StartsWith(arg, "--seeds=")) {
      const std::string range = arg.substr(8);
      const size_t dash = range.find('-');
      if (dash == std::string::npos) return false;
      args.first = std::strtoull(range.substr(0, dash).c_str(), nullptr, 10);
      args.last = std::strtoull(range.substr(dash + 1).c_str(), nullptr, 10);
      if (args.last < args.first) return false;
    } else if (arg == "--verbose") {
      args.verbose = true;
    } else {
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args)) {
    std::fprintf(stderr,
                 "usage: hamster-sim [--scenario=NAME|all] [--seed=N | --seeds=A-B] [--verbose]\n"
                 "scenarios: default partitions crashes membership snapshots\n");
    return 2;
  }
  int failures = 0;
  for (const std::string& scenario : args.scenarios) {
    for (uint64_t seed = args.first; seed <= args.last; ++seed) {
      absl::StatusOr<hamster::sim::ScenarioOptions> options =
          hamster::sim::RandomScenario(scenario, seed);
      if (!options.ok()) {
        std::fprintf(stderr, "%s\n", options.status().ToString().c_str());
        return 2;
      }
      const hamster::sim::SimResult result =
          hamster::sim::RunSimulation(*options, seed, args.verbose);
      std::printf("%s %s\n", result.ok ? "ok  " : "FAIL", result.summary.c_str());
      if (result.ok) continue;
      ++failures;
      if (!args.verbose) {
        for (const std::string& line : result.trace_tail) std::printf("  %s\n", line.c_str());
      }
      std::printf("%s\nseed=%llu\n", result.failure.c_str(), static_cast<unsigned long long>(seed));
    }
  }
  return failures == 0 ? 0 : 1;
}
