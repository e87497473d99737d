#include "raft_cluster.h"

#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "hamster/raft/grpc_transport.h"
#include "hamster/raft/memory_durable_storage.h"
#include "hamster/raft/node.h"
#include "hamster/raft/rocksdb_storage.h"
#include "raft_pki.h"
#include "raft_ports.h"

namespace hamster::bench {
namespace {

// Counts what it applies; its snapshot is that count, so snapshots stay tiny and the figures
// are the log's, not a state machine's.
class CountingStateMachine final : public raft::StateMachine {
 public:
  absl::StatusOr<std::string> Apply(const raft::Entry&) override {
    ++applied_;
    return std::string();
  }
  std::string Snapshot() override { return std::to_string(applied_); }
  absl::Status Restore(std::string_view snapshot) override {
    if (!absl::SimpleAtoi(absl::string_view(snapshot.data(), snapshot.size()), &applied_))
      return absl::DataLossError("bad snapshot");
    return absl::OkStatus();
  }

 private:
  uint64_t applied_ = 0;
};

// Routes messages between the in-process members by node id, synchronously: the receiving
// Node only queues them for its own raft thread.
class MemoryNetwork {
 public:
  void Attach(raft::NodeId id, raft::MessageSink* sink) {
    std::lock_guard<std::mutex> lock(mu_);
    sinks_[id] = sink;
  }
  void Detach(raft::NodeId id) {
    std::lock_guard<std::mutex> lock(mu_);
    sinks_.erase(id);
  }
  // Delivering under the lock is what lets Detach() promise no later calls.
  bool Deliver(raft::Message message) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sinks_.find(message.to);
    if (it == sinks_.end()) return false;
    it->second->Deliver(std::move(message));
    return true;
  }

 private:
  std::mutex mu_;
  std::map<raft::NodeId, raft::MessageSink*> sinks_;
};

class MemoryTransport final : public raft::Transport {
 public:
  MemoryTransport(MemoryNetwork* network, raft::NodeId id) : network_(network), id_(id) {}
  absl::Status Start(raft::MessageSink* sink) override {
    sink_ = sink;
    network_->Attach(id_, sink);
    return absl::OkStatus();
  }
  void Send(std::vector<raft::Message> messages) override {
    for (raft::Message& message : messages) {
      const raft::NodeId to = message.to;
      if (!network_->Deliver(std::move(message))) sink_->PeerUnreachable(to);
    }
  }
  // Members are found by id: addresses mean nothing here.
  void AddPeer(raft::NodeId, std::string) override {}
  void RemovePeer(raft::NodeId) override {}
  void Stop() override { network_->Detach(id_); }

 private:
  MemoryNetwork* const network_;
  const raft::NodeId id_;
  raft::MessageSink* sink_ = nullptr;
};

}  // namespace

// Destroyed in reverse order of declaration: the Node stops before what it borrows.
struct HamsterCluster::Member {
  CountingStateMachine state_machine;
  std::shared_ptr<MemoryNetwork> network;              // in-process delivery, shared by all
  std::shared_ptr<raft::RocksDbLogDatabase> database;  // RocksDbStorage only
  std::unique_ptr<raft::DurableStorage> storage;
  std::unique_ptr<raft::Transport> transport;
  std::unique_ptr<raft::Node> node;
};

absl::StatusOr<std::unique_ptr<HamsterCluster>> HamsterCluster::Start(
    const HamsterClusterOptions& options, std::chrono::milliseconds leader_timeout) {
  std::unique_ptr<HamsterCluster> cluster(new HamsterCluster());
  absl::Status started = cluster->StartMembers(options);
  if (!started.ok()) return started;
  absl::Status led = cluster->AwaitLeader(leader_timeout);
  if (!led.ok()) return led;
  return cluster;
}

HamsterCluster::~HamsterCluster() {
  // Stop every Node before any transport goes away: in-process transports reach each other.
  for (auto& member : members_) {
    if (member->node != nullptr) member->node->Stop();
  }
  members_.clear();
}

absl::Status HamsterCluster::StartMembers(const HamsterClusterOptions& options) {
  const int count = options.member_count;
  raft::ConfState membership;
  for (int i = 1; i <= count; ++i) membership.voters.push_back(i);
  std::vector<int> ports;
  BenchPki pki;
  if (options.grpc) {
    absl::StatusOr<std::vector<int>> picked = PickFreeLoopbackPorts(count);
    if (!picked.ok()) return picked.status();
    ports = *picked;
    absl::StatusOr<BenchPki> made = CreateBenchPki(options.work_dir, count);
    if (!made.ok()) return made.status();
    pki = *made;
  }
  auto network = std::make_shared<MemoryNetwork>();
  for (int i = 0; i < count; ++i) {
    const raft::NodeId id = i + 1;
    auto member = std::make_unique<Member>();
    std::map<raft::NodeId, std::string> peers;
    if (options.rocksdb) {
      absl::StatusOr<std::shared_ptr<raft::RocksDbLogDatabase>> database =
          raft::RocksDbLogDatabase::Open(absl::StrCat(options.work_dir, "/raft-", id));
      if (!database.ok()) return database.status();
      member->database = *database;
      absl::StatusOr<std::unique_ptr<raft::RocksDbStorage>> storage =
          raft::RocksDbStorage::Open(member->database, 0, membership);
      if (!storage.ok()) return storage.status();
      member->storage = std::move(*storage);
    } else {
      member->storage = std::make_unique<raft::MemoryDurableStorage>(membership);
    }
    if (options.grpc) {
      for (int j = 0; j < count; ++j) peers[j + 1] = absl::StrCat("127.0.0.1:", ports[j]);
      absl::StatusOr<std::unique_ptr<raft::GrpcTransport>> transport =
          raft::GrpcTransport::Create({.node_id = id,
                                       .listen_address = peers[id],
                                       .ca_cert_path = pki.ca_cert_path,
                                       .cert_path = pki.members[i].cert_path,
                                       .key_path = pki.members[i].key_path});
      if (!transport.ok()) return transport.status();
      member->transport = std::move(*transport);
    } else {
      member->network = network;
      member->transport = std::make_unique<MemoryTransport>(network.get(), id);
    }
    raft::NodeOptions node_options;
    node_options.raft.id = id;
    node_options.raft.random_seed = 0x5eed0000 + id;
    node_options.storage = member->storage.get();
    node_options.transport = member->transport.get();
    node_options.state_machine = &member->state_machine;
    node_options.peers = std::move(peers);
    node_options.tick_interval = options.tick_interval;
    absl::StatusOr<std::unique_ptr<raft::Node>> node = raft::Node::Start(std::move(node_options));
    if (!node.ok()) return node.status();
    member->node = std::move(*node);
    members_.push_back(std::move(member));
  }
  return absl::OkStatus();
}

absl::Status HamsterCluster::AwaitLeader(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    // A leader counts once every member follows it in its term.
    const raft::NodeStatus first = members_[0]->node->Status();
    const raft::NodeId leader = first.soft_state.leader_id;
    bool agreed = leader != raft::kNoNode;
    for (const auto& member : members_) {
      const raft::NodeStatus status = member->node->Status();
      agreed = agreed && status.soft_state.leader_id == leader &&
               status.hard_state.term == first.hard_state.term;
    }
    if (agreed) {
      leader_ = static_cast<int>(leader) - 1;
      return absl::OkStatus();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return absl::UnavailableError(
      absl::StrCat("no Raft leader elected within ", timeout.count(), " ms"));
}

absl::Status HamsterCluster::Commit(std::string data) {
  std::future<absl::StatusOr<std::string>> applied =
      members_[leader_]->node->Propose(std::move(data));
  if (applied.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    return absl::DeadlineExceededError("proposal not applied within 10 s");
  }
  return applied.get().status();
}

int64_t HamsterCluster::cluster_fsync_count() const {
  int64_t total = 0;
  for (const auto& member : members_) {
    if (member->database == nullptr) return -1;
    total += static_cast<int64_t>(member->database->stats().syncs);
  }
  return total;
}

int64_t HamsterCluster::leader_fsync_count() const {
  const auto& database = members_[leader_]->database;
  return database == nullptr ? -1 : static_cast<int64_t>(database->stats().syncs);
}

}  // namespace hamster::bench
