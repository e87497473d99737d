// Injects faults into a SimCluster at random intervals until told to stop; every fault it
// starts, it also ends after a random duration (a crashed node restarts, a partition heals).

#ifndef HAMSTER_TESTS_SIM_NEMESIS_H_
#define HAMSTER_TESTS_SIM_NEMESIS_H_

#include <cstdint>
#include <string>

#include "sim_cluster.h"

namespace hamster::sim {

struct NemesisStats {
  uint64_t crashes = 0;
  uint64_t partitions = 0;
  uint64_t network_faults = 0;
  uint64_t membership_proposals = 0;
  uint64_t membership_accepted = 0;
  uint64_t transfers = 0;
};

class Nemesis {
 public:
  explicit Nemesis(SimCluster& cluster) : cluster_(cluster) {}
  // Injects faults until virtual time `until`.
  void Start(Time until);
  const NemesisStats& stats() const { return stats_; }

 private:
  void ScheduleNext();
  void Inject();
  void CrashOne();
  void CrashDuringSync();
  void PartitionRandom();
  void BlockOneWay();
  void IsolateLeader();
  void DegradeNetwork();
  void ChangeMembership();
  void TransferLeadership();
  Duration RandomLength(Duration max);

  SimCluster& cluster_;
  Time until_ = 0;
  NemesisStats stats_;
};

}  // namespace hamster::sim

#endif  // HAMSTER_TESTS_SIM_NEMESIS_H_
