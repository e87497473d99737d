// DurableStorage is a Storage the embedder can also write: step 1 of the loop in raw_node.h
// (Persist a Ready), and the snapshot + compaction an embedder does after applying entries.
// The threaded driver (hamster::raft_node's Node) writes through it, so the same driver runs
// on the durable RocksDB log (hamster::raft_rocksdb's RocksDbStorage) and on memory in tests
// (hamster::raft_node's MemoryDurableStorage).
//
// What is durable when: Persist() with ready.must_sync returns once everything written so far
// (this batch and every earlier one) survives a crash. Writes are atomic and ordered: after a
// crash the storage holds a prefix of the writes, each entirely or not at all.
//
// Thread safety: implementations are safe to call from several threads; reads see each write
// entirely or not at all. One RawNode's writes must still come in the order of its Readys.

#ifndef HAMSTER_RAFT_DURABLE_STORAGE_H_
#define HAMSTER_RAFT_DURABLE_STORAGE_H_

#include <string>

#include "absl/status/status.h"
#include "hamster/raft/raw_node.h"
#include "hamster/raft/storage.h"
#include "hamster/raft/types.h"

namespace hamster::raft {

class DurableStorage : public Storage {
 public:
  // Writes, in one atomic write, ready.snapshot (replacing the whole log), ready.entries
  // (replacing every stored entry from entries[0].index on; entries at or below the snapshot
  // are skipped) and ready.hard_state. Durable on return iff ready.must_sync. Other fields of
  // `ready` are ignored. Returns, changing nothing: InvalidArgument when the entries are not
  // consecutive or leave a gap after the last stored entry; FailedPrecondition when the
  // snapshot is not newer than the stored one. Any other error is a storage failure.
  virtual absl::Status Persist(const Ready& ready) = 0;

  // Records a snapshot the state machine made after applying entries up to `index`, with the
  // membership in effect there. Entries are kept; Compact() drops them. Not synced: it is
  // rebuilt from the log if lost. Returns FailedPrecondition if `index` is not above the
  // current snapshot, NotFound if it is beyond LastIndex(), OutOfRange if it is compacted.
  virtual absl::Status CreateSnapshot(LogIndex index, ConfState conf_state, std::string data) = 0;

  // Drops entries up to and including `index`; FirstIndex() becomes index + 1. Returns
  // FailedPrecondition unless a snapshot covers `index`. At or below the current start it is a
  // no-op. Not synced: the entries come back after a crash, which is harmless.
  virtual absl::Status Compact(LogIndex index) = 0;
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_DURABLE_STORAGE_H_
