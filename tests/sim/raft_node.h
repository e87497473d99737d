// One Raft node as an embedder runs it, over the simulated clock, network and disk: it ticks
// on its own (slightly drifting) clock, steps messages as they arrive, and handles each Ready
// as the RawNode contract says: send `messages`, write the batch to disk, wait for the fsync,
// then send `messages_after_persist`, apply, and Advance. Its state machine is a KvStore it
// snapshots every few entries, compacting the log behind it.
//
// It reports to the SafetyChecker after every step (leadership), every write (log matching,
// leader completeness) and every applied entry (state machine safety).

#ifndef HAMSTER_TESTS_SIM_RAFT_NODE_H_
#define HAMSTER_TESTS_SIM_RAFT_NODE_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "event_loop.h"
#include "hamster/raft/raw_node.h"
#include "hamster/raft/storage.h"
#include "kv.h"
#include "random.h"
#include "safety_checker.h"
#include "sim_disk.h"
#include "sim_network.h"
#include "trace.h"

namespace hamster::sim {

// One atomic write to a node's Raft storage.
struct StorageRecord {
  enum class Kind { kHardState, kEntries, kInstallSnapshot, kCreateSnapshot, kCompact };
  Kind kind = Kind::kHardState;
  raft::HardState hard_state;
  std::vector<raft::Entry> entries;
  raft::Snapshot snapshot;   // kInstallSnapshot; kCreateSnapshot uses its metadata and data
  raft::LogIndex index = 0;  // kCompact
};
std::string ApplyRecord(raft::MemoryStorage& storage, const StorageRecord& record);

using RaftDisk = SimDisk<raft::MemoryStorage, StorageRecord>;
using RaftNetwork = SimNetwork<raft::Message>;

struct NodeOptions {
  raft::Config raft;  // id, storage and seed are filled in per node
  Duration tick_interval = 10 * kMillisecond;
  DiskOptions disk;
  // Snapshot the state machine once this many entries were applied since the last one
  // (0: never), keeping this many entries behind it in the log.
  uint64_t snapshot_every_entries = 0;
  uint64_t snapshot_keep_entries = 0;
};

struct NodeEnv {
  EventLoop* loop;
  RaftNetwork* network;
  SafetyChecker* checker;
  Trace* trace;
};

class SimRaftNode {
 public:
  SimRaftNode(raft::NodeId id, raft::ConfState bootstrap, NodeEnv env, Random random,
              NodeOptions options);
  SimRaftNode(const SimRaftNode&) = delete;
  SimRaftNode& operator=(const SimRaftNode&) = delete;

  raft::NodeId id() const { return id_; }
  bool up() const { return node_ != nullptr; }
  bool shut_down() const { return shut_down_; }

  // Boots from what the disk holds durably.
  void Start();
  // Power loss: unsynced writes may be lost; in-flight requests never complete.
  void Crash();
  // Removed from the cluster: stops for good.
  void Shutdown();
  // Loses power right after its next write, before the fsync completes (the worst moment:
  // messages that did not wait for the fsync are out, the write may be lost), and boots
  // again `down_for` later. With `vote_only`, waits for a write that changes term or vote.
  void CrashDuringNextSync(Duration down_for, bool vote_only) {
    crash_during_sync_ = down_for;
    crash_on_vote_only_ = vote_only;
  }

  // Client calls. An error means the request was refused and took no effect. `done` runs
  // when the outcome is known: true once the write is applied, false once it is certain it
  // never will be. It never runs if the node crashes first.
  absl::Status Write(const std::string& key, uint64_t value, std::function<void(bool)> done);
  // `done` gets the value from a linearizable read (ReadIndex, then the applied state).
  absl::Status Read(const std::string& key, std::function<void(uint64_t)> done);
  absl::Status ProposeConfChange(const raft::ConfChange& change);
  absl::Status TransferLeader(raft::NodeId to);

  // REQUIRES: up().
  raft::NodeStatus status() const { return node_->status(); }
  raft::SoftState soft_state() const { return node_->soft_state(); }
  raft::LogIndex applied() const { return applied_; }
  const KvStore& kv() const { return kv_; }
  const raft::ConfState& applied_conf() const { return applied_conf_; }
  const raft::MemoryStorage& storage() { return disk_.live(); }
  uint64_t snapshots_installed() const { return snapshots_installed_; }

  // Runs when this node applies a membership change entry.
  std::function<void(raft::NodeId, const raft::ConfChangeEntry&)> on_membership_applied;

 private:
  struct PendingWrite {
    raft::Term term;
    std::function<void(bool)> done;
  };
  struct PendingRead {
    std::string key;
    std::function<void(uint64_t)> done;
  };
  struct WaitingRead {
    raft::LogIndex index;
    PendingRead read;
  };

  void Receive(raft::Message message);
  void ScheduleTick();
  void AfterStep(const absl::Status& stepped, const char* what);
  void CheckLeadership();
  void Pump();
  void Persist(const raft::Ready& ready);
  void Finish(raft::Ready& ready);
  void InstallSnapshot(const raft::Snapshot& snapshot);
  void Apply(const raft::Entry& entry);
  void ServeReads();
  void MaybeSnapshot();
  void Send(const raft::Message& message);
  void RecordPromise(const raft::Message& message);
  void CheckPromisesKept(const raft::MemoryStorage& storage);
  void Log(const std::string& line);

  const raft::NodeId id_;
  NodeEnv env_;
  Random random_;
  NodeOptions options_;
  Duration tick_interval_;
  RaftDisk disk_;
  std::unique_ptr<raft::RawNode> node_;
  uint64_t incarnation_ = 0;
  bool shut_down_ = false;
  bool syncing_ = false;
  std::optional<Duration> crash_during_sync_;
  bool crash_on_vote_only_ = false;
  // What this node promised in messages sent after persisting: it granted `granted_vote_`
  // (term, candidate), and it acknowledged holding `acknowledged_` (index, term). A crash
  // must not take either back; a later leader may overwrite the acknowledged entry, which
  // clears it.
  std::optional<std::pair<raft::Term, raft::NodeId>> granted_vote_;
  std::optional<raft::LogPosition> acknowledged_;
  raft::Term voted_term_ = 0;  // the term and vote last written
  raft::NodeId voted_for_ = raft::kNoNode;
  raft::Term leader_term_ = 0;  // the last term this node was seen leading
  // A leader completeness check waiting for the new leader's log to be written.
  std::optional<raft::Term> completeness_check_;

  KvStore kv_;
  raft::LogIndex applied_ = 0;
  raft::ConfState applied_conf_;
  std::map<raft::LogIndex, PendingWrite> pending_writes_;
  std::map<std::string, PendingRead> pending_reads_;
  std::vector<WaitingRead> waiting_reads_;
  uint64_t next_read_ = 0;
  uint64_t snapshots_installed_ = 0;
};

}  // namespace hamster::sim

#endif  // HAMSTER_TESTS_SIM_RAFT_NODE_H_
