// A cluster of Nodes in one process for tests: in-memory transport, memory or RocksDB
// storage, and a state machine that records what it applied. Waits poll with a deadline
// (generous: sanitizer builds on a busy machine are slow) and never assert timings.

#ifndef HAMSTER_RAFT_NODE_TESTS_TEST_CLUSTER_H_
#define HAMSTER_RAFT_NODE_TESTS_TEST_CLUSTER_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "hamster/raft/node.h"
#include "memory_transport.h"

namespace hamster::raft::testing {

inline constexpr std::chrono::seconds kDeadline{30};

// Polls `done` until it holds or kDeadline passes; returns whether it held.
bool WaitFor(const std::function<bool()>& done);

// Records applied commands in order; snapshots are the list, length-prefixed.
class RecordingStateMachine final : public StateMachine {
 public:
  absl::StatusOr<std::string> Apply(const Entry& entry) override;
  std::string Snapshot() override;
  absl::Status Restore(std::string_view snapshot) override;
  std::vector<std::string> values() const;
  int restores() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::string> values_;
  int restores_ = 0;
};

struct ClusterOptions {
  bool rocksdb = false;  // else MemoryDurableStorage
  uint64_t snapshot_every_entries = 0;
  uint64_t compact_keep_entries = 0;
  std::chrono::microseconds commit_notice_delay = NodeOptions().commit_notice_delay;
};

class TestCluster {
 public:
  // Starts nodes 1..voter_count as the initial voters.
  TestCluster(int voter_count, ClusterOptions options);
  ~TestCluster();

  // Starts (or restarts on its existing storage) node `id`; a new node outside the initial
  // voters starts with an empty membership and waits to be added.
  void Start(NodeId id);
  void Stop(NodeId id);
  Node& node(NodeId id) { return *members_.at(id).node; }
  RecordingStateMachine& state_machine(NodeId id) { return *members_.at(id).state_machine; }
  MemoryTransport& transport(NodeId id) { return *members_.at(id).transport; }
  MemoryNetwork& network() { return network_; }
  DurableStorage& storage(NodeId id) { return *members_.at(id).storage; }
  bool running(NodeId id) const;
  std::vector<NodeId> running_ids() const;

  // The leader every running node agrees on, once there is one; kNoNode at the deadline.
  NodeId WaitForLeader();
  // Waits until every running node applied exactly `values`.
  bool WaitForValues(const std::vector<std::string>& values);

  static std::string Address(NodeId id) { return "mem:" + std::to_string(id); }

 private:
  struct MemberState {
    std::unique_ptr<MemoryTransport> transport;
    std::unique_ptr<RecordingStateMachine> state_machine;
    std::unique_ptr<DurableStorage> storage;
    std::unique_ptr<Node> node;
    std::string directory;  // RocksDB only
  };
  const int voter_count_;
  const ClusterOptions options_;
  const std::string root_;  // RocksDB directories live under it
  MemoryNetwork network_;
  std::map<NodeId, MemberState> members_;
};

// Waits for `future` up to kDeadline; throws (failing the test) if it did not resolve.
template <typename T>
T Get(std::future<T> future) {
  if (future.wait_for(kDeadline) != std::future_status::ready) {
    throw std::runtime_error("future not resolved before the deadline");
  }
  return future.get();
}

}  // namespace hamster::raft::testing

#endif  // HAMSTER_RAFT_NODE_TESTS_TEST_CLUSTER_H_
