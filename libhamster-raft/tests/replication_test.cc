// Log replication: a follower's answers, fast backtracking, commit rules, flow control
// (probe, pipelining window, batching) and what waits for persistence.

#include <catch2/catch.hpp>

#include "test_util.h"

namespace hamster::raft {
namespace {

using testing::Cluster;
using testing::Describe;
using testing::Entries;
using testing::MakePeer;
using testing::Peer;

Message Append(NodeId from, NodeId to, Term term, LogIndex prev, Term prev_term, LogIndex commit,
               std::vector<Entry> entries = {}) {
  return Message{.type = MessageType::kAppend,
                 .from = from,
                 .to = to,
                 .term = term,
                 .index = prev,
                 .log_term = prev_term,
                 .commit = commit,
                 .entries = std::move(entries)};
}

TEST_CASE("Replication: a follower accepts, rejects with a hint, and commits", "[raft]") {
  struct Case {
    Message append;
    std::string want;
    LogIndex commit;
    LogIndex last_index;
  };
  // The follower holds 1@1 2@2 at term 2, commit 0; node 2 leads term 2.
  const std::vector<Case> cases = {
      {Append(2, 1, 2, 2, 3, 3), "after: AppendResponse 1->2 t2 index=2 reject hint=2@2", 0, 2},
      {Append(2, 1, 2, 3, 3, 3), "after: AppendResponse 1->2 t2 index=3 reject hint=2@2", 0, 2},
      {Append(2, 1, 2, 1, 1, 1), "after: AppendResponse 1->2 t2 index=1", 1, 2},
      {Append(2, 1, 2, 0, 0, 1, Entries({{1, 2}})), "after: AppendResponse 1->2 t2 index=1", 1, 1},
      {Append(2, 1, 2, 2, 2, 3, Entries({{3, 2}, {4, 2}})), "after: AppendResponse 1->2 t2 index=4",
       3, 4},
      {Append(2, 1, 2, 2, 2, 4, Entries({{3, 2}})), "after: AppendResponse 1->2 t2 index=3", 3, 3},
      {Append(2, 1, 2, 1, 1, 4, Entries({{2, 2}})), "after: AppendResponse 1->2 t2 index=2", 2, 2},
      // Commit is capped at the last entry the Append vouches for.
      {Append(2, 1, 2, 1, 1, 3), "after: AppendResponse 1->2 t2 index=1", 1, 2},
      {Append(2, 1, 2, 2, 2, 2), "after: AppendResponse 1->2 t2 index=2", 2, 2},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    Peer peer = MakePeer(1, {1, 2, 3});
    REQUIRE(peer.storage->Append(Entries({{1, 1}, {2, 2}})).ok());
    peer.storage->SetHardState(HardState{.term = 2});
    testing::Restart(peer);
    REQUIRE(peer.node->Step(cases[i].append).ok());
    CHECK(peer.DrainDescribed() == std::vector<std::string>{cases[i].want});
    CHECK(peer.node->status().hard_state.commit == cases[i].commit);
    CHECK(peer.node->status().last_index == cases[i].last_index);
  }
}

TEST_CASE("Replication: a rejection skips a whole conflicting term", "[raft]") {
  // The follower: 1@1 2@1 3@1 4@3 5@3; its hint is the last entry at or below the term of
  // the Append's previous entry.
  struct Case {
    LogIndex prev;
    Term prev_term;
    std::string want;
  };
  for (const Case& c :
       std::vector<Case>{{5, 4, "after: AppendResponse 1->2 t5 index=5 reject hint=5@3"},
                         {5, 2, "after: AppendResponse 1->2 t5 index=5 reject hint=3@1"},
                         {7, 2, "after: AppendResponse 1->2 t5 index=7 reject hint=3@1"},
                         {4, 1, "after: AppendResponse 1->2 t5 index=4 reject hint=3@1"}}) {
    INFO("prev " << c.prev << "@" << c.prev_term);
    Peer peer = MakePeer(1, {1, 2});
    REQUIRE(peer.storage->Append(Entries({{1, 1}, {2, 1}, {3, 1}, {4, 3}, {5, 3}})).ok());
    peer.storage->SetHardState(HardState{.term = 5});
    testing::Restart(peer);
    REQUIRE(peer.node->Step(Append(2, 1, 5, c.prev, c.prev_term, 0)).ok());
    CHECK(peer.DrainDescribed() == std::vector<std::string>{c.want});
  }
}

TEST_CASE("Replication: a divergent follower converges in one rejection per term", "[raft]") {
  struct Case {
    std::vector<Entry> leader;
    std::vector<Entry> follower;
    int rejections;
  };
  const std::vector<Case> cases = {
      // The follower has a long suffix of a term the leader never saw.
      {Entries({{1, 1}, {2, 2}, {3, 2}, {4, 4}, {5, 4}, {6, 4}, {7, 4}}),
       Entries({{1, 1},
                {2, 2},
                {3, 2},
                {4, 3},
                {5, 3},
                {6, 3},
                {7, 3},
                {8, 3},
                {9, 3},
                {10, 3},
                {11, 3}}),
       1},
      // The follower is merely behind.
      {Entries({{1, 1}, {2, 1}, {3, 1}, {4, 2}, {5, 2}, {6, 3}}), Entries({{1, 1}, {2, 1}}), 1},
      // Several terms on each side.
      {Entries({{1, 1}, {2, 2}, {3, 4}, {4, 4}, {5, 6}, {6, 6}}),
       Entries({{1, 1}, {2, 2}, {3, 3}, {4, 3}, {5, 5}, {6, 5}, {7, 5}}), 2},
      // Identical logs.
      {Entries({{1, 1}, {2, 2}}), Entries({{1, 1}, {2, 2}}), 0},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    Cluster cluster({1, 2});
    Term term = 0;
    for (const Entry& entry : cases[i].leader) term = std::max(term, entry.term);
    for (const Entry& entry : cases[i].follower) term = std::max(term, entry.term);
    REQUIRE(cluster.peer(1).storage->Append(cases[i].leader).ok());
    REQUIRE(cluster.peer(2).storage->Append(cases[i].follower).ok());
    for (NodeId id : {1, 2}) {
      cluster.peer(id).storage->SetHardState(HardState{.term = term});
      testing::Restart(cluster.peer(id));
    }
    cluster.Elect(1);
    const std::vector<std::string>& trace = cluster.trace();
    const auto rejections = std::count_if(trace.begin(), trace.end(), [](const std::string& m) {
      return m.find("reject hint") != std::string::npos;
    });
    CHECK(rejections == cases[i].rejections);
    const LogIndex last = cluster.node(1).status().last_index;
    CHECK(*cluster.peer(2).storage->Entries(1, last + 1, 1 << 20) ==
          *cluster.peer(1).storage->Entries(1, last + 1, 1 << 20));
    CHECK(cluster.node(2).status().hard_state.commit == last);
  }
}

// A leader of term 3 over 1@1 2@2, with 2@2 not yet committed; followers 2 and 3.
Peer LeaderOfTerm3() {
  Peer peer = MakePeer(1, {1, 2, 3}, [](Config& c) { c.pre_vote = false; });
  REQUIRE(peer.storage->Append(Entries({{1, 1}, {2, 2}})).ok());
  peer.storage->SetHardState(HardState{.term = 2, .commit = 1});
  testing::Restart(peer, [](Config& c) { c.pre_vote = false; });
  REQUIRE(peer.node->Campaign().ok());
  peer.Drain();
  REQUIRE(
      peer.node->Step(Message{.type = MessageType::kVoteResponse, .from = 2, .to = 1, .term = 3})
          .ok());
  REQUIRE(peer.node->status().soft_state.role == Role::kLeader);
  peer.Drain();
  return peer;
}

TEST_CASE("Replication: an old term's entry commits only with one of the leader's term", "[raft]") {
  Peer peer = LeaderOfTerm3();
  auto ack = [&](NodeId from, LogIndex index) {
    REQUIRE(peer.node
                ->Step(Message{.type = MessageType::kAppendResponse,
                               .from = from,
                               .to = 1,
                               .term = 3,
                               .index = index})
                .ok());
    return peer.DrainDescribed();
  };
  // 2@2 is now on a majority (1 and 2), but counting replicas never commits an older term's
  // entry (Raft figure 8): it could still be overwritten.
  ack(2, 2);
  CHECK(peer.node->status().hard_state.commit == 1);
  // Once the leader's own entry 3@3 is on a majority, it commits, and 2@2 with it.
  const std::vector<std::string> out = ack(2, 3);
  CHECK(peer.node->status().hard_state.commit == 3);
  CHECK(peer.AppliedIndexes() == std::vector<LogIndex>{1, 2, 3});
  // The new commit index goes to the followers with the next batch; node 3 is still being
  // probed (its first Append is unanswered), so it waits. Node 2 holds 3 already: it is
  // told the commit index without being asked to answer.
  CHECK(out == std::vector<std::string>{"Append 1->2 t3 prev=3@3 commit=3 commit-only"});
}

TEST_CASE("Replication: a leader counts itself only once its entries are durable", "[raft]") {
  Peer peer = MakePeer(1, {1});
  REQUIRE(peer.node->Campaign().ok());
  peer.Drain();
  REQUIRE(peer.node->Propose("x").ok());
  Ready ready = peer.node->TakeReady();
  CHECK(ready.entries.size() == 1);
  CHECK(ready.committed_entries.empty());  // not before the entry is persisted
  CHECK(ready.must_sync);
  testing::Persist(*peer.storage, ready);
  peer.node->Advance();
  ready = peer.node->TakeReady();
  REQUIRE(ready.committed_entries.size() == 1);
  CHECK(ready.committed_entries[0].data == "x");
  CHECK(ready.hard_state->commit == 2);
  CHECK_FALSE(ready.must_sync);  // only the commit index changed
  peer.node->Advance();
}

TEST_CASE("Replication: probing sends one Append until the follower answers", "[raft]") {
  Peer peer = LeaderOfTerm3();
  for (int i = 0; i < 3; ++i) REQUIRE(peer.node->Propose("p").ok());
  // The followers are in probe: their first Append (the empty entry) is still unanswered.
  CHECK(peer.DrainDescribed().empty());
  REQUIRE(peer.node
              ->Step(Message{
                  .type = MessageType::kAppendResponse, .from = 2, .to = 1, .term = 3, .index = 3})
              .ok());
  // Now in replicate: the rest goes out in one batch.
  CHECK(peer.DrainDescribed() ==
        std::vector<std::string>{"Append 1->2 t3 prev=3@3 commit=3 entries=4@3,5@3,6@3"});
  CHECK(peer.node->status().peers.at(2).state == ProgressState::kReplicate);
  CHECK(peer.node->status().peers.at(3).state == ProgressState::kProbe);
}

TEST_CASE("Replication: pipelining stops at the in-flight window and resumes on acks", "[raft]") {
  auto tweak = [](Config& c) {
    c.max_inflight_messages = 2;
    c.pre_vote = false;
  };
  Cluster cluster({1, 2}, tweak);
  cluster.Elect(1);
  Peer& leader = cluster.peer(1);
  std::vector<std::string> sent;
  for (int i = 0; i < 4; ++i) {
    REQUIRE(leader.node->Propose("p").ok());
    for (const std::string& m : leader.DrainDescribed()) sent.push_back(m);
  }
  CHECK(sent == std::vector<std::string>{"Append 1->2 t1 prev=1@1 commit=1 entries=2@1",
                                         "Append 1->2 t1 prev=2@1 commit=1 entries=3@1"});
  // The follower acknowledges the first: one slot frees, and everything queued goes out.
  REQUIRE(leader.node
              ->Step(Message{
                  .type = MessageType::kAppendResponse, .from = 2, .to = 1, .term = 1, .index = 2})
              .ok());
  CHECK(leader.DrainDescribed() ==
        std::vector<std::string>{"Append 1->2 t1 prev=3@1 commit=2 entries=4@1,5@1"});
}

TEST_CASE("Replication: a commit index alone goes out commit-only, and is not answered",
          "[raft]") {
  Cluster cluster({1, 2}, [](Config& c) { c.pre_vote = false; });
  cluster.Elect(1);
  Peer& leader = cluster.peer(1);
  Peer& follower = cluster.peer(2);
  REQUIRE(leader.node->Propose("p").ok());
  std::vector<Message> sent = leader.Drain();
  REQUIRE(testing::Describe(sent) ==
          std::vector<std::string>{"Append 1->2 t1 prev=1@1 commit=1 entries=2@1"});
  REQUIRE(follower.node->Step(sent.at(0)).ok());
  const std::vector<Message> ack = follower.Drain();
  REQUIRE(testing::Describe(ack) == std::vector<std::string>{"AppendResponse 2->1 t1 index=2"});
  // The ack commits 2; the follower is known to hold it, so only the commit index is news.
  REQUIRE(leader.node->Step(ack.at(0)).ok());
  sent = leader.Drain();
  CHECK(testing::Describe(sent) ==
        std::vector<std::string>{"Append 1->2 t1 prev=2@1 commit=2 commit-only"});
  REQUIRE(follower.node->Step(sent.at(0)).ok());
  CHECK(follower.DrainDescribed().empty());
  CHECK(follower.node->status().hard_state.commit == 2);
}

TEST_CASE("Replication: a commit-only Append that does not match is still rejected", "[raft]") {
  // The follower holds 1@1 2@2 at term 2; a leader of term 3 believes it holds 3@3.
  Peer peer = MakePeer(1, {1, 2, 3});
  REQUIRE(peer.storage->Append(Entries({{1, 1}, {2, 2}})).ok());
  peer.storage->SetHardState(HardState{.term = 2});
  testing::Restart(peer);
  Message append = Append(2, 1, 3, 3, 3, 3);
  append.commit_only = true;
  REQUIRE(peer.node->Step(append).ok());
  CHECK(peer.DrainDescribed() ==
        std::vector<std::string>{"after: AppendResponse 1->2 t3 index=3 reject hint=2@2"});
}

TEST_CASE("Replication: Appends are cut at max_message_bytes", "[raft]") {
  Cluster cluster({1, 2}, [](Config& c) { c.max_message_bytes = 25; });
  cluster.Elect(1);
  for (int i = 0; i < 5; ++i) REQUIRE(cluster.node(1).Propose(std::string(10, 'x')).ok());
  CHECK(cluster.peer(1).DrainDescribed() ==
        std::vector<std::string>{"Append 1->2 t1 prev=1@1 commit=1 entries=2@1,3@1",
                                 "Append 1->2 t1 prev=3@1 commit=1 entries=4@1,5@1",
                                 "Append 1->2 t1 prev=5@1 commit=1 entries=6@1"});
}

TEST_CASE("Replication: a window of lost Appends recovers through heartbeats", "[raft]") {
  Cluster cluster({1, 2, 3}, [](Config& c) { c.max_inflight_messages = 2; });
  cluster.Elect(1);
  cluster.CutOneWay(1, 3);
  for (int i = 0; i < 6; ++i) cluster.Propose(1, "p");
  CHECK(cluster.node(1).status().peers.at(3).match == 1);
  cluster.Heal();
  cluster.TickAll(3);
  CHECK(cluster.node(1).status().peers.at(3).match == 7);
  CHECK(cluster.node(3).status().hard_state.commit == 7);
}

TEST_CASE("Replication: a heartbeat commits a follower only up to what it holds", "[raft]") {
  Cluster cluster({1, 2, 3});
  cluster.Elect(1);
  cluster.Cut(1, 3);
  for (int i = 0; i < 3; ++i) cluster.Propose(1, "p");
  cluster.Tick(1);
  CHECK(cluster.peer(1).DrainDescribed() ==
        std::vector<std::string>{"Heartbeat 1->2 t1 commit=4", "Heartbeat 1->3 t1 commit=1"});
}

TEST_CASE("Replication: Propose is refused with kUnavailable off the leader or when full",
          "[raft]") {
  Cluster cluster({1, 2, 3}, [](Config& c) { c.max_uncommitted_bytes = 10; });
  cluster.Elect(1);
  absl::StatusOr<LogPosition> refused = cluster.node(2).Propose("x");
  CHECK(refused.status().code() == absl::StatusCode::kUnavailable);
  CHECK(std::string(refused.status().message()).find("the leader is 1") != std::string::npos);
  cluster.Isolate(1);
  CHECK(cluster.node(1).Propose(std::string(8, 'x')).ok());
  // One proposal is always accepted on an empty pipeline; beyond the limit, no more.
  CHECK(cluster.node(1).Propose(std::string(8, 'x')).status().code() ==
        absl::StatusCode::kUnavailable);
  cluster.Heal();
  cluster.Stabilize();
  cluster.TickAll(1);
  CHECK(cluster.node(1).Propose(std::string(8, 'x')).ok());
  CHECK(*cluster.node(1).Propose("") == LogPosition{.index = 4, .term = 1});
}

TEST_CASE("Replication: ReportUnreachable drops a follower from pipelining to probing", "[raft]") {
  Cluster cluster({1, 2});
  cluster.Elect(1);
  REQUIRE(cluster.node(1).status().peers.at(2).state == ProgressState::kReplicate);
  cluster.node(1).ReportUnreachable(2);
  CHECK(cluster.node(1).status().peers.at(2).state == ProgressState::kProbe);
  cluster.Propose(1, "p");
  CHECK(cluster.node(1).status().peers.at(2).state == ProgressState::kReplicate);
  CHECK(cluster.node(2).status().last_index == 2);
}

TEST_CASE("Replication: every committed entry is applied once, in order, on every node", "[raft]") {
  Cluster cluster({1, 2, 3, 4, 5});
  cluster.Elect(1);
  for (int i = 0; i < 20; ++i) {
    if (i == 5) cluster.Stop(4);
    if (i == 12) cluster.Start(4);
    cluster.Propose(1, "entry " + std::to_string(i));
  }
  cluster.TickAll(2);
  for (NodeId id : {1, 2, 3, 4, 5}) {
    INFO("node " << id);
    std::vector<LogIndex> want;
    for (LogIndex i = 1; i <= 21; ++i) want.push_back(i);
    std::vector<LogIndex> applied = cluster.peer(id).AppliedIndexes();
    // A restarted node applies again from its snapshot (index 0 here).
    if (id == 4) applied.erase(applied.begin(), applied.end() - 21);
    CHECK(applied == want);
  }
}

}  // namespace
}  // namespace hamster::raft
