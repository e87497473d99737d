#include "hamster/raft/node.h"

#include <catch2/catch.hpp>

#include "test_cluster.h"

namespace hamster::raft {
namespace {

using testing::ClusterOptions;
using testing::Get;
using testing::TestCluster;
using testing::WaitFor;

std::vector<std::string> Values(int first, int last) {
  std::vector<std::string> values;
  for (int i = first; i <= last; ++i) values.push_back("value " + std::to_string(i));
  return values;
}

// Proposes `values` on the leader one by one, retrying while leadership moves.
void ProposeAll(TestCluster& cluster, const std::vector<std::string>& values) {
  for (const std::string& value : values) {
    bool applied = WaitFor([&] {
      const NodeId leader = cluster.WaitForLeader();
      if (leader == kNoNode) return false;
      absl::StatusOr<std::string> result = Get(cluster.node(leader).Propose(value));
      if (result.ok()) REQUIRE(*result == "applied " + value);
      return result.ok();
    });
    REQUIRE(applied);
  }
}

NodeId AFollower(TestCluster& cluster, NodeId leader) {
  for (NodeId id : cluster.running_ids()) {
    if (id != leader) return id;
  }
  return kNoNode;
}

TEST_CASE("Node: three nodes elect a leader and apply proposals in the same order", "[raft_node]") {
  TestCluster cluster(3, ClusterOptions{});
  REQUIRE(cluster.WaitForLeader() != kNoNode);
  ProposeAll(cluster, Values(1, 20));
  CHECK(cluster.WaitForValues(Values(1, 20)));
  const NodeStatus status = cluster.node(cluster.WaitForLeader()).Status();
  CHECK(status.hard_state.commit >= 20);
  CHECK(status.peers.size() == 3);
}

TEST_CASE("Node: a held commit notice goes out after the delay on an idle leader",
          "[raft_node]") {
  TestCluster cluster(3, ClusterOptions{.commit_notice_delay = std::chrono::milliseconds(1)});
  ProposeAll(cluster, Values(1, 1));
  CHECK(WaitFor([&] { return cluster.network().commit_only_delivered() >= 1; }));
  CHECK(cluster.WaitForValues(Values(1, 1)));
}

TEST_CASE("Node: a held commit notice is dropped when the next Append carries the commit",
          "[raft_node]") {
  // Never due: only a later Append (or a heartbeat) can tell the followers.
  TestCluster cluster(3, ClusterOptions{.commit_notice_delay = std::chrono::hours(1)});
  ProposeAll(cluster, Values(1, 5));
  CHECK(cluster.WaitForValues(Values(1, 5)));
  CHECK(cluster.network().commit_only_delivered() == 0);
  // Nor is an empty Append whose answer is still due: the next Append carries its commit too.
  CHECK(cluster.network().entryless_appends_delivered() == 0);
}

TEST_CASE("Node: with no commit notice delay the commit index goes out at once",
          "[raft_node]") {
  TestCluster cluster(3, ClusterOptions{.commit_notice_delay = std::chrono::microseconds(0)});
  ProposeAll(cluster, Values(1, 3));
  CHECK(cluster.WaitForValues(Values(1, 3)));
  CHECK(cluster.network().commit_only_delivered() >= 1);
}

TEST_CASE("Node: a proposal on a follower fails with the leader as a hint", "[raft_node]") {
  TestCluster cluster(3, ClusterOptions{});
  const NodeId leader = cluster.WaitForLeader();
  REQUIRE(leader != kNoNode);
  const NodeId follower = AFollower(cluster, leader);
  absl::StatusOr<std::string> result = Get(cluster.node(follower).Propose("x"));
  REQUIRE(result.status().code() == absl::StatusCode::kUnavailable);
  CHECK(LeaderHint(result.status()) == leader);
  CHECK(Get(cluster.node(leader).Propose("")).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Node: after the leader stops, another is elected and proposals continue",
          "[raft_node]") {
  TestCluster cluster(3, ClusterOptions{});
  ProposeAll(cluster, Values(1, 5));
  const NodeId old_leader = cluster.WaitForLeader();
  cluster.Stop(old_leader);
  const NodeId new_leader = cluster.WaitForLeader();
  REQUIRE(new_leader != kNoNode);
  CHECK(new_leader != old_leader);
  ProposeAll(cluster, Values(6, 10));
  CHECK(cluster.WaitForValues(Values(1, 10)));
}

TEST_CASE("Node: a read index on a follower sees a write acknowledged before it", "[raft_node]") {
  TestCluster cluster(3, ClusterOptions{});
  for (int i = 1; i <= 5; ++i) {
    ProposeAll(cluster, Values(i, i));
    const NodeId follower = AFollower(cluster, cluster.WaitForLeader());
    absl::Status read = Get(cluster.node(follower).ReadIndex());
    if (!read.ok()) {  // leadership moved meanwhile: the documented answer is "retry"
      REQUIRE(read.code() == absl::StatusCode::kUnavailable);
      continue;
    }
    const std::vector<std::string> seen = cluster.state_machine(follower).values();
    CHECK(seen == Values(1, i));
  }
}

TEST_CASE("Node: a node restarted on its RocksDB storage catches up", "[raft_node]") {
  TestCluster cluster(3, ClusterOptions{.rocksdb = true});
  ProposeAll(cluster, Values(1, 10));
  REQUIRE(cluster.WaitForValues(Values(1, 10)));
  const NodeId follower = AFollower(cluster, cluster.WaitForLeader());
  cluster.Stop(follower);
  ProposeAll(cluster, Values(11, 20));
  cluster.Start(follower);
  CHECK(cluster.WaitForValues(Values(1, 20)));
}

TEST_CASE("Node: the commit index reaches storage with the next write and at Stop",
          "[raft_node]") {
  TestCluster cluster(3, ClusterOptions{.rocksdb = true});
  ProposeAll(cluster, Values(1, 5));
  REQUIRE(cluster.WaitForValues(Values(1, 5)));
  const NodeId leader = cluster.WaitForLeader();
  // Each proposal's entries were written with the commit index the one before it reached.
  const LogIndex last = cluster.node(leader).Status().last_index;
  CHECK(cluster.storage(leader).LoadHardState()->commit == last - 1);
  // The last commit index waits for a write that never comes; Stop writes it.
  const LogIndex committed = cluster.node(leader).Status().hard_state.commit;
  REQUIRE(committed == last);
  cluster.Stop(leader);
  CHECK(cluster.storage(leader).LoadHardState()->commit == committed);
}

TEST_CASE("Node: a learner is added, catches up and is promoted to voter", "[raft_node]") {
  TestCluster cluster(3, ClusterOptions{});
  ProposeAll(cluster, Values(1, 10));
  cluster.Start(4);
  NodeId leader = cluster.WaitForLeader();
  REQUIRE(Get(cluster.node(leader).AddLearner(4, TestCluster::Address(4))).ok());
  // AddLearner returns once the leader applied the change; followers apply it when they
  // learn the new commit index, a heartbeat later.
  for (NodeId id : cluster.running_ids()) {
    if (id != 4) CHECK(WaitFor([&] { return cluster.transport(id).peers().count(4) == 1; }));
  }
  REQUIRE(cluster.WaitForValues(Values(1, 10)));
  // Promotion is refused until the learner has caught up with the leader's commit index.
  REQUIRE(WaitFor([&] {
    leader = cluster.WaitForLeader();
    return leader != kNoNode && Get(cluster.node(leader).PromoteToVoter(4)).ok();
  }));
  CHECK(cluster.node(leader).Status().conf_state.voters == std::vector<NodeId>{1, 2, 3, 4});
  ProposeAll(cluster, Values(11, 12));
  CHECK(cluster.WaitForValues(Values(1, 12)));
}

TEST_CASE("Node: a new member catches up by snapshot once the log is compacted", "[raft_node]") {
  TestCluster cluster(3, ClusterOptions{.snapshot_every_entries = 5, .compact_keep_entries = 0});
  ProposeAll(cluster, Values(1, 23));
  const NodeId leader = cluster.WaitForLeader();
  REQUIRE(leader != kNoNode);
  cluster.Start(4);
  REQUIRE(Get(cluster.node(leader).AddLearner(4, TestCluster::Address(4))).ok());
  CHECK(cluster.WaitForValues(Values(1, 23)));
  CHECK(cluster.state_machine(4).restores() >= 1);
  // A member restarted after compaction restores its own snapshot, then replays the rest.
  cluster.Stop(2);
  ProposeAll(cluster, Values(24, 30));
  cluster.Start(2);
  CHECK(cluster.WaitForValues(Values(1, 30)));
  CHECK(cluster.state_machine(2).restores() >= 1);
}

TEST_CASE("Node: Stop fails pending and later requests with kCancelled", "[raft_node]") {
  TestCluster cluster(3, ClusterOptions{});
  ProposeAll(cluster, Values(1, 1));
  const NodeId leader = cluster.WaitForLeader();
  for (NodeId id : cluster.running_ids()) {
    if (id != leader) cluster.Stop(id);
  }
  // Without a quorum the proposal cannot commit; it stays pending until Stop.
  std::future<absl::StatusOr<std::string>> pending = cluster.node(leader).Propose("stuck");
  CHECK(pending.wait_for(std::chrono::milliseconds(50)) == std::future_status::timeout);
  cluster.node(leader).Stop();
  CHECK(Get(std::move(pending)).status().code() == absl::StatusCode::kCancelled);
  CHECK(Get(cluster.node(leader).Propose("late")).status().code() == absl::StatusCode::kCancelled);
  CHECK(Get(cluster.node(leader).ReadIndex()).code() == absl::StatusCode::kCancelled);
  CHECK(cluster.node(leader).health().code() == absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace hamster::raft
