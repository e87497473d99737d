#include "nemesis.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace hamster::sim {

void Nemesis::Start(Time until) {
  until_ = until;
  ScheduleNext();
}

void Nemesis::ScheduleNext() {
  // Exponential gaps: faults arrive as a Poisson process.
  const double mean = static_cast<double>(cluster_.options().mean_fault_interval);
  const double u = std::max(cluster_.random().Uniform(), 1e-9);
  const auto gap = static_cast<Duration>(-mean * std::log(u));
  cluster_.loop().After(gap, [this] {
    if (cluster_.loop().Now() >= until_) return;
    Inject();
    ScheduleNext();
  });
}

Duration Nemesis::RandomLength(Duration max) {
  return cluster_.random().Range(20 * kMillisecond, std::max(max, 20 * kMillisecond));
}

void Nemesis::Inject() {
  const ScenarioOptions& o = cluster_.options();
  const int weights[] = {o.crash_weight,          o.partition_weight, o.one_way_weight,
                         o.isolate_leader_weight, o.network_weight,   o.membership_weight,
                         o.transfer_weight};
  int total = 0;
  for (int w : weights) total += w;
  if (total == 0) return;
  int pick = static_cast<int>(cluster_.random().Below(total));
  int kind = 0;
  while (pick >= weights[kind]) pick -= weights[kind++];
  switch (kind) {
    case 0:
      // Half the crashes hit a node in the middle of an fsync.
      return cluster_.random().Chance(0.5) ? CrashOne() : CrashDuringSync();
    case 1:
      return PartitionRandom();
    case 2:
      return BlockOneWay();
    case 3:
      return IsolateLeader();
    case 4:
      return DegradeNetwork();
    case 5:
      return ChangeMembership();
    default:
      return TransferLeadership();
  }
}

void Nemesis::CrashOne() {
  const std::vector<raft::NodeId> up = cluster_.UpIds();
  if (up.empty()) return;
  const raft::NodeId id = cluster_.random().Pick(up);
  ++stats_.crashes;
  cluster_.Node(id)->Crash();
  cluster_.loop().After(RandomLength(cluster_.options().max_down), [this, id] {
    SimRaftNode* node = cluster_.Node(id);
    if (node != nullptr) node->Start();
  });
}

void Nemesis::CrashDuringSync() {
  const std::vector<raft::NodeId> up = cluster_.UpIds();
  if (up.empty()) return;
  const raft::NodeId id = cluster_.random().Pick(up);
  ++stats_.crashes;
  // A quick reboot, so the node is back while its peers still act on what it sent.
  const Duration down_for = cluster_.random().Range(1 * kMillisecond, 30 * kMillisecond);
  cluster_.Node(id)->CrashDuringNextSync(down_for, cluster_.random().Chance(0.5));
}

void Nemesis::PartitionRandom() {
  std::vector<raft::NodeId> ids = cluster_.NodeIds();
  if (ids.size() < 2) return;
  std::vector<uint64_t> left, right;
  for (raft::NodeId id : ids) (cluster_.random().Chance(0.5) ? left : right).push_back(id);
  if (left.empty() || right.empty()) return;
  ++stats_.partitions;
  cluster_.network().Partition({left, right});
  cluster_.Log(absl::StrCat("partition {", absl::StrJoin(left, ","), "} | {",
                            absl::StrJoin(right, ","), "}"));
  cluster_.loop().After(RandomLength(cluster_.options().max_partition), [this] {
    cluster_.network().Heal();
    cluster_.Log("partition healed");
  });
}

void Nemesis::BlockOneWay() {
  std::vector<raft::NodeId> ids = cluster_.NodeIds();
  if (ids.size() < 2) return;
  const raft::NodeId from = cluster_.random().Pick(ids);
  raft::NodeId to = from;
  while (to == from) to = cluster_.random().Pick(ids);
  ++stats_.partitions;
  cluster_.network().Block(from, to);
  cluster_.Log(absl::StrCat("link ", from, "->", to, " down (one way)"));
  cluster_.loop().After(RandomLength(cluster_.options().max_partition), [this, from, to] {
    cluster_.network().Unblock(from, to);
    cluster_.Log(absl::StrCat("link ", from, "->", to, " up"));
  });
}

void Nemesis::IsolateLeader() {
  SimRaftNode* leader = cluster_.FindLeader();
  if (leader == nullptr) return;
  std::vector<uint64_t> rest;
  for (raft::NodeId id : cluster_.NodeIds()) {
    if (id != leader->id()) rest.push_back(id);
  }
  ++stats_.partitions;
  cluster_.network().Partition({{leader->id()}, rest});
  cluster_.Log(absl::StrCat("leader ", leader->id(), " isolated"));
  cluster_.loop().After(RandomLength(cluster_.options().max_partition), [this] {
    cluster_.network().Heal();
    cluster_.Log("partition healed");
  });
}

void Nemesis::DegradeNetwork() {
  Random& random = cluster_.random();
  NetworkOptions& net = cluster_.network().options();
  const NetworkOptions base = cluster_.options().network;
  net.loss = random.Uniform() * 0.3;
  net.duplicate = random.Uniform() * 0.1;
  net.max_delay = random.Range(base.max_delay, 60 * kMillisecond);
  net.slow = random.Uniform() * 0.05;
  ++stats_.network_faults;
  cluster_.Log(absl::StrCat("network degraded: loss ", net.loss, " duplicate ", net.duplicate,
                            " max delay ", net.max_delay, "us"));
  cluster_.loop().After(RandomLength(cluster_.options().max_partition), [this, base] {
    cluster_.network().options() = base;
    cluster_.Log("network restored");
  });
}

void Nemesis::ChangeMembership() {
  SimRaftNode* leader = cluster_.FindLeader();
  if (leader == nullptr) return;
  const raft::ConfState conf = leader->status().conf_state;
  const ScenarioOptions& o = cluster_.options();
  std::vector<raft::ConfChange> choices;
  const size_t members = conf.voters.size() + conf.learners.size();
  if (members < static_cast<size_t>(o.max_members)) {
    choices.push_back({.type = raft::ConfChangeType::kAddLearner});  // id chosen below
  }
  for (raft::NodeId learner : conf.learners) {
    if (conf.voters.size() < static_cast<size_t>(o.max_voters)) {
      choices.push_back({.type = raft::ConfChangeType::kAddVoter, .node_id = learner});
    }
    choices.push_back({.type = raft::ConfChangeType::kRemoveNode, .node_id = learner});
  }
  if (conf.voters.size() > 3) {
    for (raft::NodeId voter : conf.voters) {
      choices.push_back({.type = raft::ConfChangeType::kRemoveNode, .node_id = voter});
      choices.push_back({.type = raft::ConfChangeType::kDemoteVoter, .node_id = voter});
    }
  }
  if (choices.empty()) return;
  raft::ConfChange change = cluster_.random().Pick(choices);
  if (change.type == raft::ConfChangeType::kAddLearner) change.node_id = 0;
  ++stats_.membership_proposals;
  SimRaftNode* joining = nullptr;
  if (change.node_id == 0) {
    joining = &cluster_.AddNode();
    change.node_id = joining->id();
  }
  static const char* const kNames[] = {"add learner", "promote", "remove", "demote"};
  const absl::Status proposed = leader->ProposeConfChange(change);
  cluster_.Log(absl::StrCat("membership: ", kNames[static_cast<int>(change.type)], " ",
                            change.node_id, " at leader ", leader->id(), ": ",
                            proposed.ok() ? "proposed" : proposed.ToString()));
  if (proposed.ok()) ++stats_.membership_accepted;
  // A node created for a refused addition never joins; it just sits there idle.
}

void Nemesis::TransferLeadership() {
  SimRaftNode* leader = cluster_.FindLeader();
  if (leader == nullptr) return;
  const std::vector<raft::NodeId> voters = leader->status().conf_state.voters;
  if (voters.size() < 2) return;
  raft::NodeId to = leader->id();
  while (to == leader->id()) to = cluster_.random().Pick(voters);
  ++stats_.transfers;
  const absl::Status requested = leader->TransferLeader(to);
  cluster_.Log(absl::StrCat("transfer leadership ", leader->id(), " -> ", to, ": ",
                            requested.ok() ? "requested" : requested.ToString()));
}

}  // namespace hamster::sim
