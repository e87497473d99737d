#include "test_cluster.h"

#include <stdlib.h>

#include <filesystem>
#include <thread>

#include "hamster/raft/memory_durable_storage.h"
#include "hamster/raft/rocksdb_storage.h"

namespace hamster::raft::testing {
namespace {

void PutU64(std::string& out, uint64_t value) { out.append(reinterpret_cast<char*>(&value), 8); }

}  // namespace

bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

absl::StatusOr<std::string> RecordingStateMachine::Apply(const Entry& entry) {
  std::lock_guard<std::mutex> lock(mu_);
  values_.push_back(entry.data);
  return "applied " + entry.data;
}

std::string RecordingStateMachine::Snapshot() {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const std::string& value : values_) {
    PutU64(out, value.size());
    out.append(value);
  }
  return out;
}

absl::Status RecordingStateMachine::Restore(std::string_view snapshot) {
  std::vector<std::string> values;
  while (!snapshot.empty()) {
    uint64_t size = 0;
    if (snapshot.size() < 8) return absl::DataLossError("truncated snapshot");
    std::memcpy(&size, snapshot.data(), 8);
    snapshot.remove_prefix(8);
    if (size > snapshot.size()) return absl::DataLossError("truncated snapshot");
    values.emplace_back(snapshot.substr(0, size));
    snapshot.remove_prefix(size);
  }
  std::lock_guard<std::mutex> lock(mu_);
  values_ = std::move(values);
  ++restores_;
  return absl::OkStatus();
}

std::vector<std::string> RecordingStateMachine::values() const {
  std::lock_guard<std::mutex> lock(mu_);
  return values_;
}

int RecordingStateMachine::restores() const {
  std::lock_guard<std::mutex> lock(mu_);
  return restores_;
}

namespace {

std::string MakeRoot() {
  std::string pattern = "/tmp/hamster-raft-node-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

}  // namespace

TestCluster::TestCluster(int voter_count, ClusterOptions options)
    : voter_count_(voter_count), options_(options), root_(MakeRoot()) {
  for (NodeId id = 1; id <= static_cast<NodeId>(voter_count); ++id) Start(id);
}

TestCluster::~TestCluster() {
  for (auto& [id, member] : members_) {
    if (member.node) member.node->Stop();
  }
  members_.clear();
  std::error_code ignored;  // a leftover directory under /tmp is harmless
  std::filesystem::remove_all(root_, ignored);
}

void TestCluster::Start(NodeId id) {
  MemberState& member = members_[id];
  if (member.node) throw std::logic_error("node already running");
  ConfState initial;
  if (id <= static_cast<NodeId>(voter_count_)) {
    for (NodeId voter = 1; voter <= static_cast<NodeId>(voter_count_); ++voter) {
      initial.voters.push_back(voter);
    }
  }
  if (options_.rocksdb) {
    member.storage.reset();  // closes the database before it is reopened
    absl::StatusOr<std::unique_ptr<RocksDbStorage>> storage =
        RocksDbStorage::Open(root_ + "/node" + std::to_string(id), initial);
    if (!storage.ok()) throw std::runtime_error(storage.status().ToString());
    member.storage = std::move(*storage);
  } else if (!member.storage) {
    member.storage = std::make_unique<MemoryDurableStorage>(initial);
  }
  member.transport = std::make_unique<MemoryTransport>(&network_, Address(id));
  member.state_machine = std::make_unique<RecordingStateMachine>();
  NodeOptions options;
  options.raft.id = id;
  options.raft.random_seed = id * 7919;
  options.storage = member.storage.get();
  options.transport = member.transport.get();
  options.state_machine = member.state_machine.get();
  for (NodeId peer = 1; peer <= static_cast<NodeId>(voter_count_); ++peer) {
    options.peers[peer] = Address(peer);
  }
  options.tick_interval = std::chrono::milliseconds(10);
  options.snapshot_every_entries = options_.snapshot_every_entries;
  options.compact_keep_entries = options_.compact_keep_entries;
  options.commit_notice_delay = options_.commit_notice_delay;
  absl::StatusOr<std::unique_ptr<Node>> node = Node::Start(std::move(options));
  if (!node.ok()) throw std::runtime_error(node.status().ToString());
  member.node = std::move(*node);
}

void TestCluster::Stop(NodeId id) {
  MemberState& member = members_.at(id);
  member.node->Stop();
  member.node.reset();
}

bool TestCluster::running(NodeId id) const {
  auto it = members_.find(id);
  return it != members_.end() && it->second.node != nullptr;
}

std::vector<NodeId> TestCluster::running_ids() const {
  std::vector<NodeId> ids;
  for (const auto& [id, member] : members_) {
    if (member.node) ids.push_back(id);
  }
  return ids;
}

NodeId TestCluster::WaitForLeader() {
  NodeId leader = kNoNode;
  const bool agreed = WaitFor([&] {
    leader = kNoNode;
    for (NodeId id : running_ids()) {
      const NodeStatus status = node(id).Status();
      const bool voter =
          std::count(status.conf_state.voters.begin(), status.conf_state.voters.end(), id) > 0;
      if (!voter) continue;
      if (status.soft_state.leader_id == kNoNode) return false;
      if (leader != kNoNode && status.soft_state.leader_id != leader) return false;
      leader = status.soft_state.leader_id;
    }
    return leader != kNoNode && running(leader) &&
           node(leader).Status().soft_state.role == Role::kLeader;
  });
  return agreed ? leader : kNoNode;
}

bool TestCluster::WaitForValues(const std::vector<std::string>& values) {
  return WaitFor([&] {
    for (NodeId id : running_ids()) {
      if (state_machine(id).values() != values) return false;
    }
    return true;
  });
}

}  // namespace hamster::raft::testing
