// An in-memory Transport for tests: a MemoryNetwork routes messages by address to the sinks
// attached to it, synchronously. A message to a peer without a known address, or to an
// address nobody is attached to (a stopped node), is dropped and reported unreachable.

#ifndef HAMSTER_RAFT_NODE_TESTS_MEMORY_TRANSPORT_H_
#define HAMSTER_RAFT_NODE_TESTS_MEMORY_TRANSPORT_H_

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "hamster/raft/transport.h"

namespace hamster::raft::testing {

class MemoryNetwork {
 public:
  void Attach(const std::string& address, MessageSink* sink);
  // After it returns, `address`'s sink is not called again.
  void Detach(const std::string& address);
  // False when nobody is attached at `address`.
  bool Deliver(const std::string& address, Message message);
  // How many commit-only Appends were delivered.
  uint64_t commit_only_delivered();
  // How many Appends without entries (commit-only or not) were delivered.
  uint64_t entryless_appends_delivered();

 private:
  std::mutex mu_;
  std::map<std::string, MessageSink*> sinks_;
  uint64_t commit_only_delivered_ = 0;
  uint64_t entryless_appends_delivered_ = 0;
};

class MemoryTransport final : public Transport {
 public:
  MemoryTransport(MemoryNetwork* network, std::string address)
      : network_(network), address_(std::move(address)) {}

  absl::Status Start(MessageSink* sink) override;
  void Send(std::vector<Message> messages) override;
  void AddPeer(NodeId peer, std::string address) override;
  void RemovePeer(NodeId peer) override;
  void Stop() override;

  std::map<NodeId, std::string> peers() const;

 private:
  MemoryNetwork* const network_;
  const std::string address_;
  mutable std::mutex mu_;
  MessageSink* sink_ = nullptr;
  std::map<NodeId, std::string> peers_;
};

}  // namespace hamster::raft::testing

#endif  // HAMSTER_RAFT_NODE_TESTS_MEMORY_TRANSPORT_H_
