// Elections: timeouts, pre-vote, votes, check-quorum and leases. Scenarios step messages into
// a node and compare what comes out ("after: " marks messages sent only after persisting).

#include <catch2/catch.hpp>

#include "test_util.h"

namespace hamster::raft {
namespace {

using testing::Cluster;
using testing::ConfigTweak;
using testing::Describe;
using testing::Entries;
using testing::MakePeer;
using testing::Peer;

// Ticks until the node sends something; returns the number of ticks.
int TickUntilOutput(Peer& peer, int limit = 100) {
  for (int ticks = 1; ticks <= limit; ++ticks) {
    peer.node->Tick();
    if (peer.node->HasReady()) return ticks;
  }
  FAIL("no output within " << limit << " ticks");
  return 0;
}

Message Msg(MessageType type, NodeId from, NodeId to, Term term) {
  return Message{.type = type, .from = from, .to = to, .term = term};
}

TEST_CASE("Election: timeout, pre-vote, vote, leader (messages in, messages out)", "[raft]") {
  Peer peer = MakePeer(1, {1, 2, 3});
  const int ticks = TickUntilOutput(peer);
  CHECK(ticks >= 10);
  CHECK(ticks < 20);
  // Pre-votes change nothing durable: they go out at once, for term 1, from term 0.
  CHECK(peer.DrainDescribed() ==
        std::vector<std::string>{"PreVote 1->2 t1 last=0@0", "PreVote 1->3 t1 last=0@0"});
  CHECK(peer.node->status().hard_state.term == 0);
  CHECK(peer.node->status().soft_state.role == Role::kPreCandidate);

  Message granted = Msg(MessageType::kPreVoteResponse, 2, 1, 1);
  REQUIRE(peer.node->Step(granted).ok());
  // A quorum of pre-votes: a real election; the votes wait for the term and self-vote to be
  // durable.
  CHECK(peer.DrainDescribed() ==
        std::vector<std::string>{"after: Vote 1->2 t1 last=0@0", "after: Vote 1->3 t1 last=0@0"});
  CHECK(peer.node->status().hard_state == HardState{.term = 1, .vote = 1, .commit = 0});
  CHECK(peer.node->status().soft_state.role == Role::kCandidate);

  REQUIRE(peer.node->Step(Msg(MessageType::kVoteResponse, 3, 1, 1)).ok());
  // The leader appends an empty entry of its term and sends it without waiting for its own
  // fsync.
  CHECK(peer.DrainDescribed() ==
        std::vector<std::string>{"Append 1->2 t1 prev=0@0 commit=0 entries=1@1",
                                 "Append 1->3 t1 prev=0@0 commit=0 entries=1@1"});
  CHECK(peer.node->status().soft_state == SoftState{.leader_id = 1, .role = Role::kLeader});
}

TEST_CASE("Election: vote requests are granted once per term to up-to-date logs", "[raft]") {
  struct Case {
    const char* what;
    NodeId voted_for;  // in term 2
    MessageType type;
    Term term;
    LogIndex last_index;
    Term last_term;
    std::string want;
    Term term_after;
  };
  // The voter holds 1@2 2@2 at term 2.
  const std::vector<Case> cases = {
      {"same log", kNoNode, MessageType::kVote, 2, 2, 2, "after: VoteResponse 1->2 t2 grant", 2},
      {"shorter log", kNoNode, MessageType::kVote, 2, 1, 2, "after: VoteResponse 1->2 t2 reject",
       2},
      {"older last term", kNoNode, MessageType::kVote, 2, 3, 1,
       "after: VoteResponse 1->2 t2 reject", 2},
      {"newer last term", kNoNode, MessageType::kVote, 2, 1, 3, "after: VoteResponse 1->2 t2 grant",
       2},
      {"voted for another", 3, MessageType::kVote, 2, 2, 2, "after: VoteResponse 1->2 t2 reject",
       2},
      {"voted for it already", 2, MessageType::kVote, 2, 2, 2, "after: VoteResponse 1->2 t2 grant",
       2},
      {"a new term frees the vote", 3, MessageType::kVote, 3, 2, 2,
       "after: VoteResponse 1->2 t3 grant", 3},
      {"pre-vote for a later term", 3, MessageType::kPreVote, 3, 2, 2,
       "PreVoteResponse 1->2 t3 grant", 2},
      {"pre-vote for this term", 3, MessageType::kPreVote, 2, 2, 2,
       "PreVoteResponse 1->2 t2 reject", 2},
      {"pre-vote with a shorter log", kNoNode, MessageType::kPreVote, 3, 1, 2,
       "PreVoteResponse 1->2 t2 reject", 2},
      {"stale term", kNoNode, MessageType::kPreVote, 1, 5, 5, "PreVoteResponse 1->2 t2 reject", 2},
      {"stale vote is dropped", kNoNode, MessageType::kVote, 1, 5, 5, "", 2},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    Peer peer = MakePeer(1, {1, 2, 3});
    REQUIRE(peer.storage->Append(Entries({{1, 2}, {2, 2}})).ok());
    peer.storage->SetHardState(HardState{.term = 2, .vote = c.voted_for});
    testing::Restart(peer);
    Message request = Msg(c.type, 2, 1, c.term);
    request.index = c.last_index;
    request.log_term = c.last_term;
    REQUIRE(peer.node->Step(request).ok());
    std::vector<std::string> out = peer.DrainDescribed();
    CHECK(out == (c.want.empty() ? std::vector<std::string>{} : std::vector<std::string>{c.want}));
    CHECK(peer.node->status().hard_state.term == c.term_after);
    const bool granted_vote =
        c.type == MessageType::kVote && c.want.find("grant") != std::string::npos;
    if (granted_vote) CHECK(peer.storage->LoadHardState()->vote == 2);
  }
}

TEST_CASE("Election: outcomes by cluster size and live nodes", "[raft]") {
  struct Case {
    std::vector<NodeId> voters;
    std::vector<NodeId> stopped;
    Role role;
    Term term;  // pre-vote keeps the term when the election cannot be won
  };
  const std::vector<Case> cases = {
      {{1}, {}, Role::kLeader, 1},
      {{1, 2, 3}, {}, Role::kLeader, 1},
      {{1, 2, 3}, {3}, Role::kLeader, 1},
      {{1, 2, 3}, {2, 3}, Role::kPreCandidate, 0},
      {{1, 2, 3, 4, 5}, {4, 5}, Role::kLeader, 1},
      {{1, 2, 3, 4, 5}, {3, 4, 5}, Role::kPreCandidate, 0},
      {{1, 2}, {2}, Role::kPreCandidate, 0},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    Cluster cluster(cases[i].voters);
    for (NodeId id : cases[i].stopped) cluster.Stop(id);
    REQUIRE(cluster.node(1).Campaign().ok());
    cluster.Stabilize();
    CHECK(cluster.node(1).status().soft_state.role == cases[i].role);
    CHECK(cluster.node(1).status().hard_state.term == cases[i].term);
  }
}

TEST_CASE("Election: a lost pre-vote leaves the node a follower at its term", "[raft]") {
  Peer peer = MakePeer(1, {1, 2, 3});
  peer.storage->SetHardState(HardState{.term = 5});
  testing::Restart(peer);
  REQUIRE(peer.node->Campaign().ok());
  CHECK(peer.DrainDescribed() ==
        std::vector<std::string>{"PreVote 1->2 t6 last=0@0", "PreVote 1->3 t6 last=0@0"});
  for (NodeId voter : {2, 3}) {
    Message rejected = Msg(MessageType::kPreVoteResponse, voter, 1, 5);
    rejected.reject = true;
    REQUIRE(peer.node->Step(rejected).ok());
  }
  CHECK(peer.node->status().soft_state.role == Role::kFollower);
  CHECK(peer.node->status().hard_state.term == 5);
  CHECK(peer.DrainDescribed().empty());
}

TEST_CASE("Election: election timeouts are random, from election to twice election ticks, per seed",
          "[raft]") {
  std::set<int> seen;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    INFO("seed=" << seed);
    auto tweak = [seed](Config& c) { c.random_seed = seed; };
    Peer first = MakePeer(1, {1, 2, 3}, tweak);
    Peer second = MakePeer(1, {1, 2, 3}, tweak);
    const int ticks = TickUntilOutput(first);
    CHECK(ticks == TickUntilOutput(second));  // same seed, same timeout
    CHECK(ticks >= 10);
    CHECK(ticks < 20);
    seen.insert(ticks);
  }
  CHECK(seen.size() >= 4);
}

TEST_CASE("Election: pre-vote keeps a partitioned node from raising its term", "[raft]") {
  for (bool pre_vote : {true, false}) {
    INFO("pre_vote=" << pre_vote);
    Cluster cluster({1, 2, 3}, [pre_vote](Config& c) {
      c.pre_vote = pre_vote;
      c.check_quorum = false;
    });
    cluster.Elect(1);
    cluster.Isolate(3);
    cluster.Propose(1, "x");  // the isolated node's log falls behind
    for (int i = 0; i < 100; ++i) {
      cluster.Tick(3);
      cluster.Stabilize();
    }
    const Term isolated_term = cluster.node(3).status().hard_state.term;
    CHECK((isolated_term == 1) == pre_vote);
    cluster.Heal();
    cluster.TickAll(25);
    // Without pre-vote the returning node's higher term deposes the working leader.
    CHECK((cluster.node(1).status().soft_state.role == Role::kLeader) == pre_vote);
  }
}

TEST_CASE("Election: check-quorum makes an isolated leader step down", "[raft]") {
  for (bool check_quorum : {true, false}) {
    INFO("check_quorum=" << check_quorum);
    Cluster cluster({1, 2, 3}, [check_quorum](Config& c) { c.check_quorum = check_quorum; });
    cluster.Elect(1);
    cluster.Isolate(1);
    for (int i = 0; i < 21; ++i) {
      cluster.Tick(1);
      cluster.Stabilize();
    }
    CHECK((cluster.node(1).status().soft_state.role == Role::kLeader) == !check_quorum);
  }
}

TEST_CASE("Election: a follower in its leader's lease ignores votes, not transfers", "[raft]") {
  Peer peer = MakePeer(1, {1, 2, 3});
  Message heartbeat = Msg(MessageType::kHeartbeat, 2, 1, 2);
  REQUIRE(peer.node->Step(heartbeat).ok());
  peer.DrainDescribed();
  Message vote = Msg(MessageType::kVote, 3, 1, 3);
  REQUIRE(peer.node->Step(vote).ok());
  CHECK(peer.DrainDescribed().empty());
  CHECK(peer.node->status().hard_state.term == 2);
  vote.leader_transfer = true;
  REQUIRE(peer.node->Step(vote).ok());
  CHECK(peer.DrainDescribed() == std::vector<std::string>{"after: VoteResponse 1->3 t3 grant"});

  Peer other = MakePeer(1, {1, 2, 3});
  REQUIRE(other.node->Step(heartbeat).ok());
  other.DrainDescribed();
  for (int i = 0; i < 10; ++i) other.node->Tick();  // the lease runs out
  other.DrainDescribed();
  vote.leader_transfer = false;
  REQUIRE(other.node->Step(vote).ok());
  std::vector<std::string> out = other.DrainDescribed();
  CHECK(std::count(out.begin(), out.end(), "after: VoteResponse 1->3 t3 grant") == 1);
}

TEST_CASE("Election: a deposed leader learns the new term from a stale-term reply", "[raft]") {
  // Without check-quorum the isolated leader keeps its role and node 3 has no lease.
  Cluster cluster({1, 2, 3}, [](Config& c) { c.check_quorum = false; });
  cluster.Elect(1);
  cluster.Isolate(1);
  cluster.Elect(2);
  cluster.Heal();
  CHECK(cluster.node(1).status().soft_state.role == Role::kLeader);  // it does not know yet
  cluster.ClearTrace();
  cluster.Tick(1);  // its heartbeat at term 1 is answered at term 2
  cluster.Stabilize();
  CHECK(cluster.trace()[0] == "Heartbeat 1->2 t1 commit=1");
  CHECK(
      std::count(cluster.trace().begin(), cluster.trace().end(), "AppendResponse 2->1 t2 index=0"));
  // It learns who leads from the next heartbeat of 2.
  CHECK(cluster.node(1).status().soft_state == SoftState{.leader_id = 0, .role = Role::kFollower});
  CHECK(cluster.node(1).status().hard_state.term == 2);
  cluster.Tick(2);
  cluster.Stabilize();
  CHECK(cluster.node(1).status().soft_state == SoftState{.leader_id = 2, .role = Role::kFollower});
}

TEST_CASE("Election: learners and removed nodes never campaign", "[raft]") {
  Peer learner = MakePeer(4, {1, 2, 3}, {}, {4});
  for (int i = 0; i < 100; ++i) learner.node->Tick();
  CHECK_FALSE(learner.node->HasReady());
  CHECK(learner.node->Campaign().code() == absl::StatusCode::kFailedPrecondition);
  Peer stranger = MakePeer(9, {1, 2, 3});
  CHECK(stranger.node->Campaign().code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("Election: without pre-vote, Campaign raises the term at once", "[raft]") {
  Peer peer = MakePeer(1, {1, 2, 3}, [](Config& c) { c.pre_vote = false; });
  REQUIRE(peer.node->Campaign().ok());
  CHECK(peer.DrainDescribed() ==
        std::vector<std::string>{"after: Vote 1->2 t1 last=0@0", "after: Vote 1->3 t1 last=0@0"});
  // A rejection from a majority: back to follower at the new term.
  REQUIRE(peer.node
              ->Step([] {
                Message m = Msg(MessageType::kVoteResponse, 2, 1, 1);
                m.reject = true;
                return m;
              }())
              .ok());
  CHECK(peer.node->status().soft_state.role == Role::kCandidate);
  Message second = Msg(MessageType::kVoteResponse, 3, 1, 1);
  second.reject = true;
  REQUIRE(peer.node->Step(second).ok());
  CHECK(peer.node->status().soft_state.role == Role::kFollower);
  CHECK(peer.node->status().hard_state.term == 1);
}

}  // namespace
}  // namespace hamster::raft
