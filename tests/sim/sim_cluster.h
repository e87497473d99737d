// The cluster a run builds (see cluster.h): its nodes, membership bookkeeping and phases.

#ifndef HAMSTER_TESTS_SIM_SIM_CLUSTER_H_
#define HAMSTER_TESTS_SIM_SIM_CLUSTER_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "clients.h"
#include "cluster.h"
#include "event_loop.h"
#include "raft_node.h"
#include "random.h"
#include "safety_checker.h"
#include "trace.h"

namespace hamster::sim {

class SimCluster final : public ClientTarget {
 public:
  SimCluster(const ScenarioOptions& options, uint64_t seed, bool verbose);

  SimResult Run();

  std::vector<raft::NodeId> NodeIds() override;
  SimRaftNode* Node(raft::NodeId id) override;
  // Up nodes that are not shut down.
  std::vector<raft::NodeId> UpIds();
  // The up leader with the highest term, or null.
  SimRaftNode* FindLeader();
  // A fresh node with empty storage and a new id, started.
  SimRaftNode& AddNode();

  EventLoop& loop() { return loop_; }
  RaftNetwork& network() { return network_; }
  Random& random() { return random_; }
  const ScenarioOptions& options() const { return options_; }
  void Log(const std::string& line) { trace_.Add(loop_.Now(), line); }

 private:
  SimRaftNode& CreateNode(raft::NodeId id, raft::ConfState bootstrap);
  void OnMembershipApplied(raft::NodeId at, const raft::ConfChangeEntry& change);
  bool RunPhase(Duration length, const std::function<bool()>& done);
  void Heal();
  bool Converged();
  std::string CheckFinalState();
  std::string DescribeNodes();
  SimResult Result(std::string failure);

  ScenarioOptions options_;
  uint64_t seed_;
  EventLoop loop_;
  Random random_;
  Trace trace_;
  SafetyChecker checker_;
  RaftNetwork network_;
  std::map<raft::NodeId, std::unique_ptr<SimRaftNode>> nodes_;
  std::set<raft::NodeId> removed_;
  raft::NodeId next_id_ = 1;
  Clients clients_;
};

}  // namespace hamster::sim

#endif  // HAMSTER_TESTS_SIM_SIM_CLUSTER_H_
