// Linearizable reads: ReadIndex on the leader (a heartbeat round), on a follower (forwarded),
// and before the leader has committed an entry of its term.

#include <catch2/catch.hpp>

#include "test_util.h"

namespace hamster::raft {
namespace {

using testing::Cluster;
using testing::MakePeer;
using testing::Peer;

TEST_CASE("ReadIndex: the leader answers after a quorum acknowledges a heartbeat round", "[raft]") {
  Cluster cluster({1, 2, 3});
  cluster.Elect(1);
  cluster.Propose(1, "x");
  cluster.Isolate(1);
  REQUIRE(cluster.node(1).ReadIndex("r1").ok());
  // The round goes out as heartbeats carrying its id.
  CHECK(cluster.peer(1).DrainDescribed() ==
        std::vector<std::string>{"Heartbeat 1->2 t1 commit=2 read",
                                 "Heartbeat 1->3 t1 commit=2 read"});
  cluster.Stabilize();
  CHECK(cluster.peer(1).read_states.empty());  // a leader cut off must not answer
  cluster.Heal();
  cluster.Cut(1, 3);
  REQUIRE(cluster.node(1).ReadIndex("r2").ok());
  cluster.Stabilize();
  // One acknowledgement plus the leader is a quorum of 3; it confirms the earlier round too.
  REQUIRE(cluster.peer(1).read_states.size() == 2);
  CHECK(cluster.peer(1).read_states[0] == ReadState{.index = 2, .context = "r1"});
  CHECK(cluster.peer(1).read_states[1] == ReadState{.index = 2, .context = "r2"});
}

TEST_CASE("ReadIndex: a follower forwards to the leader and gets its commit index", "[raft]") {
  Cluster cluster({1, 2, 3});
  cluster.Elect(1);
  cluster.Propose(1, "x");
  cluster.Propose(1, "y");
  cluster.ClearTrace();
  REQUIRE(cluster.node(3).ReadIndex("f").ok());
  cluster.Stabilize();
  CHECK(cluster.trace().front() == "ReadIndex 3->1 t1 context=f");
  CHECK(cluster.trace().back() == "ReadIndexResponse 1->3 t1 index=3 context=f");
  REQUIRE(cluster.peer(3).read_states.size() == 1);
  CHECK(cluster.peer(3).read_states[0] == ReadState{.index = 3, .context = "f"});
  CHECK(cluster.peer(1).read_states.empty());
}

TEST_CASE("ReadIndex: a new leader waits until it commits an entry of its term", "[raft]") {
  Cluster cluster({1, 2, 3});
  cluster.Elect(1);
  cluster.Propose(1, "x");
  // Node 2 wins, but its empty entry of term 2 does not commit while appends are lost.
  cluster.DropType(MessageType::kAppendResponse);
  for (int i = 0; i < 10; ++i) cluster.Tick(2);  // past its lease on the others
  for (int i = 0; i < 10; ++i) cluster.Tick(3);
  REQUIRE(cluster.node(2).Campaign().ok());
  cluster.Stabilize();
  REQUIRE(cluster.node(2).status().soft_state.role == Role::kLeader);
  REQUIRE(cluster.node(2).ReadIndex("early").ok());
  cluster.Stabilize();
  // Its commit index (2) may lag what the old leader acknowledged: it must not answer yet.
  CHECK(cluster.peer(2).read_states.empty());
  cluster.AllowType(MessageType::kAppendResponse);
  cluster.Tick(2);
  cluster.Stabilize();
  REQUIRE(cluster.peer(2).read_states.size() == 1);
  CHECK(cluster.peer(2).read_states[0] == ReadState{.index = 3, .context = "early"});
}

TEST_CASE("ReadIndex: a single voter answers at once from its commit index", "[raft]") {
  Peer peer = MakePeer(1, {1});
  REQUIRE(peer.node->Campaign().ok());
  peer.Drain();
  REQUIRE(peer.node->ReadIndex("solo").ok());
  peer.Drain();
  REQUIRE(peer.read_states.size() == 1);
  CHECK(peer.read_states[0] == ReadState{.index = 1, .context = "solo"});
}

TEST_CASE("ReadIndex: refused with kUnavailable without a leader or beyond the limit", "[raft]") {
  Peer lonely = MakePeer(1, {1, 2, 3});
  CHECK(lonely.node->ReadIndex("x").code() == absl::StatusCode::kUnavailable);
  Cluster cluster({1, 2, 3}, [](Config& c) { c.max_pending_reads = 2; });
  cluster.Elect(1);
  cluster.Isolate(1);
  CHECK(cluster.node(1).ReadIndex("a").ok());
  CHECK(cluster.node(1).ReadIndex("b").ok());
  CHECK(cluster.node(1).ReadIndex("c").code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("ReadIndex: pending reads are dropped when leadership is lost", "[raft]") {
  Cluster cluster({1, 2, 3});
  cluster.Elect(1);
  cluster.Isolate(1);
  REQUIRE(cluster.node(1).ReadIndex("lost").ok());
  cluster.Stabilize();
  for (int i = 0; i < 21; ++i) cluster.Tick(1);  // check-quorum: it steps down
  cluster.Stabilize();
  REQUIRE(cluster.node(1).status().soft_state.role == Role::kFollower);
  cluster.Heal();
  cluster.TickAll(30);
  CHECK(cluster.peer(1).read_states.empty());
}

}  // namespace
}  // namespace hamster::raft
