// Snapshots: streaming one to a follower in chunks, receiving it, and installing it.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "raft.h"

namespace hamster::raft {

absl::StatusOr<std::shared_ptr<const Snapshot>> Raft::SnapshotToSend() {
  absl::StatusOr<SnapshotMetadata> metadata = config_.storage->LoadSnapshotMetadata();
  if (!metadata.ok()) return metadata.status();
  // One copy of the snapshot serves every follower that needs it.
  if (snapshot_cache_ && snapshot_cache_->metadata.index == metadata->index) {
    return snapshot_cache_;
  }
  absl::StatusOr<Snapshot> snapshot = log_.LoadSnapshot();
  if (!snapshot.ok()) return snapshot.status();
  snapshot_cache_ = std::make_shared<const Snapshot>(std::move(*snapshot));
  return snapshot_cache_;
}

absl::StatusOr<bool> Raft::MaybeSendSnapshot(NodeId to, Progress& progress) {
  // A follower that does not answer would only waste the transfer.
  if (!progress.recent_active) return false;
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot = SnapshotToSend();
  if (absl::IsUnavailable(snapshot.status())) return false;  // retried on the next response
  if (!snapshot.ok()) return snapshot.status();
  const SnapshotMetadata& metadata = (*snapshot)->metadata;
  if (metadata.index == 0 || metadata.index + 1 < log_.first_index()) {
    return absl::DataLossError(absl::StrCat("storage compacted to ", log_.first_index() - 1,
                                            " beyond its snapshot at ", metadata.index));
  }
  progress.BecomeSnapshot(*snapshot);
  SendSnapshotChunks(to, progress);
  return true;
}

void Raft::SendSnapshotChunks(NodeId to, Progress& progress) {
  SnapshotTransfer& transfer = progress.transfer;
  const Snapshot& snapshot = *transfer.snapshot;
  const uint64_t size = snapshot.data.size();
  const uint64_t window = config_.snapshot_chunk_bytes * config_.max_inflight_snapshot_chunks;
  while (!transfer.done_sent && transfer.sent_bytes - transfer.acked_bytes < window) {
    const uint64_t length = std::min(config_.snapshot_chunk_bytes, size - transfer.sent_bytes);
    Message message = NewMessage(MessageType::kSnapshot, to);
    message.snapshot_chunk = SnapshotChunk{
        .metadata = snapshot.metadata,
        .offset = transfer.sent_bytes,
        .total_size_bytes = size,
        .data = snapshot.data.substr(transfer.sent_bytes, length),
        .done = transfer.sent_bytes + length == size,
    };
    transfer.sent_bytes += length;
    transfer.done_sent = message.snapshot_chunk->done;
    Send(std::move(message));
  }
}

void Raft::TickSnapshotTransfers() {
  // About half an election timeout without an answer: resend from the last acknowledged byte
  // (chunks or their answers were lost).
  const int retry_intervals = std::max(2, config_.election_ticks / (2 * config_.heartbeat_ticks));
  for (auto& [id, progress] : progress_) {
    if (progress.state != ProgressState::kSnapshot) continue;
    SnapshotTransfer& transfer = progress.transfer;
    if (++transfer.ticks_since_response < retry_intervals) continue;
    transfer.ticks_since_response = 0;
    transfer.sent_bytes = transfer.acked_bytes;
    transfer.done_sent = false;
    SendSnapshotChunks(id, progress);
  }
}

absl::Status Raft::HandleSnapshotResponse(const Message& message) {
  auto it = progress_.find(message.from);
  if (it == progress_.end()) return absl::OkStatus();
  Progress& progress = it->second;
  progress.recent_active = true;
  if (progress.state != ProgressState::kSnapshot ||
      progress.pending_snapshot != message.snapshot_index) {
    return absl::OkStatus();  // about a transfer that is over
  }
  SnapshotTransfer& transfer = progress.transfer;
  transfer.ticks_since_response = 0;
  const uint64_t held = std::min<uint64_t>(message.index, transfer.snapshot->data.size());
  if (message.reject) {
    // The follower holds less than we thought (a chunk was lost, or it restarted).
    transfer.acked_bytes = held;
    transfer.sent_bytes = held;
    transfer.done_sent = false;
  } else {
    transfer.acked_bytes = std::max(transfer.acked_bytes, held);
    transfer.sent_bytes = std::max(transfer.sent_bytes, transfer.acked_bytes);
  }
  SendSnapshotChunks(message.from, progress);
  return absl::OkStatus();
}

absl::Status Raft::HandleSnapshotChunk(const Message& message) {
  const SnapshotChunk& chunk = *message.snapshot_chunk;
  const SnapshotMetadata& metadata = chunk.metadata;
  if (metadata.index <= log_.committed()) {
    // Nothing to install: tell the leader where our log stands so it resumes Appends.
    incoming_snapshot_.reset();
    Message response = NewMessage(MessageType::kAppendResponse, message.from);
    response.index = log_.committed();
    Send(std::move(response));
    return absl::OkStatus();
  }
  Message response = NewMessage(MessageType::kSnapshotResponse, message.from);
  response.snapshot_index = metadata.index;
  const bool same = incoming_snapshot_ && incoming_snapshot_->from == message.from &&
                    incoming_snapshot_->metadata == metadata &&
                    incoming_snapshot_->total_size_bytes == chunk.total_size_bytes;
  if (!same) {
    incoming_snapshot_.reset();
    if (chunk.offset != 0) {
      response.reject = true;  // index 0: start over
      Send(std::move(response));
      return absl::OkStatus();
    }
    incoming_snapshot_ = IncomingSnapshot{
        .from = message.from, .metadata = metadata, .total_size_bytes = chunk.total_size_bytes};
  }
  std::string& data = incoming_snapshot_->data;
  if (chunk.offset != data.size()) {
    // A duplicate (behind) is acknowledged; a gap (ahead) makes the leader go back.
    response.index = data.size();
    response.reject = chunk.offset > data.size();
    Send(std::move(response));
    return absl::OkStatus();
  }
  data.append(chunk.data);
  if (!chunk.done) {
    response.index = data.size();
    Send(std::move(response));
    return absl::OkStatus();
  }
  Snapshot snapshot{.metadata = metadata, .data = std::move(data)};
  incoming_snapshot_.reset();
  absl::StatusOr<bool> restored = Restore(std::move(snapshot));
  if (!restored.ok()) return restored.status();
  Message done = NewMessage(MessageType::kAppendResponse, message.from);
  done.index = *restored ? log_.last_index() : log_.committed();
  Send(std::move(done));
  return absl::OkStatus();
}

absl::StatusOr<bool> Raft::Restore(Snapshot snapshot) {
  const SnapshotMetadata metadata = snapshot.metadata;
  if (metadata.index <= log_.committed()) return false;
  absl::StatusOr<bool> match = log_.MatchTerm(metadata.index, metadata.term);
  if (!match.ok()) return match.status();
  if (*match) {
    // Our log already holds the snapshot's last entry, hence everything before it.
    log_.CommitTo(metadata.index);
    return false;
  }
  log_.Restore(std::move(snapshot));
  membership_.Reset(metadata.index, metadata.conf_state);
  return true;
}

}  // namespace hamster::raft
