#include "hamster/raft/storage.h"

#include <catch2/catch.hpp>

#include "test_util.h"

namespace hamster::raft {
namespace {

using testing::Entries;

// A storage holding entries 3..5 (terms 3, 4, 5) after a snapshot at 3.
MemoryStorage StorageAt3To5() {
  MemoryStorage storage;
  REQUIRE(storage.ApplySnapshot(Snapshot{.metadata = {.index = 3, .term = 3}}).ok());
  REQUIRE(storage.Append(Entries({{4, 4}, {5, 5}})).ok());
  return storage;
}

TEST_CASE("MemoryStorage: answers term, bounds and entries with the documented codes", "[raft]") {
  MemoryStorage storage = StorageAt3To5();
  CHECK(*storage.FirstIndex() == 4);
  CHECK(*storage.LastIndex() == 5);
  struct Case {
    LogIndex index;
    absl::StatusCode code;
    Term term;
  };
  for (const Case& c : std::vector<Case>{{2, absl::StatusCode::kOutOfRange, 0},
                                         {3, absl::StatusCode::kOk, 3},
                                         {4, absl::StatusCode::kOk, 4},
                                         {5, absl::StatusCode::kOk, 5},
                                         {6, absl::StatusCode::kNotFound, 0}}) {
    INFO("index " << c.index);
    absl::StatusOr<Term> term = storage.TermAt(c.index);
    REQUIRE(term.status().code() == c.code);
    if (term.ok()) CHECK(*term == c.term);
  }
  CHECK(storage.Entries(3, 5, 100).status().code() == absl::StatusCode::kOutOfRange);
  CHECK(storage.Entries(4, 7, 100).status().code() == absl::StatusCode::kNotFound);
  CHECK(storage.Entries(4, 6, 100)->size() == 2);
}

TEST_CASE("MemoryStorage: Entries stops at max_bytes but returns at least one", "[raft]") {
  MemoryStorage storage;
  std::vector<Entry> entries = Entries({{1, 1}, {2, 1}, {3, 1}});
  for (Entry& entry : entries) entry.data = std::string(10, 'x');
  REQUIRE(storage.Append(entries).ok());
  struct Case {
    uint64_t max_bytes;
    size_t count;
  };
  for (const Case& c : std::vector<Case>{{0, 1}, {9, 1}, {10, 1}, {19, 1}, {20, 2}, {1000, 3}}) {
    INFO("max_bytes " << c.max_bytes);
    CHECK(storage.Entries(1, 4, c.max_bytes)->size() == c.count);
  }
}

TEST_CASE("MemoryStorage: Append replaces a conflicting suffix and refuses gaps", "[raft]") {
  struct Case {
    std::vector<Entry> append;
    absl::StatusCode code;
    std::vector<Entry> log;  // entries 4.. afterwards
  };
  const std::vector<Case> cases = {
      {Entries({{4, 4}, {5, 5}}), absl::StatusCode::kOk, Entries({{4, 4}, {5, 5}})},
      {Entries({{4, 4}, {5, 6}}), absl::StatusCode::kOk, Entries({{4, 4}, {5, 6}})},
      {Entries({{4, 4}, {5, 5}, {6, 5}}), absl::StatusCode::kOk, Entries({{4, 4}, {5, 5}, {6, 5}})},
      // Entries at or below the snapshot are skipped.
      {Entries({{2, 3}, {3, 3}, {4, 5}}), absl::StatusCode::kOk, Entries({{4, 5}})},
      {Entries({{6, 5}}), absl::StatusCode::kOk, Entries({{4, 4}, {5, 5}, {6, 5}})},
      {Entries({{5, 5}, {6, 6}}), absl::StatusCode::kOk, Entries({{4, 4}, {5, 5}, {6, 6}})},
      {Entries({{7, 5}}), absl::StatusCode::kInvalidArgument, Entries({{4, 4}, {5, 5}})},
      {Entries({{5, 5}, {7, 5}}), absl::StatusCode::kInvalidArgument, Entries({{4, 4}, {5, 5}})},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i);
    MemoryStorage storage = StorageAt3To5();
    CHECK(storage.Append(cases[i].append).code() == cases[i].code);
    CHECK(*storage.Entries(4, *storage.LastIndex() + 1, 1 << 20) == cases[i].log);
  }
}

TEST_CASE("MemoryStorage: snapshots and compaction keep the log reconstructible", "[raft]") {
  MemoryStorage storage = StorageAt3To5();
  // Older or equal snapshots are refused.
  CHECK(storage.ApplySnapshot(Snapshot{.metadata = {.index = 3, .term = 3}}).code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(storage.CreateSnapshot(3, {}, "x").code() == absl::StatusCode::kFailedPrecondition);
  CHECK(storage.CreateSnapshot(6, {}, "x").code() == absl::StatusCode::kNotFound);
  // No snapshot covers 5 yet.
  CHECK(storage.Compact(5).code() == absl::StatusCode::kFailedPrecondition);
  const ConfState conf{.voters = {1, 2, 3}};
  REQUIRE(storage.CreateSnapshot(5, conf, "state").ok());
  CHECK(*storage.FirstIndex() == 4);  // creating a snapshot does not compact
  REQUIRE(storage.LoadSnapshot()->metadata ==
          SnapshotMetadata{.index = 5, .term = 5, .conf_state = conf});
  REQUIRE(storage.Compact(4).ok());
  CHECK(*storage.FirstIndex() == 5);
  CHECK(*storage.TermAt(4) == 4);
  CHECK(storage.TermAt(3).status().code() == absl::StatusCode::kOutOfRange);
  REQUIRE(storage.Compact(2).ok());  // below the start: a no-op
  CHECK(*storage.FirstIndex() == 5);
  // A snapshot from the leader replaces the whole log.
  REQUIRE(storage.ApplySnapshot(Snapshot{.metadata = {.index = 9, .term = 7}, .data = "d"}).ok());
  CHECK(*storage.FirstIndex() == 10);
  CHECK(*storage.LastIndex() == 9);
  CHECK(*storage.TermAt(9) == 7);
}

TEST_CASE("MemoryStorage: the initial membership is the snapshot's", "[raft]") {
  MemoryStorage storage(ConfState{.voters = {1, 2}, .learners = {3}});
  CHECK(storage.LoadSnapshotMetadata()->conf_state == ConfState{.voters = {1, 2}, .learners = {3}});
  CHECK(storage.LoadSnapshotMetadata()->index == 0);
  CHECK(*storage.FirstIndex() == 1);
  CHECK(*storage.LastIndex() == 0);
  CHECK(*storage.TermAt(0) == 0);
}

}  // namespace
}  // namespace hamster::raft
