#include "memory_transport.h"

namespace hamster::raft::testing {

void MemoryNetwork::Attach(const std::string& address, MessageSink* sink) {
  std::lock_guard<std::mutex> lock(mu_);
  sinks_[address] = sink;
}

void MemoryNetwork::Detach(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  sinks_.erase(address);
}

bool MemoryNetwork::Deliver(const std::string& address, Message message) {
  // Delivering under the lock is what lets Detach() promise no later calls.
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sinks_.find(address);
  if (it == sinks_.end()) return false;
  if (message.commit_only) ++commit_only_delivered_;
  if (message.type == MessageType::kAppend && message.entries.empty()) {
    ++entryless_appends_delivered_;
  }
  it->second->Deliver(std::move(message));
  return true;
}

uint64_t MemoryNetwork::commit_only_delivered() {
  std::lock_guard<std::mutex> lock(mu_);
  return commit_only_delivered_;
}

uint64_t MemoryNetwork::entryless_appends_delivered() {
  std::lock_guard<std::mutex> lock(mu_);
  return entryless_appends_delivered_;
}

absl::Status MemoryTransport::Start(MessageSink* sink) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (sink_ != nullptr) return absl::FailedPreconditionError("transport already started");
    sink_ = sink;
  }
  network_->Attach(address_, sink);
  return absl::OkStatus();
}

void MemoryTransport::Send(std::vector<Message> messages) {
  for (Message& message : messages) {
    std::string address;
    MessageSink* sink = nullptr;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = peers_.find(message.to);
      if (it != peers_.end()) address = it->second;
      sink = sink_;
    }
    const NodeId to = message.to;
    const bool delivered = !address.empty() && network_->Deliver(address, std::move(message));
    if (!delivered && sink != nullptr) sink->PeerUnreachable(to);
  }
}

void MemoryTransport::AddPeer(NodeId peer, std::string address) {
  std::lock_guard<std::mutex> lock(mu_);
  peers_[peer] = std::move(address);
}

void MemoryTransport::RemovePeer(NodeId peer) {
  std::lock_guard<std::mutex> lock(mu_);
  peers_.erase(peer);
}

void MemoryTransport::Stop() {
  network_->Detach(address_);
  std::lock_guard<std::mutex> lock(mu_);
  sink_ = nullptr;
}

std::map<NodeId, std::string> MemoryTransport::peers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return peers_;
}

}  // namespace hamster::raft::testing
