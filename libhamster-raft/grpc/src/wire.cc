#include "wire.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace hamster::raft::grpc_transport {
namespace {

// Room for a frame's own fields and the per-message framing around an encoded message.
constexpr size_t kFrameOverheadBytes = 64;

void ToWire(const ConfState& conf_state, wire::ConfState* out) {
  out->mutable_voters()->Add(conf_state.voters.begin(), conf_state.voters.end());
  out->mutable_learners()->Add(conf_state.learners.begin(), conf_state.learners.end());
}

void ToWire(const SnapshotChunk& chunk, wire::SnapshotChunk* out) {
  wire::SnapshotMetadata* metadata = out->mutable_metadata();
  metadata->set_index(chunk.metadata.index);
  metadata->set_term(chunk.metadata.term);
  ToWire(chunk.metadata.conf_state, metadata->mutable_conf_state());
  out->set_offset(chunk.offset);
  out->set_total_size_bytes(chunk.total_size_bytes);
  out->set_data(chunk.data);
  out->set_done(chunk.done);
}

SnapshotChunk FromWire(const wire::SnapshotChunk& chunk) {
  SnapshotChunk out;
  out.metadata.index = chunk.metadata().index();
  out.metadata.term = chunk.metadata().term();
  const wire::ConfState& conf_state = chunk.metadata().conf_state();
  out.metadata.conf_state.voters.assign(conf_state.voters().begin(), conf_state.voters().end());
  out.metadata.conf_state.learners.assign(conf_state.learners().begin(),
                                          conf_state.learners().end());
  out.offset = chunk.offset();
  out.total_size_bytes = chunk.total_size_bytes();
  out.data = chunk.data();
  out.done = chunk.done();
  return out;
}

}  // namespace

void ToWire(const Message& message, wire::RaftMessage* out) {
  out->set_type(static_cast<uint32_t>(message.type));
  out->set_from(message.from);
  out->set_to(message.to);
  out->set_term(message.term);
  out->set_index(message.index);
  out->set_log_term(message.log_term);
  out->set_commit(message.commit);
  out->mutable_entries()->Reserve(static_cast<int>(message.entries.size()));
  for (const Entry& entry : message.entries) {
    wire::Entry* wire_entry = out->add_entries();
    wire_entry->set_term(entry.term);
    wire_entry->set_index(entry.index);
    wire_entry->set_type(static_cast<uint32_t>(entry.type));
    wire_entry->set_data(entry.data);
  }
  out->set_reject(message.reject);
  out->set_reject_hint(message.reject_hint);
  out->set_leader_transfer(message.leader_transfer);
  out->set_transferee(message.transferee);
  out->set_snapshot_index(message.snapshot_index);
  if (message.snapshot_chunk.has_value()) {
    ToWire(*message.snapshot_chunk, out->mutable_snapshot_chunk());
  }
  out->set_context(message.context);
  out->set_commit_only(message.commit_only);
}

absl::StatusOr<Message> FromWire(const wire::RaftMessage& message) {
  if (message.type() > static_cast<uint32_t>(MessageType::kReadIndexResponse)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown message type ", message.type()));
  }
  Message out;
  out.type = static_cast<MessageType>(message.type());
  out.from = message.from();
  out.to = message.to();
  out.term = message.term();
  out.index = message.index();
  out.log_term = message.log_term();
  out.commit = message.commit();
  out.entries.reserve(static_cast<size_t>(message.entries_size()));
  for (const wire::Entry& entry : message.entries()) {
    if (entry.type() > static_cast<uint32_t>(EntryType::kConfChange)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown entry type ", entry.type()));
    }
    out.entries.push_back(Entry{.term = entry.term(),
                                .index = entry.index(),
                                .type = static_cast<EntryType>(entry.type()),
                                .data = entry.data()});
  }
  out.reject = message.reject();
  out.reject_hint = message.reject_hint();
  out.leader_transfer = message.leader_transfer();
  out.transferee = message.transferee();
  out.snapshot_index = message.snapshot_index();
  if (message.has_snapshot_chunk()) out.snapshot_chunk = FromWire(message.snapshot_chunk());
  out.context = message.context();
  out.commit_only = message.commit_only();
  return out;
}

uint64_t MessageSizeBytes(const Message& message) {
  uint64_t size = sizeof(Message) + message.context.size();
  for (const Entry& entry : message.entries) size += sizeof(Entry) + entry.data.size();
  if (message.snapshot_chunk.has_value()) size += message.snapshot_chunk->data.size();
  return size;
}

FrameEncoder::FrameEncoder(std::vector<Message> messages) : messages_(std::move(messages)) {}

bool FrameEncoder::Next(wire::Frame* frame) {
  frame->Clear();
  frame->set_protocol_version(kProtocolVersion);
  if (large_offset_ < large_.size()) {
    const size_t size = std::min(kFrameBytes, large_.size() - large_offset_);
    frame->mutable_part()->set_total_size_bytes(large_.size());
    frame->mutable_part()->set_data(large_.substr(large_offset_, size));
    large_offset_ += size;
    if (large_offset_ == large_.size()) {
      large_.clear();
      large_.shrink_to_fit();
      large_offset_ = 0;
    }
    return true;
  }
  size_t frame_bytes = kFrameOverheadBytes;
  while (next_message_ < messages_.size()) {
    wire::RaftMessage encoded;
    ToWire(messages_[next_message_], &encoded);
    const size_t size = encoded.ByteSizeLong() + kFrameOverheadBytes;
    if (size > kFrameBytes) {
      // A message too large for any frame is sent in parts, after the frame being filled.
      if (frame->messages_size() > 0) break;
      messages_[next_message_++] = Message();
      large_ = encoded.SerializeAsString();
      return Next(frame);
    }
    if (frame_bytes + size > kFrameBytes) break;
    frame_bytes += size;
    *frame->add_messages() = std::move(encoded);
    messages_[next_message_++] = Message();  // its memory is in the frame now
  }
  return frame->messages_size() > 0;
}

absl::Status FrameDecoder::Decode(const wire::Frame& frame, std::vector<Message>* out) {
  if (frame.protocol_version() == 0 || frame.protocol_version() > kProtocolVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("frame has protocol version ", frame.protocol_version(),
                     "; this node speaks versions 1 to ", kProtocolVersion));
  }
  const bool has_part = frame.has_part();
  if (has_part && frame.messages_size() > 0) {
    return absl::InvalidArgumentError("frame carries both messages and a message part");
  }
  if (partial_size_bytes_ != 0 && !has_part) {
    return absl::InvalidArgumentError("frame interrupts the parts of a large message");
  }
  if (has_part) return DecodePart(frame.part(), out);
  for (const wire::RaftMessage& message : frame.messages()) {
    absl::StatusOr<Message> decoded = FromWire(message);
    if (!decoded.ok()) return decoded.status();
    out->push_back(*std::move(decoded));
  }
  return absl::OkStatus();
}

absl::Status FrameDecoder::DecodePart(const wire::MessagePart& part, std::vector<Message>* out) {
  if (partial_size_bytes_ == 0) {
    if (part.total_size_bytes() == 0 || part.total_size_bytes() > max_message_bytes_) {
      return absl::InvalidArgumentError(absl::StrCat("large message of ", part.total_size_bytes(),
                                                     " bytes; the limit is ", max_message_bytes_));
    }
    partial_size_bytes_ = part.total_size_bytes();
    partial_.reserve(partial_size_bytes_);
  } else if (part.total_size_bytes() != partial_size_bytes_) {
    return absl::InvalidArgumentError("message part disagrees on the message size");
  }
  if (part.data().size() > partial_size_bytes_ - partial_.size()) {
    return absl::InvalidArgumentError("message parts exceed the message size");
  }
  partial_.append(part.data());
  if (partial_.size() < partial_size_bytes_) return absl::OkStatus();
  wire::RaftMessage message;
  const bool parsed = message.ParseFromString(partial_);
  partial_.clear();
  partial_.shrink_to_fit();
  partial_size_bytes_ = 0;
  if (!parsed) return absl::InvalidArgumentError("large message does not parse");
  absl::StatusOr<Message> decoded = FromWire(message);
  if (!decoded.ok()) return decoded.status();
  out->push_back(*std::move(decoded));
  return absl::OkStatus();
}

}  // namespace hamster::raft::grpc_transport
