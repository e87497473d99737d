#include "hamster/raft/raw_node.h"

#include "raft.h"

namespace hamster::raft {

absl::StatusOr<std::unique_ptr<RawNode>> RawNode::Create(const Config& config) {
  absl::StatusOr<std::unique_ptr<Raft>> raft = Raft::Create(config);
  if (!raft.ok()) return raft.status();
  return std::unique_ptr<RawNode>(new RawNode(std::move(*raft)));
}

RawNode::RawNode(std::unique_ptr<Raft> raft) : raft_(std::move(raft)) {}
RawNode::~RawNode() = default;

void RawNode::Tick() { raft_->Tick(); }
absl::Status RawNode::Step(Message message) { return raft_->Step(std::move(message)); }
absl::Status RawNode::Campaign() { return raft_->Campaign(); }
absl::StatusOr<LogPosition> RawNode::Propose(std::string data) {
  return raft_->Propose(std::move(data));
}
absl::StatusOr<LogPosition> RawNode::ProposeConfChange(const ConfChange& change) {
  return raft_->ProposeConfChange(change);
}
absl::Status RawNode::ReadIndex(std::string context) {
  return raft_->ReadIndex(std::move(context));
}
absl::Status RawNode::TransferLeader(NodeId transferee) {
  return raft_->TransferLeader(transferee);
}
void RawNode::ReportUnreachable(NodeId peer) { raft_->ReportUnreachable(peer); }
bool RawNode::HasReady() const { return raft_->HasReady(); }
Ready RawNode::TakeReady() { return raft_->TakeReady(); }
void RawNode::Advance() { raft_->Advance(); }
NodeStatus RawNode::status() const { return raft_->status(); }
SoftState RawNode::soft_state() const { return raft_->soft_state(); }
HardState RawNode::hard_state() const { return raft_->hard_state(); }
absl::Status RawNode::health() const { return raft_->health(); }

}  // namespace hamster::raft
