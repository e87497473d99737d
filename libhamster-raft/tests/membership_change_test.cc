// Membership changes through the log: learners, promotion, removal (of the leader too), the
// one-change-at-a-time and commit-in-term rules, and undoing an overwritten change.

#include <catch2/catch.hpp>

#include "test_util.h"

namespace hamster::raft {
namespace {

using testing::Cluster;

ConfChange Change(ConfChangeType type, NodeId id) {
  return ConfChange{.type = type, .node_id = id};
}

void ProposeChange(Cluster& cluster, NodeId leader, ConfChange change) {
  REQUIRE(cluster.node(leader).ProposeConfChange(change).ok());
  cluster.Stabilize();
}

TEST_CASE("Membership: a learner receives the log but neither votes nor counts", "[raft]") {
  Cluster cluster({1, 2, 3});
  cluster.AddEmptyNode(4);
  cluster.Elect(1);
  ProposeChange(cluster, 1, Change(ConfChangeType::kAddLearner, 4));
  cluster.Propose(1, "x");
  const ConfState want{.voters = {1, 2, 3}, .learners = {4}};
  for (NodeId id : {1, 2, 3, 4}) {
    INFO("node " << id);
    CHECK(cluster.node(id).status().conf_state == want);
    CHECK(cluster.node(id).status().hard_state.commit == 3);
  }
  CHECK(cluster.node(1).status().peers.at(4).learner);
  CHECK(cluster.node(4).Campaign().code() == absl::StatusCode::kFailedPrecondition);
  cluster.Stop(2);
  cluster.Stop(3);
  cluster.Propose(1, "y");
  CHECK(cluster.node(4).status().last_index == 4);
  CHECK(cluster.node(1).status().hard_state.commit == 3);  // the learner does not count
}

TEST_CASE("Membership: a learner is promoted only once it has caught up", "[raft]") {
  Cluster cluster({1, 2, 3});
  cluster.AddEmptyNode(4);
  cluster.Elect(1);
  ProposeChange(cluster, 1, Change(ConfChangeType::kAddLearner, 4));
  cluster.Stop(4);
  for (int i = 0; i < 3; ++i) cluster.Propose(1, "x");
  absl::StatusOr<LogPosition> early =
      cluster.node(1).ProposeConfChange(Change(ConfChangeType::kAddVoter, 4));
  CHECK(early.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(early.status().message()).find("has not caught up") != std::string::npos);
  cluster.Start(4);
  cluster.TickAll(2);
  ProposeChange(cluster, 1, Change(ConfChangeType::kAddVoter, 4));
  CHECK(cluster.node(1).status().conf_state == ConfState{.voters = {1, 2, 3, 4}});
  // Three of four voters are now a quorum.
  const LogIndex committed = cluster.node(1).status().hard_state.commit;
  cluster.Stop(2);
  cluster.Stop(3);
  cluster.Propose(1, "y");
  CHECK(cluster.node(1).status().hard_state.commit == committed);
  cluster.Start(3);
  cluster.TickAll(2);
  CHECK(cluster.node(1).status().hard_state.commit == committed + 1);
}

TEST_CASE("Membership: one uncommitted change at a time", "[raft]") {
  Cluster cluster({1, 2, 3});
  cluster.Elect(1);
  cluster.Isolate(1);
  REQUIRE(cluster.node(1).ProposeConfChange(Change(ConfChangeType::kAddLearner, 4)).ok());
  absl::StatusOr<LogPosition> second =
      cluster.node(1).ProposeConfChange(Change(ConfChangeType::kAddLearner, 5));
  CHECK(second.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(second.status().message()).find("not yet committed") != std::string::npos);
  cluster.Heal();
  cluster.Stabilize();
  cluster.TickAll(1);
  CHECK(cluster.node(1).ProposeConfChange(Change(ConfChangeType::kAddLearner, 5)).ok());
}

TEST_CASE("Membership: a new leader changes membership only after committing in its term",
          "[raft]") {
  Cluster cluster({1, 2, 3}, [](Config& c) { c.check_quorum = false; });
  cluster.Elect(1);
  cluster.DropType(MessageType::kAppendResponse);
  REQUIRE(cluster.node(2).Campaign().ok());
  cluster.Stabilize();
  REQUIRE(cluster.Leader() == 2);
  absl::StatusOr<LogPosition> early =
      cluster.node(2).ProposeConfChange(Change(ConfChangeType::kAddLearner, 4));
  CHECK(early.status().code() == absl::StatusCode::kFailedPrecondition);
  cluster.AllowType(MessageType::kAppendResponse);
  cluster.TickAll(1);
  CHECK(cluster.node(2).ProposeConfChange(Change(ConfChangeType::kAddLearner, 4)).ok());
}

TEST_CASE("Membership: removing a voter shrinks the quorum", "[raft]") {
  Cluster cluster({1, 2, 3, 4});
  cluster.Elect(1);
  ProposeChange(cluster, 1, Change(ConfChangeType::kRemoveNode, 4));
  CHECK(cluster.node(1).status().conf_state == ConfState{.voters = {1, 2, 3}});
  CHECK_FALSE(cluster.node(1).status().peers.count(4));
  cluster.Stop(3);
  cluster.Stop(4);
  const LogIndex committed = cluster.node(1).status().hard_state.commit;
  cluster.Propose(1, "x");
  CHECK(cluster.node(1).status().hard_state.commit == committed + 1);
}

TEST_CASE("Membership: a leader that removes itself hands over and steps down", "[raft]") {
  Cluster cluster({1, 2, 3});
  cluster.Elect(1);
  cluster.ClearTrace();
  ProposeChange(cluster, 1, Change(ConfChangeType::kRemoveNode, 1));
  CHECK(cluster.node(1).status().soft_state.role == Role::kFollower);
  const NodeId successor = cluster.Leader();
  CHECK((successor == 2 || successor == 3));
  CHECK(std::find(cluster.trace().begin(), cluster.trace().end(),
                  "TimeoutNow 1->" + std::to_string(successor) + " t1") != cluster.trace().end());
  CHECK(cluster.node(successor).status().conf_state == ConfState{.voters = {2, 3}});
  CHECK(cluster.node(1).Campaign().code() == absl::StatusCode::kFailedPrecondition);
  cluster.Propose(successor, "after");
  CHECK(cluster.node(successor ^ 1).status().hard_state.commit ==
        cluster.node(successor).status().hard_state.commit);
}

TEST_CASE("Membership: an overwritten change is undone on the follower that had it", "[raft]") {
  Cluster cluster({1, 2, 3, 4, 5}, [](Config& c) { c.check_quorum = false; });
  cluster.Elect(1);
  for (NodeId id : {2, 3, 4}) cluster.Cut(1, id);
  REQUIRE(cluster.node(1).ProposeConfChange(Change(ConfChangeType::kAddLearner, 6)).ok());
  cluster.Stabilize();
  CHECK(cluster.node(5).status().conf_state.learners == std::vector<NodeId>{6});
  // 2 wins with 3 and 4; its own entry at the same index replaces the change on 5.
  REQUIRE(cluster.node(2).Campaign().ok());
  cluster.Stabilize();
  REQUIRE(cluster.node(2).status().soft_state.role == Role::kLeader);
  CHECK(cluster.node(5).status().conf_state == ConfState{.voters = {1, 2, 3, 4, 5}});
  CHECK(cluster.node(5).status().last_index == 2);
}

TEST_CASE("Membership: a restarted node recovers membership from its log", "[raft]") {
  Cluster cluster({1, 2, 3});
  cluster.Elect(1);
  ProposeChange(cluster, 1, Change(ConfChangeType::kDemoteVoter, 3));
  cluster.Stop(2);
  cluster.Start(2);
  CHECK(cluster.node(2).status().conf_state == ConfState{.voters = {1, 2}, .learners = {3}});
}

TEST_CASE("Membership: committed change entries decode to the change and the membership",
          "[raft]") {
  Cluster cluster({1, 2, 3});
  cluster.AddEmptyNode(4);
  cluster.Elect(1);
  ProposeChange(
      cluster, 1,
      ConfChange{.type = ConfChangeType::kAddLearner, .node_id = 4, .context = "10.0.0.4"});
  for (NodeId id : {1, 4}) {
    INFO("node " << id);
    const std::vector<Entry>& applied = cluster.peer(id).applied;
    REQUIRE(applied.size() == 2);
    REQUIRE(applied[1].type == EntryType::kConfChange);
    absl::StatusOr<ConfChangeEntry> decoded = DecodeConfChangeEntry(applied[1].data);
    REQUIRE(decoded.ok());
    CHECK(decoded->change.context == "10.0.0.4");
    CHECK(decoded->conf_state == ConfState{.voters = {1, 2, 3}, .learners = {4}});
  }
}

}  // namespace
}  // namespace hamster::raft
