// A whole simulated Raft cluster run from one seed: nodes over the simulated network and
// disks, clients, and a nemesis injecting faults (crashes with lost unsynced writes,
// symmetric and one-way partitions, lossy/duplicating/slow links, membership changes and
// leadership transfers) for a while. Then everything heals and the run must recover: a
// leader, new writes and reads succeeding, every member converging to the same state. Safety
// is checked after every step; linearizability of the clients' history at the end.

#ifndef HAMSTER_TESTS_SIM_CLUSTER_H_
#define HAMSTER_TESTS_SIM_CLUSTER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clients.h"
#include "raft_node.h"
#include "sim_disk.h"
#include "sim_network.h"

namespace hamster::sim {

// Fault mix and sizes; RandomScenario() draws one per seed within a named scenario's ranges.
struct ScenarioOptions {
  std::string name;
  int initial_voters = 3;
  int max_voters = 5;
  int max_members = 7;
  Duration fault_duration = 5 * kSecond;
  Duration recovery_deadline = 30 * kSecond;
  Duration mean_fault_interval = 300 * kMillisecond;
  // Relative weights of the fault kinds.
  int crash_weight = 2;
  int partition_weight = 2;
  int one_way_weight = 1;
  int isolate_leader_weight = 1;
  int network_weight = 1;
  int membership_weight = 1;
  int transfer_weight = 1;
  Duration max_down = 2 * kSecond;
  Duration max_partition = 2 * kSecond;
  NetworkOptions network;
  DiskOptions disk;
  NodeOptions node;
  ClientOptions clients;
};

// The scenarios: "default" (a bit of everything), "partitions", "crashes", "membership",
// "snapshots". Returns InvalidArgument for another name.
absl::StatusOr<ScenarioOptions> RandomScenario(const std::string& name, uint64_t seed);
std::vector<std::string> ScenarioNames();

struct SimResult {
  bool ok = false;
  std::string failure;
  std::vector<std::string> trace_tail;
  std::string summary;
};

SimResult RunSimulation(const ScenarioOptions& options, uint64_t seed, bool verbose);

}  // namespace hamster::sim

#endif  // HAMSTER_TESTS_SIM_CLUSTER_H_
