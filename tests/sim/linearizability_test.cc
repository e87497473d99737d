// The linearizability checker must accept every linearizable history and refuse the classic
// anomalies: stale reads, lost acknowledged writes, values from nowhere or from the future.

#include "linearizability.h"

#include <catch2/catch.hpp>
#include <random>

namespace hamster::sim {
namespace {

KvOperation W(uint64_t value, Time invoke, Time complete, std::string key = "k") {
  return KvOperation{.id = value,
                     .write = true,
                     .key = key,
                     .value = value,
                     .invoke = invoke,
                     .complete = complete};
}

KvOperation R(uint64_t value, Time invoke, Time complete, std::string key = "k") {
  return KvOperation{.id = 1000 + static_cast<uint64_t>(invoke),
                     .write = false,
                     .key = key,
                     .value = value,
                     .invoke = invoke,
                     .complete = complete};
}

TEST_CASE("Linearizability: accepts or refuses register histories", "[sim]") {
  struct Case {
    const char* what;
    std::vector<KvOperation> history;
    bool linearizable;
  };
  const std::vector<Case> cases = {
      {"empty", {}, true},
      {"read of nothing written", {R(0, 0, 1)}, true},
      {"write then read", {W(1, 0, 1), R(1, 2, 3)}, true},
      {"stale read after the write completed", {W(1, 0, 1), R(0, 2, 3)}, false},
      {"read concurrent with a write: old", {W(1, 0, 10), R(0, 2, 3)}, true},
      {"read concurrent with a write: new", {W(1, 0, 10), R(1, 2, 3)}, true},
      {"value from nowhere", {W(1, 0, 1), R(7, 2, 3)}, false},
      {"value from the future", {R(1, 0, 1), W(1, 2, 3)}, false},
      {"new then old (the second read starts after the first ended)",
       {W(1, 0, 10), R(1, 1, 2), R(0, 3, 4)},
       false},
      {"lost acknowledged write", {W(1, 0, 1), W(2, 2, 3), R(1, 4, 5)}, false},
      {"overlapping writes, either order", {W(1, 0, 5), W(2, 1, 6), R(1, 7, 8)}, true},
      {"overlapping writes then both orders seen",
       {W(1, 0, 5), W(2, 1, 6), R(1, 7, 8), R(2, 9, 10)},
       false},
      {"a timed-out write may take effect later", {W(1, 0, kNever), R(0, 1, 2), R(1, 3, 4)}, true},
      {"a timed-out write may never take effect", {W(1, 0, kNever), R(0, 5, 6)}, true},
      {"a timed-out write takes effect once",
       {W(1, 0, kNever), W(2, 1, 2), R(1, 3, 4), R(2, 5, 6)},
       false},
      {"keys are independent", {W(1, 0, 1, "a"), R(0, 2, 3, "b"), R(1, 4, 5, "a")}, true},
      {"a stale read on one key of two",
       {W(1, 0, 1, "a"), W(2, 0, 1, "b"), R(0, 2, 3, "b")},
       false},
      {"touching intervals count as concurrent", {W(1, 0, 2), R(0, 2, 3)}, true},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    const LinearizabilityResult result = CheckLinearizable(c.history);
    CHECK(result.linearizable == c.linearizable);
    CHECK_FALSE(result.exhausted);
    if (!c.linearizable) CHECK(result.explanation.find("not linearizable") != std::string::npos);
  }
}

// A random history produced by a real register: each operation takes effect at a random
// point within its interval, so the history is linearizable by construction.
std::vector<KvOperation> RandomLinearizableHistory(std::mt19937_64& rng, int clients, int ops) {
  std::vector<Time> free_at(clients, 0);
  struct Planned {
    KvOperation op;
    Time effect;
  };
  std::vector<Planned> planned;
  for (int i = 0; i < ops; ++i) {
    const int client = static_cast<int>(rng() % clients);
    const Time invoke = free_at[client] + static_cast<Time>(rng() % 5);
    const Time complete = invoke + 1 + static_cast<Time>(rng() % 20);
    const bool write = rng() % 2 == 0;
    const bool timeout = write && rng() % 10 == 0;
    planned.push_back({KvOperation{.id = static_cast<uint64_t>(i + 1),
                                   .client = client,
                                   .write = write,
                                   .key = "k",
                                   .value = write ? static_cast<uint64_t>(i + 1) : 0,
                                   .invoke = invoke,
                                   .complete = timeout ? kNever : complete},
                       invoke + static_cast<Time>(rng() % (complete - invoke + 1))});
    free_at[client] = complete + 1;
  }
  std::vector<size_t> order(planned.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return planned[a].effect < planned[b].effect; });
  uint64_t value = 0;
  for (size_t i : order) {
    KvOperation& op = planned[i].op;
    if (op.write) {
      value = op.value;
    } else {
      op.value = value;
    }
  }
  std::vector<KvOperation> history;
  for (const Planned& p : planned) history.push_back(p.op);
  return history;
}

TEST_CASE("Linearizability: accepts random histories of a real register", "[sim]") {
  const uint64_t seed = GENERATE(range(1, 41));
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  std::vector<KvOperation> history = RandomLinearizableHistory(rng, 5, 150);
  CHECK(CheckLinearizable(history).linearizable);
  // Corrupting one read to a value never written makes it refuse.
  for (KvOperation& op : history) {
    if (!op.write) {
      op.value = 999999;
      break;
    }
  }
  CHECK_FALSE(CheckLinearizable(history).linearizable);
}

}  // namespace
}  // namespace hamster::sim
