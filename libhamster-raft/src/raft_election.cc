// Elections: pre-vote, vote, and counting.

#include "raft.h"

namespace hamster::raft {

absl::Status Raft::Hup(CampaignType type) {
  if (role_ == Role::kLeader || !Promotable()) return absl::OkStatus();
  return StartCampaign(type);
}

absl::Status Raft::StartCampaign(CampaignType type) {
  MessageType request_type = MessageType::kVote;
  Term term = 0;
  if (type == CampaignType::kPreElection) {
    BecomePreCandidate();
    request_type = MessageType::kPreVote;
    term = term_ + 1;  // the term it would campaign in; its own term stays
  } else {
    BecomeCandidate();
    term = term_;
  }
  absl::StatusOr<LogPosition> last = log_.LastPosition();
  if (!last.ok()) return last.status();
  if (Poll(id_, true) == VoteResult::kWon) {
    // A single voter wins at once.
    if (type == CampaignType::kPreElection) return StartCampaign(CampaignType::kElection);
    return BecomeLeader();
  }
  for (NodeId voter : membership_.current().voters) {
    if (voter == id_) continue;
    Message request = NewMessage(request_type, voter);
    request.term = term;
    request.index = last->index;
    request.log_term = last->term;
    request.leader_transfer = type == CampaignType::kTransfer;
    Send(std::move(request));
  }
  return absl::OkStatus();
}

Raft::VoteResult Raft::Poll(NodeId from, bool granted) {
  votes_.emplace(from, granted);  // the first answer from a voter counts
  size_t yes = 0;
  size_t no = 0;
  for (NodeId voter : membership_.current().voters) {
    auto it = votes_.find(voter);
    if (it == votes_.end()) continue;
    (it->second ? yes : no) += 1;
  }
  const size_t quorum = membership_.QuorumSize();
  if (yes >= quorum) return VoteResult::kWon;
  if (no > membership_.current().voters.size() - quorum) return VoteResult::kLost;
  return VoteResult::kPending;
}

absl::Status Raft::HandleVoteRequest(const Message& message) {
  const bool pre_vote = message.type == MessageType::kPreVote;
  // A node votes once per term; a pre-vote for a later term binds nothing. Votes go to
  // candidates outside this node's membership too: they may hold a newer one.
  const bool can_vote = vote_ == message.from || (vote_ == kNoNode && lead_ == kNoNode) ||
                        (pre_vote && message.term > term_);
  bool up_to_date = false;
  if (can_vote) {
    absl::StatusOr<bool> result = log_.IsUpToDate(message.index, message.log_term);
    if (!result.ok()) return result.status();
    up_to_date = *result;
  }
  Message response = NewMessage(
      pre_vote ? MessageType::kPreVoteResponse : MessageType::kVoteResponse, message.from);
  if (can_vote && up_to_date) {
    // A granted pre-vote carries the pre-candidate's term so it is not taken as stale.
    response.term = message.term;
    if (!pre_vote) {
      election_elapsed_ = 0;
      vote_ = message.from;
    }
  } else {
    response.reject = true;
  }
  Send(std::move(response));
  return absl::OkStatus();
}

absl::Status Raft::HandleVoteResponse(const Message& message) {
  const bool pre_vote = message.type == MessageType::kPreVoteResponse;
  if (pre_vote != (role_ == Role::kPreCandidate)) return absl::OkStatus();
  switch (Poll(message.from, !message.reject)) {
    case VoteResult::kWon:
      if (pre_vote) return StartCampaign(CampaignType::kElection);
      return BecomeLeader();
    case VoteResult::kLost:
      // With pre-vote, the node stays at its term; its log or a live leader stopped it.
      BecomeFollower(term_, kNoNode);
      return absl::OkStatus();
    case VoteResult::kPending:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace hamster::raft
