// Helpers for the core's unit tests: building nodes on MemoryStorage, handling Readies the
// way an embedder must, describing messages compactly for table-driven expectations, and a
// small synchronous cluster that delivers messages until nothing moves.

#ifndef HAMSTER_RAFT_TESTS_TEST_UTIL_H_
#define HAMSTER_RAFT_TESTS_TEST_UTIL_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "hamster/raft/raw_node.h"
#include "hamster/raft/storage.h"

namespace hamster::raft::testing {

// "Append 1->2 t3 prev=5@2 commit=4 entries=6@3,7@3": type, route, term, then the fields
// the type uses (see Describe() in test_util.cc).
std::string Describe(const Message& message);
std::vector<std::string> Describe(const std::vector<Message>& messages);

Config TestConfig(NodeId id, Storage* storage);
std::vector<Entry> Entries(std::vector<std::pair<LogIndex, Term>> positions);

// Persists a Ready into `storage` as an embedder must before Advance().
void Persist(MemoryStorage& storage, const Ready& ready);

// Storage over a MemoryStorage that can be told to fail.
class ControlledStorage final : public Storage {
 public:
  explicit ControlledStorage(MemoryStorage* memory) : memory_(memory) {}
  absl::StatusOr<HardState> LoadHardState() const override { return memory_->LoadHardState(); }
  absl::StatusOr<SnapshotMetadata> LoadSnapshotMetadata() const override {
    return memory_->LoadSnapshotMetadata();
  }
  absl::StatusOr<Snapshot> LoadSnapshot() const override;
  absl::StatusOr<std::vector<Entry>> Entries(LogIndex lo, LogIndex hi,
                                             uint64_t max_bytes) const override;
  absl::StatusOr<Term> TermAt(LogIndex index) const override;
  absl::StatusOr<LogIndex> FirstIndex() const override { return memory_->FirstIndex(); }
  absl::StatusOr<LogIndex> LastIndex() const override { return memory_->LastIndex(); }

  // LoadSnapshot() answers kUnavailable this many more times.
  mutable int snapshot_unavailable_count = 0;
  mutable int snapshot_loads = 0;
  // When not OK, Entries() and TermAt() return it.
  absl::Status failure;

 private:
  MemoryStorage* memory_;
};

// A node on its own MemoryStorage, driven directly by a test.
struct Peer {
  NodeId id = kNoNode;
  std::unique_ptr<MemoryStorage> storage;
  // When set, the node reads through this instead of `storage` directly.
  std::unique_ptr<ControlledStorage> controlled;
  std::unique_ptr<RawNode> node;
  std::vector<Entry> applied;
  std::vector<ReadState> read_states;
  std::optional<SoftState> soft_state;

  // Handles every Ready: persists, collects messages (both lists) and applies. Returns the
  // messages in the order they may be sent.
  std::vector<Message> Drain();
  // Same, returning descriptions, the after-persist list prefixed with "after: ".
  std::vector<std::string> DrainDescribed();
  std::vector<LogIndex> AppliedIndexes() const;
};

using ConfigTweak = std::function<void(Config&)>;

// A node on fresh storage bootstrapped with `voters` (and `learners`).
Peer MakePeer(NodeId id, std::vector<NodeId> voters, const ConfigTweak& tweak = {},
              std::vector<NodeId> learners = {});
// Recreates the node from its storage, as after a crash where everything persisted survived.
void Restart(Peer& peer, const ConfigTweak& tweak = {});

// Nodes that deliver messages to each other synchronously.
class Cluster {
 public:
  explicit Cluster(std::vector<NodeId> voters, ConfigTweak tweak = {});

  Peer& peer(NodeId id) { return peers_.at(id); }
  RawNode& node(NodeId id) { return *peers_.at(id).node; }
  // Adds a node with empty storage and no membership (to be added by a membership change).
  void AddEmptyNode(NodeId id);

  // Handles Readies and delivers messages until no node has anything to do.
  void Stabilize();
  void Tick(NodeId id, int ticks = 1);
  // Ticks every live node, stabilizing after each tick.
  void TickAll(int ticks);
  // Elects `id`: campaigns and stabilizes. REQUIRES it wins.
  void Elect(NodeId id);
  void Propose(NodeId id, const std::string& data);

  // Messages between a and b are dropped, in both directions or only from `from` to `to`.
  void Cut(NodeId a, NodeId b) { dropped_.insert({a, b}), dropped_.insert({b, a}); }
  void CutOneWay(NodeId from, NodeId to) { dropped_.insert({from, to}); }
  void Isolate(NodeId id);
  void Heal() { dropped_.clear(); }
  // A stopped node neither receives nor handles anything.
  void Stop(NodeId id) { stopped_.insert(id); }
  void Start(NodeId id);
  // Drops messages of one type everywhere while set.
  void DropType(MessageType type) { dropped_types_.insert(type); }
  void AllowType(MessageType type) { dropped_types_.erase(type); }

  NodeId Leader() const;
  // Every message delivered so far, described.
  const std::vector<std::string>& trace() const { return trace_; }
  void ClearTrace() { trace_.clear(); }

 private:
  bool Delivers(const Message& message) const;
  ConfigTweak tweak_;
  std::map<NodeId, Peer> peers_;
  std::set<std::pair<NodeId, NodeId>> dropped_;
  std::set<MessageType> dropped_types_;
  std::set<NodeId> stopped_;
  std::vector<std::string> trace_;
};

}  // namespace hamster::raft::testing

#endif  // HAMSTER_RAFT_TESTS_TEST_UTIL_H_
