// The workload of the crash test, shared by the writer process and the checking parent.
// Both hold a LogModel (what the storage should contain) and derive the same sequence of
// storage operations from it and a seed, so the parent can tell exactly which states the
// writer's storage went through, and check that a crash left one of them.

#ifndef HAMSTER_RAFT_ROCKSDB_TESTS_CRASH_WORKLOAD_H_
#define HAMSTER_RAFT_ROCKSDB_TESTS_CRASH_WORKLOAD_H_

#include <cstdint>
#include <map>
#include <random>
#include <string>

#include "absl/status/status.h"
#include "hamster/raft/durable_storage.h"

namespace hamster::raft::testing {

// Everything a storage holds, in a form easy to compare.
struct LogModel {
  HardState hard_state;
  Snapshot snapshot;
  LogPosition compacted;
  std::map<LogIndex, Entry> entries;
  bool operator==(const LogModel&) const = default;

  LogIndex last_index() const {
    return entries.empty() ? compacted.index : entries.rbegin()->first;
  }
  Term TermAt(LogIndex index) const {
    return index == compacted.index ? compacted.term : entries.at(index).term;
  }
};

inline absl::StatusOr<LogModel> LoadModel(const Storage& storage) {
  LogModel model;
  absl::StatusOr<HardState> hard = storage.LoadHardState();
  absl::StatusOr<Snapshot> snapshot = storage.LoadSnapshot();
  absl::StatusOr<LogIndex> first = storage.FirstIndex();
  absl::StatusOr<LogIndex> last = storage.LastIndex();
  if (!hard.ok() || !snapshot.ok() || !first.ok() || !last.ok()) {
    return absl::InternalError("cannot read the storage's state");
  }
  absl::StatusOr<Term> compacted_term = storage.TermAt(*first - 1);
  if (!compacted_term.ok()) return compacted_term.status();
  model.hard_state = *hard;
  model.snapshot = std::move(*snapshot);
  model.compacted = LogPosition{.index = *first - 1, .term = *compacted_term};
  if (*last >= *first) {
    absl::StatusOr<std::vector<Entry>> entries = storage.Entries(*first, *last + 1, UINT64_MAX);
    if (!entries.ok()) return entries.status();
    for (Entry& entry : *entries) model.entries[entry.index] = std::move(entry);
  }
  return model;
}

// One storage operation: a Ready to persist, or a snapshot of the "state machine" (which
// may be followed by a compaction).
struct Operation {
  enum class Kind { kPersist, kCreateSnapshot, kCompact } kind = Kind::kPersist;
  Ready ready;
  LogIndex index = 0;
  std::string data;
};

// Picks the next operation the way a Raft node would issue them: terms never decrease,
// entries are overwritten only above the commit index, compaction stays behind a snapshot.
inline Operation NextOperation(const LogModel& model, std::mt19937_64& rng) {
  const uint64_t dice = rng() % 100;
  const HardState hard = model.hard_state;
  Operation op;
  if (dice < 20 && hard.commit > model.snapshot.metadata.index) {
    op.kind = Operation::Kind::kCreateSnapshot;
    op.index = hard.commit;
    op.data = "state@" + std::to_string(hard.commit);
    return op;
  }
  if (dice < 30 && model.snapshot.metadata.index > model.compacted.index) {
    op.kind = Operation::Kind::kCompact;
    op.index = model.snapshot.metadata.index -
               rng() % (model.snapshot.metadata.index - model.compacted.index);
    return op;
  }
  Ready& ready = op.ready;
  ready.hard_state = hard;
  if (dice < 40) {  // only the commit index moves: no fsync
    ready.hard_state->commit = hard.commit + (model.last_index() - hard.commit + 1) / 2;
    return op;
  }
  ready.must_sync = true;
  if (rng() % 10 == 0) ready.hard_state->term = hard.term + 1;
  ready.hard_state->vote = 1;
  const Term term = ready.hard_state->term;
  LogIndex next = model.last_index() + 1;
  if (dice < 45) {  // a snapshot from the leader, beyond the log
    next = model.last_index() + 1 + rng() % 10;
    ready.snapshot =
        Snapshot{.metadata = {.index = next, .term = term, .conf_state = {.voters = {1}}},
                 .data = "leader@" + std::to_string(next)};
    ready.hard_state->commit = next;
    ++next;
  } else if (rng() % 4 == 0 && model.last_index() > hard.commit) {  // overwrite a suffix
    next = hard.commit + 1 + rng() % (model.last_index() - hard.commit);
  }
  const uint64_t count = 1 + rng() % 4;
  for (uint64_t i = 0; i < count; ++i) {
    std::string data(rng() % 2000, static_cast<char>('a' + rng() % 26));
    ready.entries.push_back(Entry{.term = term, .index = next + i, .data = std::move(data)});
  }
  return op;
}

inline absl::Status ApplyToStorage(const Operation& op, DurableStorage& storage) {
  switch (op.kind) {
    case Operation::Kind::kPersist:
      return storage.Persist(op.ready);
    case Operation::Kind::kCreateSnapshot:
      return storage.CreateSnapshot(op.index, ConfState{.voters = {1}}, op.data);
    case Operation::Kind::kCompact:
      return storage.Compact(op.index);
  }
  return absl::InternalError("unknown operation");
}

inline void ApplyToModel(const Operation& op, LogModel& model) {
  switch (op.kind) {
    case Operation::Kind::kPersist: {
      const Ready& ready = op.ready;
      if (ready.snapshot) {
        model.snapshot = *ready.snapshot;
        model.compacted = {.index = ready.snapshot->metadata.index,
                           .term = ready.snapshot->metadata.term};
        model.entries.clear();
      }
      if (!ready.entries.empty()) {
        model.entries.erase(model.entries.lower_bound(ready.entries.front().index),
                            model.entries.end());
        for (const Entry& entry : ready.entries) {
          if (entry.index > model.compacted.index) model.entries[entry.index] = entry;
        }
      }
      if (ready.hard_state) model.hard_state = *ready.hard_state;
      return;
    }
    case Operation::Kind::kCreateSnapshot:
      model.snapshot = Snapshot{.metadata = {.index = op.index,
                                             .term = model.TermAt(op.index),
                                             .conf_state = {.voters = {1}}},
                                .data = op.data};
      return;
    case Operation::Kind::kCompact:
      if (op.index <= model.compacted.index) return;
      model.compacted = {.index = op.index, .term = model.TermAt(op.index)};
      model.entries.erase(model.entries.begin(), model.entries.upper_bound(op.index));
      return;
  }
}

}  // namespace hamster::raft::testing

#endif  // HAMSTER_RAFT_ROCKSDB_TESTS_CRASH_WORKLOAD_H_
