// The simulator's own parts: virtual time, the network and disk models, the state machine,
// and the safety checker (which must be able to fail).

#include <catch2/catch.hpp>

#include "event_loop.h"
#include "kv.h"
#include "random.h"
#include "safety_checker.h"
#include "sim_disk.h"
#include "sim_network.h"

namespace hamster::sim {
namespace {

TEST_CASE("EventLoop: runs events by time, then in scheduling order", "[sim]") {
  EventLoop loop;
  std::vector<int> order;
  loop.After(20, [&] { order.push_back(3); });
  loop.After(10, [&] { order.push_back(1); });
  loop.After(10, [&] { order.push_back(2); });
  loop.After(10, [&] { loop.After(0, [&] { order.push_back(25); }); });
  loop.RunUntil(15);
  CHECK(order == std::vector<int>{1, 2, 25});
  CHECK(loop.Now() == 15);
  loop.RunUntil(100);
  CHECK(order == std::vector<int>{1, 2, 25, 3});
  CHECK(loop.Now() == 100);
  CHECK_FALSE(loop.RunOne());
}

TEST_CASE("Random: one seed, one sequence", "[sim]") {
  Random a(42), b(42), c(43);
  for (int i = 0; i < 10; ++i) {
    const uint64_t x = a.Next();
    CHECK(x == b.Next());
    CHECK(x != c.Next());
  }
  for (int i = 0; i < 1000; ++i) {
    const int64_t r = a.Range(-3, 3);
    CHECK(r >= -3);
    CHECK(r <= 3);
  }
}

TEST_CASE("SimNetwork: delays, reorders, drops, duplicates and partitions", "[sim]") {
  const uint64_t seed = GENERATE(1, 2, 3);
  INFO("seed=" << seed);
  EventLoop loop;
  SimNetwork<int> network(loop, Random(seed), NetworkOptions{.min_delay = 1, .max_delay = 50});
  std::vector<std::pair<Time, int>> received;
  network.SetHandler(2, [&](int m) { received.push_back({loop.Now(), m}); });
  for (int i = 0; i < 100; ++i) network.Send(1, 2, i);
  loop.RunUntil(1000);
  REQUIRE(received.size() == 100);
  bool reordered = false;
  for (size_t i = 1; i < received.size(); ++i)
    reordered |= received[i].second < received[i - 1].second;
  CHECK(reordered);
  for (const auto& [at, m] : received) CHECK((at >= 1 && at <= 50));

  received.clear();
  network.Block(1, 2);
  network.Send(1, 2, 7);
  network.SetHandler(1, [&](int m) { received.push_back({loop.Now(), m}); });
  network.Send(2, 1, 8);  // one way only
  loop.RunUntil(2000);
  CHECK(received ==
        std::vector<std::pair<Time, int>>{{received.empty() ? 0 : received[0].first, 8}});
  network.Heal();
  network.Partition({{1}, {2}});
  CHECK(network.Blocked(1, 2));
  CHECK(network.Blocked(2, 1));
  network.Heal();

  received.clear();
  network.options().duplicate = 1;
  network.Send(1, 2, 9);
  loop.RunUntil(3000);
  CHECK(received.size() == 2);
  network.options().duplicate = 0;
  network.options().loss = 1;
  network.Send(1, 2, 10);
  network.options().loss = 0;
  network.RemoveHandler(2);  // down: lost on arrival
  network.Send(1, 2, 11);
  loop.RunUntil(4000);
  CHECK(received.size() == 2);
  CHECK(network.stats().dropped >= 3);
}

using IntDisk = SimDisk<std::vector<int>, int>;
std::string AppendInt(std::vector<int>& state, const int& record) {
  if (record < 0) return "negative";
  state.push_back(record);
  return "";
}

TEST_CASE("SimDisk: writes are durable after a sync, and a crash keeps a prefix of the rest",
          "[sim]") {
  EventLoop loop;
  IntDisk disk(loop, Random(1), DiskOptions{.min_sync = 10, .max_sync = 20}, {}, AppendInt);
  disk.Write(1);
  disk.Write(2);
  CHECK(disk.live() == std::vector<int>{1, 2});
  CHECK(disk.durable().empty());
  bool synced = false;
  disk.Sync([&] { synced = true; });
  disk.Write(3);  // after the sync was issued: not covered by it
  loop.RunUntil(100);
  CHECK(synced);
  CHECK(disk.durable() == std::vector<int>{1, 2});
  disk.Write(4);
  bool late = false;
  disk.Sync([&] { late = true; });
  disk.Crash();
  loop.RunUntil(200);
  CHECK_FALSE(late);  // the crash came first
  const std::vector<int>& after = disk.live();
  CHECK(after.size() >= 2);
  CHECK(after.size() <= 4);
  CHECK(std::vector<int>(after.begin(), after.begin() + 2) == std::vector<int>{1, 2});
  if (after.size() == 4) CHECK(after[3] == 4);
  disk.Write(-1);
  CHECK(disk.error() == "negative");
}

TEST_CASE("SimDisk: across seeds a crash keeps every prefix length of unsynced writes", "[sim]") {
  std::set<size_t> kept;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    EventLoop loop;
    IntDisk disk(loop, Random(seed), DiskOptions{.lose_all_unsynced = 0.2}, {}, AppendInt);
    for (int i = 0; i < 3; ++i) disk.Write(i);
    disk.Crash();
    for (size_t i = 0; i < disk.live().size(); ++i) CHECK(disk.live()[i] == static_cast<int>(i));
    kept.insert(disk.live().size());
  }
  CHECK(kept == std::set<size_t>{0, 1, 2, 3});
}

TEST_CASE("KvStore: applies puts, refuses garbage, round-trips snapshots", "[sim]") {
  KvStore store;
  REQUIRE(store.Apply(KvStore::EncodePut("a", 5)).ok());
  REQUIRE(store.Apply(KvStore::EncodePut("b", 7)).ok());
  REQUIRE(store.Apply(KvStore::EncodePut("a", 6)).ok());
  CHECK(store.Get("a") == 6);
  CHECK(store.Get("zz") == 0);
  CHECK(store.Apply("P a").code() == absl::StatusCode::kInvalidArgument);
  CHECK(store.Apply("X a 1").code() == absl::StatusCode::kInvalidArgument);
  CHECK(store.Apply("P a 1 extra").code() == absl::StatusCode::kInvalidArgument);
  absl::StatusOr<KvStore> copy = KvStore::Deserialize(store.Serialize());
  REQUIRE(copy.ok());
  CHECK(*copy == store);
  CHECK(KvStore::Deserialize("a notanumber\n").status().code() ==
        absl::StatusCode::kInvalidArgument);
}

raft::Entry E(raft::LogIndex index, raft::Term term, std::string data) {
  return raft::Entry{.term = term, .index = index, .data = std::move(data)};
}

TEST_CASE("SafetyChecker: catches each violated property", "[sim]") {
  SECTION("two leaders in one term") {
    SafetyChecker checker;
    checker.OnLeader(1, 3);
    checker.OnLeader(1, 3);
    checker.OnLeader(2, 4);
    CHECK(checker.failure().empty());
    checker.OnLeader(2, 3);
    CHECK(checker.failure().find("election safety") != std::string::npos);
  }
  SECTION("two votes in one term") {
    SafetyChecker checker;
    raft::Message vote{.type = raft::MessageType::kVoteResponse, .from = 1, .to = 2, .term = 5};
    checker.OnSent(vote);
    checker.OnSent(vote);  // a duplicate answer to the same candidate is fine
    vote.to = 3;
    vote.reject = true;
    checker.OnSent(vote);
    CHECK(checker.failure().empty());
    vote.reject = false;
    checker.OnSent(vote);
    CHECK(checker.failure().find("vote durability") != std::string::npos);
  }
  SECTION("one (index, term), two entries") {
    SafetyChecker checker;
    raft::MemoryStorage a, b;
    REQUIRE(a.Append({E(1, 1, "x")}).ok());
    REQUIRE(b.Append({E(1, 1, "y")}).ok());
    checker.OnPersisted(1, {E(1, 1, "x")}, a);
    checker.OnPersisted(2, {E(1, 1, "x")}, a);
    CHECK(checker.failure().empty());
    checker.OnPersisted(2, {E(1, 1, "y")}, b);
    CHECK(checker.failure().find("log matching") != std::string::npos);
  }
  SECTION("one (index, term), different predecessors") {
    SafetyChecker checker;
    raft::MemoryStorage a, b;
    REQUIRE(a.Append({E(1, 1, ""), E(2, 3, "z")}).ok());
    REQUIRE(b.Append({E(1, 2, ""), E(2, 3, "z")}).ok());
    checker.OnPersisted(1, {E(2, 3, "z")}, a);
    checker.OnPersisted(2, {E(2, 3, "z")}, b);
    CHECK(checker.failure().find("log matching") != std::string::npos);
  }
  SECTION("different entries applied at one index") {
    SafetyChecker checker;
    checker.OnApplied(1, E(1, 1, "x"));
    checker.OnApplied(2, E(1, 1, "x"));
    CHECK(checker.failure().empty());
    checker.OnApplied(3, E(1, 2, "y"));
    CHECK(checker.failure().find("state machine safety") != std::string::npos);
  }
  SECTION("entries applied out of order") {
    SafetyChecker checker;
    checker.OnApplied(1, E(2, 1, "x"));
    CHECK(checker.failure().find("applies 2 after 0") != std::string::npos);
  }
  SECTION("a leader without a committed entry") {
    SafetyChecker checker;
    checker.OnApplied(1, E(1, 1, "x"));
    raft::MemoryStorage holds, lacks;
    REQUIRE(holds.Append({E(1, 1, "x")}).ok());
    REQUIRE(lacks.Append({E(1, 2, "")}).ok());
    checker.OnLeaderLog(2, 3, holds);
    CHECK(checker.failure().empty());
    checker.OnLeaderLog(3, 3, lacks);
    CHECK(checker.failure().find("leader completeness") != std::string::npos);
  }
}

}  // namespace
}  // namespace hamster::sim
