// The RawNode contract: configuration, the Ready/Advance handshake, restart from storage,
// storage failures, malformed messages and determinism.

#include "hamster/raft/raw_node.h"

#include <catch2/catch.hpp>

#include "test_util.h"

namespace hamster::raft {
namespace {

using testing::Cluster;
using testing::Entries;
using testing::MakePeer;
using testing::Peer;

TEST_CASE("RawNode: refuses a bad Config with kInvalidArgument", "[raft]") {
  MemoryStorage storage(ConfState{.voters = {1}});
  struct Case {
    const char* what;
    std::function<void(Config&)> spoil;
  };
  const std::vector<Case> cases = {
      {"id 0", [](Config& c) { c.id = 0; }},
      {"no storage", [](Config& c) { c.storage = nullptr; }},
      {"heartbeat not below election", [](Config& c) { c.heartbeat_ticks = 10; }},
      {"no heartbeat", [](Config& c) { c.heartbeat_ticks = 0; }},
      {"no window", [](Config& c) { c.max_inflight_messages = 0; }},
      {"no snapshot chunk", [](Config& c) { c.snapshot_chunk_bytes = 0; }},
      {"applied beyond commit", [](Config& c) { c.applied = 1; }},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    Config config = testing::TestConfig(1, &storage);
    c.spoil(config);
    CHECK(RawNode::Create(config).status().code() == absl::StatusCode::kInvalidArgument);
  }
  CHECK(RawNode::Create(testing::TestConfig(1, &storage)).ok());
}

TEST_CASE("RawNode: refuses inconsistent storage with kDataLoss", "[raft]") {
  MemoryStorage beyond(ConfState{.voters = {1}});
  REQUIRE(beyond.Append(Entries({{1, 1}})).ok());
  beyond.SetHardState(HardState{.term = 1, .commit = 2});
  CHECK(RawNode::Create(testing::TestConfig(1, &beyond)).status().code() ==
        absl::StatusCode::kDataLoss);
  MemoryStorage corrupt(ConfState{.voters = {1}});
  REQUIRE(corrupt
              .Append({Entry{
                  .term = 1, .index = 1, .type = EntryType::kConfChange, .data = "\x01\x05"}})
              .ok());
  CHECK(RawNode::Create(testing::TestConfig(1, &corrupt)).status().code() ==
        absl::StatusCode::kDataLoss);
}

TEST_CASE("RawNode: one Ready at a time, and calls in between show up in the next", "[raft]") {
  Peer peer = MakePeer(1, {1, 2, 3});
  REQUIRE(peer.node->Campaign().ok());
  REQUIRE(peer.node->HasReady());
  Ready first = peer.node->TakeReady();
  CHECK_FALSE(peer.node->HasReady());
  // A pre-vote grant arrives while the first Ready is being persisted.
  REQUIRE(
      peer.node->Step(Message{.type = MessageType::kPreVoteResponse, .from = 2, .to = 1, .term = 1})
          .ok());
  CHECK_FALSE(peer.node->HasReady());
  testing::Persist(*peer.storage, first);
  peer.node->Advance();
  REQUIRE(peer.node->HasReady());
  Ready second = peer.node->TakeReady();
  CHECK(testing::Describe(second.messages_after_persist) ==
        std::vector<std::string>{"Vote 1->2 t1 last=0@0", "Vote 1->3 t1 last=0@0"});
  CHECK(second.hard_state == HardState{.term = 1, .vote = 1});
  CHECK(second.must_sync);
  CHECK(second.soft_state == SoftState{.leader_id = kNoNode, .role = Role::kCandidate});
  peer.node->Advance();
}

TEST_CASE("RawNode: a restart resumes term, vote, log, commit and applied index", "[raft]") {
  Peer peer = MakePeer(1, {1});
  REQUIRE(peer.node->Campaign().ok());
  for (int i = 0; i < 4; ++i) {
    REQUIRE(peer.node->Propose("e" + std::to_string(i)).ok());
    peer.Drain();
  }
  const NodeStatus before = peer.node->status();
  CHECK(before.hard_state == HardState{.term = 1, .vote = 1, .commit = 5});
  peer.applied.clear();
  testing::Restart(peer, [](Config& c) { c.applied = 3; });
  const NodeStatus after = peer.node->status();
  CHECK(after.hard_state == before.hard_state);
  CHECK(after.last_index == 5);
  CHECK(after.applied == 3);
  CHECK(after.soft_state.role == Role::kFollower);
  peer.Drain();
  CHECK(peer.AppliedIndexes() == std::vector<LogIndex>{4, 5});
}

TEST_CASE("RawNode: a storage failure stops the node and is reported", "[raft]") {
  Peer peer = MakePeer(1, {1, 2});
  peer.controlled = std::make_unique<testing::ControlledStorage>(peer.storage.get());
  testing::Restart(peer);
  REQUIRE(peer.node
              ->Step(Message{.type = MessageType::kAppend,
                             .from = 2,
                             .to = 1,
                             .term = 1,
                             .entries = Entries({{1, 1}})})
              .ok());
  peer.Drain();
  peer.controlled->failure = absl::InternalError("disk on fire");
  const absl::Status failed = peer.node->Step(Message{.type = MessageType::kAppend,
                                                      .from = 2,
                                                      .to = 1,
                                                      .term = 1,
                                                      .index = 1,
                                                      .log_term = 1,
                                                      .entries = Entries({{2, 1}})});
  CHECK(failed.code() == absl::StatusCode::kInternal);
  CHECK(peer.node->health() == failed);
  CHECK_FALSE(peer.node->HasReady());
  peer.controlled->failure = absl::OkStatus();  // the node stays stopped regardless
  CHECK(peer.node->Propose("x").status() == failed);
  CHECK(peer.node->ReadIndex("r") == failed);
  CHECK(peer.node->Campaign() == failed);
  for (int i = 0; i < 50; ++i) peer.node->Tick();
  CHECK_FALSE(peer.node->HasReady());
}

TEST_CASE("RawNode: malformed messages are refused with kInvalidArgument", "[raft]") {
  struct Case {
    const char* what;
    Message message;
  };
  const Message append{.type = MessageType::kAppend, .from = 2, .to = 1, .term = 2};
  auto with = [&](std::function<void(Message&)> change) {
    Message m = append;
    change(m);
    return m;
  };
  const std::vector<Case> cases = {
      {"wrong recipient", with([](Message& m) { m.to = 3; })},
      {"no sender", with([](Message& m) { m.from = kNoNode; })},
      {"from itself", with([](Message& m) { m.from = 1; })},
      {"request at term 0", with([](Message& m) { m.term = 0; })},
      {"unknown type", with([](Message& m) { m.type = static_cast<MessageType>(99); })},
      {"entries out of sequence", with([](Message& m) {
         m.entries = Entries({{2, 1}});
       })},
      {"entries with a gap", with([](Message& m) {
         m.entries = Entries({{1, 1}, {3, 1}});
       })},
      {"entry term above the message's", with([](Message& m) {
         m.entries = Entries({{1, 3}});
       })},
      {"entry term below the previous", with([](Message& m) {
         m.log_term = 2;
         m.entries = Entries({{1, 1}});
       })},
      {"entries on a heartbeat", with([](Message& m) {
         m.type = MessageType::kHeartbeat;
         m.entries = Entries({{1, 1}});
       })},
      {"transfer to nobody", with([](Message& m) { m.type = MessageType::kTransferLeader; })},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    Peer peer = MakePeer(1, {1, 2, 3});
    CHECK(peer.node->Step(c.message).code() == absl::StatusCode::kInvalidArgument);
    CHECK(peer.node->health().ok());
    CHECK(peer.node->status().hard_state.term == 0);
  }
}

TEST_CASE("RawNode: the same seeds and inputs give the same run", "[raft]") {
  auto run = [](uint64_t seed) {
    Cluster cluster({1, 2, 3, 4, 5}, [seed](Config& c) { c.random_seed = seed; });
    cluster.TickAll(25);
    const NodeId leader = cluster.Leader();
    REQUIRE(leader != kNoNode);
    cluster.Propose(leader, "x");
    cluster.Isolate(leader);
    cluster.TickAll(40);
    return cluster.trace();
  };
  for (uint64_t seed : {1, 2, 3}) {
    INFO("seed=" << seed);
    CHECK(run(seed) == run(seed));
  }
  CHECK(run(1) != run(2));
}

}  // namespace
}  // namespace hamster::raft
