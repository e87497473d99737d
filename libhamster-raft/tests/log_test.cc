// The log layer: appends with conflicts, conflict hints, up-to-date checks, unstable entries.

#include <catch2/catch.hpp>

#include "raft_log.h"
#include "test_util.h"

namespace hamster::raft {
namespace {

using testing::Entries;

// A log with entries 1@1, 2@2, 3@3 in storage and the given commit index.
RaftLog LogWith123(MemoryStorage& storage, LogIndex commit) {
  REQUIRE(storage.Append(Entries({{1, 1}, {2, 2}, {3, 3}})).ok());
  absl::StatusOr<RaftLog> log = RaftLog::Open(&storage, commit, 0);
  REQUIRE(log.ok());
  return std::move(*log);
}

TEST_CASE("RaftLog: MaybeAppend matches, truncates conflicts and commits", "[raft]") {
  struct Case {
    LogIndex index;
    Term log_term;
    LogIndex commit;
    std::vector<Entry> entries;
    std::optional<LogIndex> last_new;  // nullopt: rejected
    LogIndex committed;
    LogIndex first_changed;
    LogIndex last_index;
  };
  const std::vector<Case> cases = {
      // (index, log_term) not in the log: rejected, nothing changes.
      {3, 2, 3, Entries({{4, 4}}), std::nullopt, 1, 0, 3},
      {4, 4, 3, Entries({{5, 4}}), std::nullopt, 1, 0, 3},
      // Matching with no entries: commit up to min(commit, last new).
      {3, 3, 3, {}, 3, 3, 0, 3},
      {3, 3, 4, {}, 3, 3, 0, 3},
      {2, 2, 4, {}, 2, 2, 0, 3},
      // New entries after the end.
      {3, 3, 3, Entries({{4, 4}}), 4, 3, 4, 4},
      {3, 3, 5, Entries({{4, 4}, {5, 4}}), 5, 5, 4, 5},
      // Entries already present: no change (a duplicate or reordered Append).
      {1, 1, 2, Entries({{2, 2}}), 2, 2, 0, 3},
      // A conflict at 3 truncates and replaces.
      {2, 2, 3, Entries({{3, 4}}), 3, 3, 3, 3},
      {2, 2, 2, Entries({{3, 4}, {4, 4}}), 4, 2, 3, 4},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    INFO("case " << i);
    MemoryStorage storage;
    RaftLog log = LogWith123(storage, 1);
    LogIndex first_changed = 99;
    absl::StatusOr<std::optional<LogIndex>> result =
        log.MaybeAppend(c.index, c.log_term, c.commit, c.entries, &first_changed);
    REQUIRE(result.ok());
    CHECK(*result == c.last_new);
    CHECK(log.committed() == c.committed);
    CHECK(first_changed == c.first_changed);
    CHECK(log.last_index() == c.last_index);
  }
}

TEST_CASE("RaftLog: an append contradicting a committed entry stops with Internal", "[raft]") {
  MemoryStorage storage;
  RaftLog log = LogWith123(storage, 3);
  LogIndex first_changed = 0;
  absl::StatusOr<std::optional<LogIndex>> result =
      log.MaybeAppend(1, 1, 3, Entries({{2, 5}}), &first_changed);
  CHECK(result.status().code() == absl::StatusCode::kInternal);
  CHECK(*log.TermOf(2) == 2);
}

TEST_CASE("RaftLog: FindConflictByTerm returns the last entry at or below a term", "[raft]") {
  // Log: 1@1 2@2 3@2 4@4 5@4 6@5.
  MemoryStorage storage;
  REQUIRE(storage.Append(Entries({{1, 1}, {2, 2}, {3, 2}, {4, 4}, {5, 4}, {6, 5}})).ok());
  absl::StatusOr<RaftLog> log = RaftLog::Open(&storage, 0, 0);
  REQUIRE(log.ok());
  struct Case {
    LogIndex index;
    Term term;
    LogPosition want;
  };
  for (const Case& c : std::vector<Case>{{6, 5, {6, 5}},
                                         {6, 4, {5, 4}},
                                         {6, 3, {3, 2}},
                                         {5, 3, {3, 2}},
                                         {6, 1, {1, 1}},
                                         {6, 0, {0, 0}},
                                         {2, 2, {2, 2}},
                                         {9, 9, {9, 0}}}) {
    INFO("index " << c.index << " term " << c.term);
    CHECK(*log->FindConflictByTerm(c.index, c.term) == c.want);
  }
}

TEST_CASE("RaftLog: IsUpToDate compares last term, then last index", "[raft]") {
  MemoryStorage storage;
  RaftLog log = LogWith123(storage, 0);  // last 3@3
  struct Case {
    LogIndex index;
    Term term;
    bool up_to_date;
  };
  for (const Case& c : std::vector<Case>{{2, 4, true},
                                         {3, 4, true},
                                         {4, 4, true},
                                         {2, 3, false},
                                         {3, 3, true},
                                         {4, 3, true},
                                         {2, 2, false},
                                         {3, 2, false},
                                         {4, 2, false}}) {
    INFO("index " << c.index << " term " << c.term);
    CHECK(*log.IsUpToDate(c.index, c.term) == c.up_to_date);
  }
}

TEST_CASE("RaftLog: unstable entries become stable only if not replaced meanwhile", "[raft]") {
  MemoryStorage storage;
  RaftLog log = LogWith123(storage, 0);
  log.Append(Entries({{4, 3}, {5, 3}}));
  CHECK(log.unstable().entries().size() == 2);
  CHECK(log.persisted_index() == 3);
  // A new leader replaced 5 before the embedder reported 5@3 persisted.
  log.Append(Entries({{5, 4}}));
  log.StableTo(5, 3);
  CHECK(log.unstable().entries().size() == 2);
  log.StableTo(5, 4);
  CHECK(log.unstable().entries().empty());
  CHECK(log.persisted_index() == 5);
  CHECK(log.last_index() == 5);
}

TEST_CASE("RaftLog: Slice reads storage then unstable within the byte limit", "[raft]") {
  MemoryStorage storage;
  std::vector<Entry> stored = Entries({{1, 1}, {2, 1}});
  for (Entry& entry : stored) entry.data = "0123456789";
  REQUIRE(storage.Append(stored).ok());
  REQUIRE(storage.CreateSnapshot(1, {}, "").ok());
  REQUIRE(storage.Compact(1).ok());
  absl::StatusOr<RaftLog> log = RaftLog::Open(&storage, 1, 1);
  REQUIRE(log.ok());
  std::vector<Entry> more = Entries({{3, 2}, {4, 2}});
  for (Entry& entry : more) entry.data = "0123456789";
  log->Append(more);
  CHECK(log->Slice(1, 5, 100).status().code() == absl::StatusCode::kOutOfRange);
  CHECK(log->Slice(2, 5, 100)->size() == 3);
  CHECK(log->Slice(2, 5, 20)->size() == 2);
  CHECK(log->Slice(2, 5, 5)->size() == 1);
  CHECK(log->Slice(3, 5, 5)->size() == 1);
  CHECK(log->TermOf(0).status().code() == absl::StatusCode::kOutOfRange);
  CHECK(*log->TermOf(1) == 1);
  CHECK(*log->TermOf(9) == 0);
}

TEST_CASE("RaftLog: Open refuses a commit index beyond the stored log", "[raft]") {
  MemoryStorage storage;
  REQUIRE(storage.Append(Entries({{1, 1}})).ok());
  CHECK(RaftLog::Open(&storage, 2, 0).status().code() == absl::StatusCode::kDataLoss);
  CHECK(RaftLog::Open(&storage, 1, 0).ok());
}

}  // namespace
}  // namespace hamster::raft
