// Linearizable reads (ReadIndex) and leadership transfer.

#include <cstring>

#include "absl/strings/str_cat.h"
#include "raft.h"

namespace hamster::raft {
namespace {

std::string EncodeRoundId(uint64_t id) {
  std::string out(sizeof(id), '\0');
  std::memcpy(out.data(), &id, sizeof(id));
  return out;
}

std::optional<uint64_t> DecodeRoundId(const std::string& context) {
  if (context.size() != sizeof(uint64_t)) return std::nullopt;
  uint64_t id = 0;
  std::memcpy(&id, context.data(), sizeof(id));
  return id;
}

}  // namespace

absl::Status Raft::ReadIndex(std::string context) {
  absl::Status entered = Enter();
  if (!entered.ok()) return entered;
  if (role_ != Role::kLeader) {
    if (lead_ == kNoNode) return absl::UnavailableError("no leader known to serve the read");
    Message request = NewMessage(MessageType::kReadIndex, lead_);
    request.context = std::move(context);
    Send(std::move(request));
    return absl::OkStatus();
  }
  if (PendingReadCount() >= static_cast<size_t>(config_.max_pending_reads)) {
    return absl::UnavailableError(
        absl::StrCat(config_.max_pending_reads, " reads are already pending"));
  }
  absl::Status handled = HandleReadRequest(ReadRequest{.from = id_, .context = std::move(context)});
  if (!handled.ok()) return Fail(handled);
  return absl::OkStatus();
}

absl::StatusOr<bool> Raft::CommittedEntryInCurrentTerm() const {
  absl::StatusOr<Term> term = log_.TermOf(log_.committed());
  if (!term.ok()) return term.status();
  return *term == term_;
}

size_t Raft::PendingReadCount() const {
  size_t count = reads_waiting_for_commit_.size();
  for (const ReadRound& round : read_rounds_) count += round.requests.size();
  return count;
}

absl::Status Raft::HandleReadRequest(ReadRequest request) {
  // Until the leader commits an entry of its own term, its commit index may lag behind
  // what earlier leaders committed (and acknowledged): reading there could be stale.
  absl::StatusOr<bool> ready = CommittedEntryInCurrentTerm();
  if (!ready.ok()) return ready.status();
  if (!*ready) {
    reads_waiting_for_commit_.push_back(std::move(request));
    return absl::OkStatus();
  }
  std::vector<ReadRequest> requests;
  requests.push_back(std::move(request));
  StartReadRound(std::move(requests));
  return absl::OkStatus();
}

void Raft::StartReadRound(std::vector<ReadRequest> requests) {
  const ConfState& conf = membership_.current();
  if (conf.voters.size() == 1 && conf.voters[0] == id_) {
    // The only voter is its own quorum.
    for (const ReadRequest& request : requests) RespondToRead(request, log_.committed());
    return;
  }
  ReadRound round{.id = next_read_round_++, .index = log_.committed()};
  round.requests = std::move(requests);
  round.acks.insert(id_);
  read_rounds_.push_back(std::move(round));
  // The leader is still the leader if a quorum answers heartbeats sent after this point.
  BroadcastHeartbeat(EncodeRoundId(read_rounds_.back().id));
}

void Raft::HandleReadAck(NodeId from, const std::string& context) {
  std::optional<uint64_t> id = DecodeRoundId(context);
  if (!id) return;
  auto round = std::find_if(read_rounds_.begin(), read_rounds_.end(),
                            [&](const ReadRound& r) { return r.id == *id; });
  if (round == read_rounds_.end()) return;
  round->acks.insert(from);
  size_t voters = 0;
  for (NodeId ack : round->acks) voters += membership_.IsVoter(ack) ? 1 : 0;
  if (voters < membership_.QuorumSize()) return;
  // Confirming this round confirms every earlier one too.
  while (!read_rounds_.empty() && read_rounds_.front().id <= *id) {
    for (const ReadRequest& request : read_rounds_.front().requests) {
      RespondToRead(request, read_rounds_.front().index);
    }
    read_rounds_.pop_front();
  }
}

void Raft::RespondToRead(const ReadRequest& request, LogIndex index) {
  if (request.from == id_) {
    read_states_.push_back(ReadState{.index = index, .context = request.context});
    return;
  }
  Message response = NewMessage(MessageType::kReadIndexResponse, request.from);
  response.index = index;
  response.context = request.context;
  Send(std::move(response));
}

absl::Status Raft::ReleasePendingReads() {
  if (reads_waiting_for_commit_.empty()) return absl::OkStatus();
  absl::StatusOr<bool> ready = CommittedEntryInCurrentTerm();
  if (!ready.ok()) return ready.status();
  if (!*ready) return absl::OkStatus();
  StartReadRound(std::move(reads_waiting_for_commit_));
  reads_waiting_for_commit_.clear();
  return absl::OkStatus();
}

absl::Status Raft::TransferLeader(NodeId transferee) {
  absl::Status entered = Enter();
  if (!entered.ok()) return entered;
  if (transferee == kNoNode) return absl::InvalidArgumentError("transfer to node 0");
  if (role_ == Role::kLeader) {
    if (!membership_.IsVoter(transferee)) {
      return absl::FailedPreconditionError(absl::StrCat("node ", transferee, " is not a voter"));
    }
    absl::Status handled = HandleTransferLeader(transferee);
    if (!handled.ok()) return Fail(handled);
    return absl::OkStatus();
  }
  if (lead_ == kNoNode) return absl::UnavailableError("no leader known to transfer from");
  Message request = NewMessage(MessageType::kTransferLeader, lead_);
  request.transferee = transferee;
  Send(std::move(request));
  return absl::OkStatus();
}

absl::Status Raft::HandleTransferLeader(NodeId transferee) {
  if (!membership_.IsVoter(transferee) || transferee == id_) return absl::OkStatus();
  if (lead_transferee_ == transferee) return absl::OkStatus();
  AbortLeaderTransfer();
  // The transfer must finish within an election timeout (TickHeartbeat aborts it).
  election_elapsed_ = 0;
  lead_transferee_ = transferee;
  auto it = progress_.find(transferee);
  if (it == progress_.end()) return absl::OkStatus();
  if (it->second.match == log_.last_index()) {
    SendTimeoutNow(transferee);
    return absl::OkStatus();
  }
  // TimeoutNow follows once it has caught up (HandleAppendResponse).
  return SendAppend(transferee, SendMode::kAlways).status();
}

}  // namespace hamster::raft
