// Snapshots: streaming to a lagging follower in chunks, acknowledgements, loss and restart,
// installing or fast-forwarding, and malformed chunks.

#include <catch2/catch.hpp>

#include "test_util.h"

namespace hamster::raft {
namespace {

using testing::Cluster;
using testing::MakePeer;
using testing::Peer;

auto SmallChunks(int window) {
  return [window](Config& c) {
    c.snapshot_chunk_bytes = 4;
    c.max_inflight_snapshot_chunks = window;
  };
}

// Leader 1 of {1, 2, 3} has compacted its log to a snapshot at 6 ("0123456789") while node 3
// was stopped.
void CompactWhileThreeIsDown(Cluster& cluster) {
  cluster.Elect(1);
  cluster.Stop(3);
  for (int i = 0; i < 5; ++i) cluster.Propose(1, "p");
  MemoryStorage& storage = *cluster.peer(1).storage;
  REQUIRE(storage.CreateSnapshot(6, ConfState{.voters = {1, 2, 3}}, "0123456789").ok());
  REQUIRE(storage.Compact(6).ok());
}

bool Contains(const std::vector<std::string>& trace, const std::string& message) {
  return std::find(trace.begin(), trace.end(), message) != trace.end();
}

TEST_CASE("Snapshot: a follower behind the compaction point gets it in chunks", "[raft]") {
  Cluster cluster({1, 2, 3}, SmallChunks(2));
  CompactWhileThreeIsDown(cluster);
  cluster.ClearTrace();
  cluster.Start(3);
  cluster.TickAll(2);
  const std::vector<std::string>& trace = cluster.trace();
  CHECK(Contains(trace, "Snapshot 1->3 t1 snap=6@1 offset=0 size=4 total=10"));
  CHECK(Contains(trace, "Snapshot 1->3 t1 snap=6@1 offset=4 size=4 total=10"));
  CHECK(Contains(trace, "SnapshotResponse 3->1 t1 snap=6 held=4"));
  CHECK(Contains(trace, "Snapshot 1->3 t1 snap=6@1 offset=8 size=2 total=10 done"));
  CHECK(Contains(trace, "AppendResponse 3->1 t1 index=6"));
  MemoryStorage& installed = *cluster.peer(3).storage;
  CHECK(installed.LoadSnapshot()->data == "0123456789");
  CHECK(installed.LoadSnapshot()->metadata.conf_state == ConfState{.voters = {1, 2, 3}});
  CHECK(cluster.node(1).status().peers.at(3).state == ProgressState::kReplicate);
  // Replication continues from the log after the snapshot.
  cluster.Propose(1, "after");
  CHECK(cluster.node(3).status().hard_state.commit == 7);
  CHECK(cluster.peer(3).applied.back().data == "after");
}

TEST_CASE("Snapshot: a follower that installed an outdated snapshot gets the newer one", "[raft]") {
  Cluster cluster({1, 2, 3});
  CompactWhileThreeIsDown(cluster);
  cluster.Start(3);
  // Route by hand: heartbeat to 3 and back, the leader's probe and 3's rejection, the
  // snapshot to 3; hold 3's answer.
  auto deliver = [&](NodeId from, MessageType type) {
    for (Message& m : cluster.peer(from).Drain()) {
      if (m.type == type && m.to == 3) REQUIRE(cluster.node(3).Step(m).ok());
      if (m.type == type && m.from == 3) REQUIRE(cluster.node(1).Step(m).ok());
    }
  };
  cluster.Tick(1);
  deliver(1, MessageType::kHeartbeat);
  deliver(3, MessageType::kHeartbeatResponse);
  deliver(1, MessageType::kAppend);
  deliver(3, MessageType::kAppendResponse);
  deliver(1, MessageType::kSnapshot);
  std::vector<Message> held = cluster.peer(3).Drain();
  REQUIRE(testing::Describe(held) == std::vector<std::string>{"AppendResponse 3->1 t1 index=6"});
  // Meanwhile the leader moves on and compacts past that snapshot.
  cluster.Isolate(3);
  for (int i = 0; i < 5; ++i) cluster.Propose(1, "q");
  MemoryStorage& storage = *cluster.peer(1).storage;
  REQUIRE(storage.CreateSnapshot(11, ConfState{.voters = {1, 2, 3}}, "newer").ok());
  REQUIRE(storage.Compact(11).ok());
  cluster.Heal();
  REQUIRE(cluster.node(1).Step(held[0]).ok());
  CHECK(cluster.peer(1).DrainDescribed() ==
        std::vector<std::string>{"Snapshot 1->3 t1 snap=11@1 offset=0 size=5 total=5 done"});
}

Message Chunk(uint64_t offset, uint64_t size, LogIndex index = 5, Term term = 1) {
  const std::string data = "abcdefghij";
  return Message{.type = MessageType::kSnapshot,
                 .from = 2,
                 .to = 1,
                 .term = 1,
                 .snapshot_chunk = SnapshotChunk{
                     .metadata = {.index = index, .term = term, .conf_state = {.voters = {1, 2}}},
                     .offset = offset,
                     .total_size_bytes = data.size(),
                     .data = data.substr(offset, size),
                     .done = offset + size == data.size()}};
}

TEST_CASE("Snapshot: a follower acknowledges chunks, ignores duplicates, rejects gaps", "[raft]") {
  Peer peer = MakePeer(1, {1, 2});
  struct Step {
    Message chunk;
    std::vector<std::string> want;
  };
  const std::vector<Step> steps = {
      {Chunk(4, 4), {"SnapshotResponse 1->2 t1 snap=5 held=0 reject"}},
      {Chunk(0, 4), {"SnapshotResponse 1->2 t1 snap=5 held=4"}},
      {Chunk(0, 4), {"SnapshotResponse 1->2 t1 snap=5 held=4"}},
      {Chunk(8, 2), {"SnapshotResponse 1->2 t1 snap=5 held=4 reject"}},
      {Chunk(4, 4), {"SnapshotResponse 1->2 t1 snap=5 held=8"}},
      {Chunk(8, 2), {"after: AppendResponse 1->2 t1 index=5"}},
  };
  for (size_t i = 0; i < steps.size(); ++i) {
    INFO("step " << i);
    REQUIRE(peer.node->Step(steps[i].chunk).ok());
    CHECK(peer.DrainDescribed() == steps[i].want);
  }
  CHECK(peer.storage->LoadSnapshot()->data == "abcdefghij");
  CHECK(peer.node->status().hard_state.commit == 5);
  CHECK(peer.node->status().last_index == 5);
  // A later chunk of the same snapshot is now at or below the commit index.
  REQUIRE(peer.node->Step(Chunk(0, 4)).ok());
  CHECK(peer.DrainDescribed() == std::vector<std::string>{"after: AppendResponse 1->2 t1 index=5"});
}

TEST_CASE("Snapshot: a restarted follower makes the leader start the transfer over", "[raft]") {
  Cluster cluster({1, 2, 3}, SmallChunks(1));
  CompactWhileThreeIsDown(cluster);
  cluster.DropType(MessageType::kSnapshot);
  cluster.Start(3);
  cluster.TickAll(2);
  REQUIRE(cluster.node(1).status().peers.at(3).state == ProgressState::kSnapshot);
  Peer& leader = cluster.peer(1);
  leader.Drain();
  auto respond = [&](LogIndex snapshot, uint64_t held, bool reject) {
    REQUIRE(leader.node
                ->Step(Message{.type = MessageType::kSnapshotResponse,
                               .from = 3,
                               .to = 1,
                               .term = 1,
                               .index = held,
                               .reject = reject,
                               .snapshot_index = snapshot})
                .ok());
    return leader.DrainDescribed();
  };
  CHECK(respond(6, 4, false) ==
        std::vector<std::string>{"Snapshot 1->3 t1 snap=6@1 offset=4 size=4 total=10"});
  CHECK(respond(5, 0, true).empty());  // about another snapshot: stale
  CHECK(respond(6, 0, true) ==
        std::vector<std::string>{"Snapshot 1->3 t1 snap=6@1 offset=0 size=4 total=10"});
  cluster.AllowType(MessageType::kSnapshot);
  cluster.TickAll(10);
  CHECK(cluster.peer(3).storage->LoadSnapshot()->data == "0123456789");
  CHECK(cluster.node(3).status().hard_state.commit == 6);
}

TEST_CASE("Snapshot: lost chunks are sent again after half an election timeout", "[raft]") {
  Cluster cluster({1, 2, 3}, SmallChunks(1));
  CompactWhileThreeIsDown(cluster);
  cluster.DropType(MessageType::kSnapshotResponse);
  cluster.ClearTrace();
  cluster.Start(3);
  cluster.TickAll(8);
  const std::vector<std::string>& trace = cluster.trace();
  CHECK(std::count(trace.begin(), trace.end(),
                   "Snapshot 1->3 t1 snap=6@1 offset=0 size=4 total=10") == 2);
  cluster.AllowType(MessageType::kSnapshotResponse);
  cluster.TickAll(10);
  CHECK(cluster.peer(3).storage->LoadSnapshot()->data == "0123456789");
}

TEST_CASE("Snapshot: one the follower's log already holds only moves its commit index", "[raft]") {
  Peer peer = MakePeer(1, {1, 2});
  REQUIRE(peer.node
              ->Step(Message{.type = MessageType::kAppend,
                             .from = 2,
                             .to = 1,
                             .term = 1,
                             .commit = 1,
                             .entries = testing::Entries({{1, 1}, {2, 1}, {3, 1}})})
              .ok());
  peer.Drain();
  REQUIRE(peer.node->Step(Chunk(0, 10, 2, 1)).ok());
  std::vector<std::string> out;
  while (peer.node->HasReady()) {
    Ready ready = peer.node->TakeReady();
    CHECK_FALSE(ready.snapshot.has_value());
    testing::Persist(*peer.storage, ready);
    for (const Message& m : ready.messages_after_persist) out.push_back(testing::Describe(m));
    peer.node->Advance();
  }
  CHECK(out == std::vector<std::string>{"AppendResponse 1->2 t1 index=2"});
  CHECK(peer.node->status().hard_state.commit == 2);
  CHECK(peer.node->status().last_index == 3);
}

TEST_CASE("Snapshot: a snapshot the storage cannot produce yet is retried later", "[raft]") {
  Cluster cluster({1, 2, 3});
  Peer& leader = cluster.peer(1);
  leader.controlled = std::make_unique<testing::ControlledStorage>(leader.storage.get());
  leader.controlled->snapshot_unavailable_count = 2;
  testing::Restart(leader);
  CompactWhileThreeIsDown(cluster);
  cluster.Start(3);
  cluster.TickAll(5);
  CHECK(leader.controlled->snapshot_loads == 3);
  CHECK(cluster.peer(3).storage->LoadSnapshot()->data == "0123456789");
}

TEST_CASE("Snapshot: malformed chunks are refused with kInvalidArgument", "[raft]") {
  struct Case {
    const char* what;
    std::function<void(Message&)> spoil;
  };
  const std::vector<Case> cases = {
      {"no chunk", [](Message& m) { m.snapshot_chunk.reset(); }},
      {"done too early", [](Message& m) { m.snapshot_chunk->done = true; }},
      {"not done at the end",
       [](Message& m) {
         m.snapshot_chunk->offset = 6;
         m.snapshot_chunk->done = false;
       }},
      {"beyond the total", [](Message& m) { m.snapshot_chunk->offset = 8; }},
      {"offset beyond the total", [](Message& m) { m.snapshot_chunk->offset = 11; }},
      {"index 0", [](Message& m) { m.snapshot_chunk->metadata.index = 0; }},
      {"term above the message's", [](Message& m) { m.snapshot_chunk->metadata.term = 2; }},
      {"bad membership",
       [](Message& m) {
         m.snapshot_chunk->metadata.conf_state.voters = {2, 1};
       }},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    Peer peer = MakePeer(1, {1, 2});
    Message chunk = Chunk(0, 4);
    c.spoil(chunk);
    CHECK(peer.node->Step(chunk).code() == absl::StatusCode::kInvalidArgument);
    CHECK(peer.node->health().ok());
  }
}

}  // namespace
}  // namespace hamster::raft
