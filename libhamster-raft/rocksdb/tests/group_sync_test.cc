#include "group_sync.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>
#include <vector>

namespace hamster::raft {
namespace {

// Spins (yielding) until `done` holds; the test's own timeout bounds it.
template <typename Predicate>
void WaitUntil(Predicate done) {
  while (!done()) std::this_thread::yield();
}

TEST_CASE("GroupSync: writers arriving during a sync share the next one", "[raft_rocksdb]") {
  std::atomic<bool> release_first{false};
  std::atomic<int> syncs{0};
  GroupSync group([&] {
    // The first sync blocks until three more writers queue behind it.
    if (syncs.fetch_add(1) == 0) WaitUntil([&] { return release_first.load(); });
    return absl::OkStatus();
  });
  std::atomic<int> failures{0};
  auto write = [&] {
    if (!group.SyncThrough(group.Written()).ok()) ++failures;
  };
  std::thread first(write);
  WaitUntil([&] { return syncs.load() == 1; });
  std::vector<std::thread> others;
  for (int i = 0; i < 3; ++i) {
    others.emplace_back(write);
  }
  WaitUntil([&] { return group.waiting_count() == 3; });
  release_first = true;
  first.join();
  for (std::thread& other : others) other.join();
  CHECK(failures == 0);
  CHECK(group.sync_request_count() == 4);
  CHECK(group.sync_count() == 2);
}

TEST_CASE("GroupSync: a ticket already covered returns without syncing", "[raft_rocksdb]") {
  int syncs = 0;
  GroupSync group([&] {
    ++syncs;
    return absl::OkStatus();
  });
  const uint64_t a = group.Written();
  const uint64_t b = group.Written();
  REQUIRE(group.SyncThrough(b).ok());
  REQUIRE(group.SyncThrough(a).ok());
  CHECK(syncs == 1);
}

TEST_CASE("GroupSync: a failed sync fails its writers and every later one", "[raft_rocksdb]") {
  int syncs = 0;
  GroupSync group([&] {
    ++syncs;
    return absl::UnavailableError("disk gone");
  });
  CHECK(group.SyncThrough(group.Written()).code() == absl::StatusCode::kUnavailable);
  CHECK(group.SyncThrough(group.Written()).code() == absl::StatusCode::kUnavailable);
  CHECK(syncs == 1);
}

}  // namespace
}  // namespace hamster::raft
