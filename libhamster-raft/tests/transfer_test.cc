// Leadership transfer.

#include <catch2/catch.hpp>

#include "test_util.h"

namespace hamster::raft {
namespace {

using testing::Cluster;

TEST_CASE("Transfer: an up-to-date voter gets TimeoutNow and wins at once", "[raft]") {
  Cluster cluster({1, 2, 3});
  cluster.Elect(1);
  cluster.ClearTrace();
  REQUIRE(cluster.node(1).TransferLeader(2).ok());
  cluster.Stabilize();
  CHECK(cluster.trace()[0] == "TimeoutNow 1->2 t1");
  // The election skips pre-vote and is marked so voters ignore their leader lease.
  CHECK(cluster.trace()[1] == "Vote 2->1 t2 last=1@1 transfer");
  CHECK(cluster.Leader() == 2);
  CHECK(cluster.node(2).status().hard_state.term == 2);
}

TEST_CASE("Transfer: a lagging voter catches up first", "[raft]") {
  Cluster cluster({1, 2, 3});
  cluster.Elect(1);
  cluster.Cut(1, 3);
  for (int i = 0; i < 3; ++i) cluster.Propose(1, "p");
  cluster.Heal();
  cluster.ClearTrace();
  REQUIRE(cluster.node(1).TransferLeader(3).ok());
  CHECK(cluster.node(1).status().transferee == 3);
  // While the transfer runs the leader takes no proposals.
  CHECK(cluster.node(1).Propose("q").status().code() == absl::StatusCode::kUnavailable);
  cluster.Stabilize();
  CHECK(cluster.Leader() == 3);
  CHECK(std::find(cluster.trace().begin(), cluster.trace().end(), "TimeoutNow 1->3 t1") !=
        cluster.trace().end());
  CHECK(cluster.node(3).status().last_index == 5);
}

TEST_CASE("Transfer: one that cannot finish is abandoned after an election timeout", "[raft]") {
  Cluster cluster({1, 2, 3});
  cluster.Elect(1);
  cluster.Stop(3);
  REQUIRE(cluster.node(1).TransferLeader(3).ok());
  cluster.Stabilize();
  CHECK(cluster.node(1).status().transferee == 3);
  cluster.TickAll(10);
  CHECK(cluster.node(1).status().transferee == kNoNode);
  CHECK(cluster.Leader() == 1);
  CHECK(cluster.node(1).Propose("q").ok());
}

TEST_CASE("Transfer: a follower forwards the request to the leader", "[raft]") {
  Cluster cluster({1, 2, 3});
  cluster.Elect(1);
  cluster.ClearTrace();
  REQUIRE(cluster.node(3).TransferLeader(2).ok());
  cluster.Stabilize();
  CHECK(cluster.trace()[0] == "TransferLeader 3->1 t1 transferee=2");
  CHECK(cluster.Leader() == 2);
}

TEST_CASE("Transfer: bad targets are refused", "[raft]") {
  Cluster cluster({1, 2, 3});
  CHECK(cluster.node(1).TransferLeader(2).code() == absl::StatusCode::kUnavailable);
  cluster.Elect(1);
  CHECK(cluster.node(1).TransferLeader(kNoNode).code() == absl::StatusCode::kInvalidArgument);
  CHECK(cluster.node(1).TransferLeader(7).code() == absl::StatusCode::kFailedPrecondition);
  REQUIRE(cluster.node(1).TransferLeader(1).ok());  // already the leader: nothing to do
  CHECK(cluster.node(1).status().transferee == kNoNode);
}

}  // namespace
}  // namespace hamster::raft
