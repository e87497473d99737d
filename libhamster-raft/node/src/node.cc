#include "hamster/raft/node.h"

#include "loop.h"

namespace hamster::raft {

absl::StatusOr<std::unique_ptr<Node>> Node::Start(NodeOptions options) {
  if (options.storage == nullptr || options.transport == nullptr ||
      options.state_machine == nullptr) {
    return absl::InvalidArgumentError(
        "NodeOptions: storage, transport and state_machine are required");
  }
  if (options.tick_interval.count() <= 0) {
    return absl::InvalidArgumentError("NodeOptions: tick_interval must be positive");
  }
  std::unique_ptr<Node> node(new Node(std::make_unique<Loop>(std::move(options))));
  absl::Status started = node->loop_->Start(node.get());
  if (!started.ok()) return started;
  return node;
}

Node::Node(std::unique_ptr<Loop> loop) : loop_(std::move(loop)) {}
Node::~Node() { Stop(); }

std::future<absl::StatusOr<std::string>> Node::Propose(std::string data) {
  return loop_->Propose(std::move(data));
}
std::future<absl::Status> Node::ReadIndex() { return loop_->ReadIndex(); }
std::future<absl::Status> Node::AddLearner(NodeId id, std::string address) {
  return loop_->ProposeConfChange(ConfChange{
      .type = ConfChangeType::kAddLearner, .node_id = id, .context = std::move(address)});
}
std::future<absl::Status> Node::PromoteToVoter(NodeId id) {
  return loop_->ProposeConfChange(ConfChange{.type = ConfChangeType::kAddVoter, .node_id = id});
}
std::future<absl::Status> Node::RemoveNode(NodeId id) {
  return loop_->ProposeConfChange(ConfChange{.type = ConfChangeType::kRemoveNode, .node_id = id});
}
std::future<absl::Status> Node::TransferLeadership(NodeId transferee) {
  return loop_->TransferLeadership(transferee);
}
NodeStatus Node::Status() const { return loop_->status(); }
absl::Status Node::health() const { return loop_->health(); }
void Node::Stop() { loop_->Stop(); }
void Node::Deliver(Message message) { loop_->Deliver(std::move(message)); }
void Node::PeerUnreachable(NodeId peer) { loop_->PeerUnreachable(peer); }

}  // namespace hamster::raft
