#include "hamster/raft/rocksdb_storage.h"

#include <atomic>
#include <filesystem>
#include <map>
#include <random>
#include <catch2/catch.hpp>
#include <thread>

#include "format.h"
#include "rocksdb/db.h"
#include "test_dir.h"

namespace hamster::raft {
namespace {

using testing::TestDir;

std::vector<Entry> MakeEntries(LogIndex first, LogIndex last, Term term) {
  std::vector<Entry> entries;
  for (LogIndex index = first; index <= last; ++index) {
    entries.push_back(Entry{.term = term, .index = index, .data = "data" + std::to_string(index)});
  }
  return entries;
}

Ready Append(std::vector<Entry> entries, std::optional<HardState> hard_state = std::nullopt) {
  Ready ready;
  ready.entries = std::move(entries);
  ready.hard_state = hard_state;
  ready.must_sync = true;
  return ready;
}

std::unique_ptr<RocksDbStorage> OpenStorage(const TestDir& dir, ConfState membership = {}) {
  absl::StatusOr<std::unique_ptr<RocksDbStorage>> storage =
      RocksDbStorage::Open(dir.path(), std::move(membership));
  REQUIRE(storage.ok());
  return std::move(*storage);
}

TEST_CASE("RocksDbStorage: a new log holds the initial membership and nothing else",
          "[raft_rocksdb]") {
  TestDir dir;
  auto storage = OpenStorage(dir, ConfState{.voters = {1, 2, 3}});
  CHECK(*storage->FirstIndex() == 1);
  CHECK(*storage->LastIndex() == 0);
  CHECK(*storage->TermAt(0) == 0);
  CHECK(storage->TermAt(1).status().code() == absl::StatusCode::kNotFound);
  CHECK(*storage->LoadHardState() == HardState{});
  CHECK(storage->LoadSnapshot()->metadata.conf_state.voters == std::vector<NodeId>{1, 2, 3});
  storage.reset();
  // The initial membership is ignored for an existing log.
  storage = OpenStorage(dir, ConfState{.voters = {7}});
  CHECK(storage->LoadSnapshotMetadata()->conf_state.voters == std::vector<NodeId>{1, 2, 3});
}

TEST_CASE("RocksDbStorage: entries and hard state survive a reopen", "[raft_rocksdb]") {
  TestDir dir;
  const HardState hard{.term = 2, .vote = 3, .commit = 4};
  auto storage = OpenStorage(dir);
  REQUIRE(storage->Persist(Append(MakeEntries(1, 5, 2), hard)).ok());
  storage.reset();
  storage = OpenStorage(dir);
  CHECK(*storage->LoadHardState() == hard);
  CHECK(*storage->LastIndex() == 5);
  CHECK(*storage->Entries(1, 6, 1 << 20) == MakeEntries(1, 5, 2));
  CHECK(*storage->TermAt(5) == 2);
}

// The WAL's preallocated space counts in its size (no FALLOC_FL_KEEP_SIZE), so a synced
// append does not grow the file; what a crash leaves is a WAL with zeros after its last record.
TEST_CASE("RocksDbStorage: the WAL is preallocated in its size and its zero tail recovers",
          "[raft_rocksdb]") {
  TestDir dir;
  TestDir crashed;
  const HardState hard{.term = 2, .vote = 3, .commit = 4};
  auto storage = OpenStorage(dir);
  REQUIRE(storage->Persist(Append(MakeEntries(1, 5, 2), hard)).ok());
  uintmax_t wal_bytes = 0;
  for (const auto& file : std::filesystem::directory_iterator(dir.path())) {
    if (file.path().extension() == ".log") wal_bytes = std::max(wal_bytes, file.file_size());
  }
  CHECK(wal_bytes >= (1u << 20));  // five small entries, in a WAL preallocated to megabytes
  // A copy taken while the database is open is the directory a kill -9 would leave.
  std::filesystem::copy(dir.path(), crashed.path(),
                        std::filesystem::copy_options::recursive |
                            std::filesystem::copy_options::overwrite_existing);
  storage.reset();
  storage = OpenStorage(crashed);
  CHECK(*storage->LoadHardState() == hard);
  CHECK(*storage->Entries(1, 6, 1 << 20) == MakeEntries(1, 5, 2));
  REQUIRE(storage->Persist(Append(MakeEntries(6, 6, 2))).ok());
  CHECK(*storage->LastIndex() == 6);
}

TEST_CASE("RocksDbStorage: Entries stops at max_bytes but returns at least one", "[raft_rocksdb]") {
  TestDir dir;
  auto storage = OpenStorage(dir);
  REQUIRE(storage->Persist(Append(MakeEntries(1, 3, 1))).ok());  // 5 bytes of data each
  CHECK(storage->Entries(1, 4, 0)->size() == 1);
  CHECK(storage->Entries(1, 4, 9)->size() == 1);
  CHECK(storage->Entries(1, 4, 10)->size() == 2);
  CHECK(storage->Entries(1, 4, 1000)->size() == 3);
}

TEST_CASE("RocksDbStorage: appending replaces the suffix from the first new entry on",
          "[raft_rocksdb]") {
  TestDir dir;
  auto storage = OpenStorage(dir);
  REQUIRE(storage->Persist(Append(MakeEntries(1, 5, 1))).ok());
  REQUIRE(storage->Persist(Append(MakeEntries(3, 4, 2))).ok());
  const std::vector<Entry> expected = [] {
    std::vector<Entry> entries = MakeEntries(1, 2, 1);
    for (const Entry& entry : MakeEntries(3, 4, 2)) entries.push_back(entry);
    return entries;
  }();
  CHECK(*storage->LastIndex() == 4);
  CHECK(*storage->Entries(1, 5, 1 << 20) == expected);
  storage.reset();
  storage = OpenStorage(dir);
  CHECK(*storage->LastIndex() == 4);
  CHECK(*storage->Entries(1, 5, 1 << 20) == expected);
}

TEST_CASE("RocksDbStorage: refuses entries with a gap or out of sequence, changing nothing",
          "[raft_rocksdb]") {
  TestDir dir;
  auto storage = OpenStorage(dir);
  REQUIRE(storage->Persist(Append(MakeEntries(1, 3, 1))).ok());
  CHECK(storage->Persist(Append(MakeEntries(5, 6, 1), HardState{.term = 9})).code() ==
        absl::StatusCode::kInvalidArgument);
  std::vector<Entry> shuffled = MakeEntries(2, 4, 1);
  std::swap(shuffled[0], shuffled[1]);
  CHECK(storage->Persist(Append(shuffled)).code() == absl::StatusCode::kInvalidArgument);
  CHECK(*storage->LastIndex() == 3);
  CHECK(storage->LoadHardState()->term == 0);
}

TEST_CASE("RocksDbStorage: a snapshot from the leader replaces the whole log", "[raft_rocksdb]") {
  TestDir dir;
  auto storage = OpenStorage(dir);
  REQUIRE(storage->Persist(Append(MakeEntries(1, 5, 1))).ok());
  Ready ready = Append(MakeEntries(11, 12, 3), HardState{.term = 3, .commit = 10});
  ready.snapshot = Snapshot{.metadata = {.index = 10, .term = 3, .conf_state = {.voters = {1, 2}}},
                            .data = "state"};
  REQUIRE(storage->Persist(ready).ok());
  for (int reopen = 0; reopen < 2; ++reopen) {
    CHECK(*storage->FirstIndex() == 11);
    CHECK(*storage->LastIndex() == 12);
    CHECK(*storage->TermAt(10) == 3);
    CHECK(storage->TermAt(5).status().code() == absl::StatusCode::kOutOfRange);
    CHECK(storage->Entries(5, 6, 100).status().code() == absl::StatusCode::kOutOfRange);
    CHECK(*storage->LoadSnapshot() == *ready.snapshot);
    storage.reset();
    storage = OpenStorage(dir);
  }
  Ready older;
  older.snapshot = Snapshot{.metadata = {.index = 10, .term = 3}};
  CHECK(storage->Persist(older).code() == absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("RocksDbStorage: CreateSnapshot and Compact answer with the documented codes",
          "[raft_rocksdb]") {
  TestDir dir;
  auto storage = OpenStorage(dir);
  REQUIRE(storage->Persist(Append(MakeEntries(1, 5, 1))).ok());
  CHECK(storage->Compact(2).code() == absl::StatusCode::kFailedPrecondition);
  CHECK(storage->CreateSnapshot(6, {}, "x").code() == absl::StatusCode::kNotFound);
  REQUIRE(storage->CreateSnapshot(3, ConfState{.voters = {1}}, "at3").ok());
  CHECK(storage->CreateSnapshot(3, {}, "again").code() == absl::StatusCode::kFailedPrecondition);
  CHECK(storage->Compact(4).code() == absl::StatusCode::kFailedPrecondition);
  REQUIRE(storage->Compact(2).ok());
  REQUIRE(storage->Compact(1).ok());  // below the start: a no-op
  for (int reopen = 0; reopen < 2; ++reopen) {
    CHECK(*storage->FirstIndex() == 3);
    CHECK(*storage->TermAt(2) == 1);
    CHECK(storage->TermAt(1).status().code() == absl::StatusCode::kOutOfRange);
    CHECK(storage->Entries(2, 4, 100).status().code() == absl::StatusCode::kOutOfRange);
    CHECK(storage->Entries(3, 7, 100).status().code() == absl::StatusCode::kNotFound);
    CHECK(*storage->Entries(3, 6, 100) == MakeEntries(3, 5, 1));
    CHECK(storage->LoadSnapshot()->data == "at3");
    CHECK(storage->LoadSnapshotMetadata()->term == 1);
    storage.reset();
    storage = OpenStorage(dir);
  }
  CHECK(storage->CreateSnapshot(1, {}, "x").code() == absl::StatusCode::kFailedPrecondition);
}

// TermAt and Entries answer recent entries from memory (the recent entries cache);
// whatever the history of overwrites, snapshots, compactions and reopens, they must agree
// with what was written.
TEST_CASE("RocksDbStorage: TermAt and Entries agree with the written log through every change",
          "[raft_rocksdb]") {
  TestDir dir;
  auto storage = OpenStorage(dir);
  std::mt19937_64 rng(7);
  std::map<LogIndex, Term> model;  // index -> term, from the compaction point on
  LogPosition compacted;
  Term term = 1;
  auto last = [&] { return model.empty() ? compacted.index : model.rbegin()->first; };
  for (int step = 0; step < 300; ++step) {
    INFO("step " << step);
    const uint64_t action = rng() % 10;
    if (action < 6) {
      // Entries from anywhere after the compaction point up to one past the end.
      const LogIndex from = compacted.index + 1 + rng() % (last() - compacted.index + 1);
      if (rng() % 3 == 0) ++term;
      const LogIndex to = from + rng() % 4;
      std::vector<Entry> entries = MakeEntries(from, to, term);
      for (Entry& entry : entries) entry.data += "@" + std::to_string(term);
      REQUIRE(storage->Persist(Append(entries)).ok());
      model.erase(model.lower_bound(from), model.end());
      for (LogIndex index = from; index <= to; ++index) model[index] = term;
    } else if (action < 8 && last() > compacted.index) {
      const LogIndex at = compacted.index + 1 + rng() % (last() - compacted.index);
      REQUIRE(storage->CreateSnapshot(at, {}, "s").ok());
      REQUIRE(storage->Compact(at).ok());
      compacted = LogPosition{.index = at, .term = model.at(at)};
      model.erase(model.begin(), model.upper_bound(at));
    } else if (action == 8) {
      ++term;
      const LogIndex at = last() + 1 + rng() % 3;
      Ready ready;
      ready.snapshot = Snapshot{.metadata = {.index = at, .term = term}, .data = "leader's"};
      ready.must_sync = true;
      REQUIRE(storage->Persist(ready).ok());
      compacted = LogPosition{.index = at, .term = term};
      model.clear();
    } else {
      storage.reset();
      storage = OpenStorage(dir);
    }
    REQUIRE(*storage->LastIndex() == last());
    CHECK(*storage->TermAt(compacted.index) == compacted.term);
    std::vector<Entry> want_entries;
    for (const auto& [index, want] : model) {
      INFO("index " << index);
      CHECK(*storage->TermAt(index) == want);
      want_entries.push_back(Entry{.term = want,
                                   .index = index,
                                   .data = "data" + std::to_string(index) + "@" +
                                           std::to_string(want)});
    }
    if (!model.empty()) {
      CHECK(*storage->Entries(model.begin()->first, last() + 1, 1 << 20) == want_entries);
      // A byte limit cuts the answer but returns at least one entry.
      const LogIndex lo = model.begin()->first + rng() % model.size();
      absl::StatusOr<std::vector<Entry>> cut = storage->Entries(lo, last() + 1, rng() % 20);
      REQUIRE(cut.ok());
      REQUIRE_FALSE(cut->empty());
      CHECK(cut->front() == want_entries[lo - model.begin()->first]);
    }
  }
}

TEST_CASE("RocksDbStorage: refuses a database of a newer format or another kind",
          "[raft_rocksdb]") {
  TestDir dir;
  auto write_raw = [&](const std::string& key, const std::string& value) {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* db = nullptr;
    REQUIRE(rocksdb::DB::Open(options, dir.path(), &db).ok());
    REQUIRE(db->Put(rocksdb::WriteOptions(), key, value).ok());
    delete db;
  };
  write_raw("someone else's", "data");
  CHECK(RocksDbStorage::Open(dir.path(), {}).status().code() == absl::StatusCode::kDataLoss);
  write_raw(rocksdb_format::FormatKey(), "2");
  CHECK(RocksDbStorage::Open(dir.path(), {}).status().code() ==
        absl::StatusCode::kFailedPrecondition);
}

TEST_CASE("RocksDbStorage: a database open in one place cannot be opened again", "[raft_rocksdb]") {
  TestDir dir;
  auto storage = OpenStorage(dir);
  CHECK(RocksDbStorage::Open(dir.path(), {}).status().code() == absl::StatusCode::kUnavailable);
}

TEST_CASE("RocksDbStorage: groups sharing a database group-commit and stay apart",
          "[raft_rocksdb]") {
  TestDir dir;
  constexpr int kGroups = 4;
  constexpr LogIndex kEntries = 40;
  {
    absl::StatusOr<std::shared_ptr<RocksDbLogDatabase>> database =
        RocksDbLogDatabase::Open(dir.path());
    REQUIRE(database.ok());
    std::atomic<int> failures{0};
    std::vector<std::thread> writers;
    for (int group = 0; group < kGroups; ++group) {
      writers.emplace_back([&, group] {
        auto storage = RocksDbStorage::Open(*database, group, {});
        if (!storage.ok()) return void(++failures);
        for (LogIndex index = 1; index <= kEntries; ++index) {
          Ready ready = Append(MakeEntries(index, index, group + 1), HardState{.term = 1});
          if (!(*storage)->Persist(ready).ok()) ++failures;
        }
      });
    }
    for (std::thread& writer : writers) writer.join();
    REQUIRE(failures == 0);
    const RocksDbLogStats stats = (*database)->stats();
    CHECK(stats.sync_requests >= kGroups * kEntries);
    CHECK(stats.syncs <= stats.sync_requests);
  }
  absl::StatusOr<std::shared_ptr<RocksDbLogDatabase>> database =
      RocksDbLogDatabase::Open(dir.path());
  REQUIRE(database.ok());
  for (int group = 0; group < kGroups; ++group) {
    auto storage = RocksDbStorage::Open(*database, group, {});
    REQUIRE(storage.ok());
    CHECK(*(*storage)->Entries(1, kEntries + 1, 1 << 20) == MakeEntries(1, kEntries, group + 1));
  }
}

}  // namespace
}  // namespace hamster::raft
