#include "sim_cluster.h"

#include <algorithm>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "linearizability.h"
#include "nemesis.h"

namespace hamster::sim {
namespace {

constexpr size_t kMaxPendingEvents = 100'000;
constexpr uint64_t kMaxEvents = 3'000'000;

}  // namespace

SimCluster::SimCluster(const ScenarioOptions& options, uint64_t seed, bool verbose)
    : options_(options),
      seed_(seed),
      random_(seed),
      trace_(verbose),
      network_(loop_, random_.Fork(), options.network),
      clients_(loop_, random_.Fork(), trace_, *this, options.clients) {}

std::vector<raft::NodeId> SimCluster::NodeIds() {
  std::vector<raft::NodeId> ids;
  for (const auto& [id, node] : nodes_) {
    if (!node->shut_down()) ids.push_back(id);
  }
  return ids;
}

std::vector<raft::NodeId> SimCluster::UpIds() {
  std::vector<raft::NodeId> ids;
  for (const auto& [id, node] : nodes_) {
    if (node->up()) ids.push_back(id);
  }
  return ids;
}

SimRaftNode* SimCluster::Node(raft::NodeId id) {
  auto it = nodes_.find(id);
  if (it == nodes_.end() || it->second->shut_down()) return nullptr;
  return it->second.get();
}

SimRaftNode* SimCluster::FindLeader() {
  SimRaftNode* leader = nullptr;
  raft::Term best = 0;
  for (const auto& [id, node] : nodes_) {
    if (!node->up() || node->soft_state().role != raft::Role::kLeader) continue;
    const raft::Term term = node->status().hard_state.term;
    if (leader == nullptr || term > best) {
      leader = node.get();
      best = term;
    }
  }
  return leader;
}

SimRaftNode& SimCluster::CreateNode(raft::NodeId id, raft::ConfState bootstrap) {
  auto node = std::make_unique<SimRaftNode>(
      id, std::move(bootstrap),
      NodeEnv{.loop = &loop_, .network = &network_, .checker = &checker_, .trace = &trace_},
      random_.Fork(), options_.node);
  node->on_membership_applied = [this](raft::NodeId at, const raft::ConfChangeEntry& change) {
    OnMembershipApplied(at, change);
  };
  SimRaftNode& created = *node;
  nodes_[id] = std::move(node);
  next_id_ = std::max(next_id_, id + 1);
  return created;
}

SimRaftNode& SimCluster::AddNode() {
  SimRaftNode& node = CreateNode(next_id_, raft::ConfState{});
  node.Start();
  return node;
}

void SimCluster::OnMembershipApplied(raft::NodeId at, const raft::ConfChangeEntry& change) {
  (void)at;
  if (change.change.type != raft::ConfChangeType::kRemoveNode) return;
  const raft::NodeId removed = change.change.node_id;
  if (!removed_.insert(removed).second) return;
  // The removal is committed: the operator shuts the node down a little later (it may still
  // be talking to the others until then).
  loop_.After(random_.Range(0, 300 * kMillisecond), [this, removed] {
    auto it = nodes_.find(removed);
    if (it != nodes_.end() && !it->second->shut_down()) it->second->Shutdown();
  });
}

bool SimCluster::RunPhase(Duration length, const std::function<bool()>& done) {
  bool finished = false;
  Time checked = -1;
  loop_.RunUntil(loop_.Now() + length, [&] {
    // Runs need far fewer events: messages are multiplying or ping-ponging (answers
    // triggering requests without progress), which would otherwise run for hours.
    if (loop_.pending() > kMaxPendingEvents || loop_.events_run() > kMaxEvents) {
      checker_.Fail(absl::StrCat("message storm: ", loop_.pending(), " events pending, ",
                                 loop_.events_run(), " run"));
    }
    // The phase's goal is evaluated once per millisecond of virtual time at most.
    if (done && loop_.Now() >= checked + kMillisecond) {
      checked = loop_.Now();
      finished = done();
    }
    return !checker_.failure().empty() || finished;
  });
  return finished;
}

void SimCluster::Heal() {
  network_.Heal();
  network_.options() = options_.network;
  for (const auto& [id, node] : nodes_) {
    if (!node->shut_down() && !node->up()) node->Start();
  }
  Log("heal: network healed, every node up");
}

bool SimCluster::Converged() {
  SimRaftNode* leader = FindLeader();
  if (leader == nullptr) return false;
  const raft::NodeStatus status = leader->status();
  std::vector<raft::NodeId> members = status.conf_state.voters;
  members.insert(members.end(), status.conf_state.learners.begin(),
                 status.conf_state.learners.end());
  if (leader->applied() != status.hard_state.commit) return false;
  for (raft::NodeId id : members) {
    SimRaftNode* node = Node(id);
    if (node == nullptr || !node->up() || node->applied() != status.hard_state.commit) {
      return false;
    }
  }
  return true;
}

std::string SimCluster::CheckFinalState() {
  SimRaftNode* leader = FindLeader();
  const raft::ConfState conf = leader->status().conf_state;
  for (const std::vector<raft::NodeId>* ids : {&conf.voters, &conf.learners}) {
    for (raft::NodeId id : *ids) {
      if (!(Node(id)->kv() == leader->kv())) {
        return absl::StrCat("state machine safety: node ", id, " and leader ", leader->id(),
                            " applied up to ", leader->applied(), " but hold different data");
      }
    }
  }
  LinearizabilityResult linearizable = CheckLinearizable(clients_.History());
  if (!linearizable.linearizable) {
    return absl::StrCat("linearizability", linearizable.exhausted ? " (undecided)" : "", ": ",
                        linearizable.explanation);
  }
  return "";
}

std::string SimCluster::DescribeNodes() {
  std::ostringstream out;
  for (const auto& [id, node] : nodes_) {
    out << "\n  node " << id << ": ";
    if (node->shut_down()) {
      out << "shut down";
      continue;
    }
    if (!node->up()) {
      out << "down";
      continue;
    }
    const raft::NodeStatus s = node->status();
    out << RoleName(s.soft_state.role) << " term " << s.hard_state.term << " leader "
        << s.soft_state.leader_id << " commit " << s.hard_state.commit << " applied "
        << node->applied() << " last " << s.last_index << " voters {"
        << absl::StrJoin(s.conf_state.voters, ",") << "} learners {"
        << absl::StrJoin(s.conf_state.learners, ",") << "}";
    for (const auto& [peer, p] : s.peers) {
      out << " [" << peer << " match " << p.match << " next " << p.next << " "
          << ProgressStateName(p.state) << "]";
    }
  }
  return out.str();
}

SimResult SimCluster::Result(std::string failure) {
  SimResult result;
  result.ok = failure.empty();
  result.failure = failure.empty() ? "" : failure + "\nnodes:" + DescribeNodes();
  result.trace_tail = trace_.Tail();
  const ClientStats& c = clients_.stats();
  const NetworkStats& n = network_.stats();
  uint64_t snapshots = 0;
  for (const auto& [id, node] : nodes_) snapshots += node->snapshots_installed();
  result.summary = absl::StrCat(
      "scenario ", options_.name, " seed ", seed_, ": ", nodes_.size(), " nodes, ",
      checker_.leaders_seen(), " terms with a leader, commit ", checker_.max_committed(), "; ops ",
      c.ok, " ok ", c.failed, " failed ", c.timed_out, " timed out; messages ", n.sent, " sent ",
      n.dropped, " dropped ", n.duplicated, " duplicated; snapshots installed ", snapshots,
      "; virtual time ", loop_.Now() / kMillisecond, " ms, ", loop_.events_run(), " events");
  return result;
}

SimResult SimCluster::Run() {
  raft::ConfState initial;
  for (int i = 1; i <= options_.initial_voters; ++i) initial.voters.push_back(i);
  for (raft::NodeId id : initial.voters) CreateNode(id, initial).Start();
  Nemesis nemesis(*this);
  nemesis.Start(loop_.Now() + options_.fault_duration);
  clients_.Start();
  RunPhase(options_.fault_duration, {});
  if (!checker_.failure().empty()) return Result(checker_.failure());

  Heal();
  const Time healed = loop_.Now();
  const bool recovered = RunPhase(options_.recovery_deadline, [&] {
    return clients_.last_ok_write() > healed && clients_.last_ok_read() > healed;
  });
  if (!checker_.failure().empty()) return Result(checker_.failure());
  if (!recovered) {
    return Result(absl::StrCat("liveness: no write and read succeeded within ",
                               options_.recovery_deadline / kMillisecond,
                               " ms after the faults were healed"));
  }
  clients_.Stop();
  RunPhase(options_.clients.op_timeout + kSecond, [&] { return clients_.Idle(); });
  const bool converged = RunPhase(10 * kSecond, [&] { return Converged(); });
  if (!checker_.failure().empty()) return Result(checker_.failure());
  if (!converged) return Result("liveness: the members did not converge within 10 s");
  return Result(CheckFinalState());
}

SimResult RunSimulation(const ScenarioOptions& options, uint64_t seed, bool verbose) {
  SimCluster cluster(options, seed, verbose);
  return cluster.Run();
}

}  // namespace hamster::sim
