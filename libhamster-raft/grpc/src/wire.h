// The mapping between hamster::raft::Message and the protobuf wire format
// (proto/raft_transport.proto), and the framing of message batches into stream frames.

#ifndef HAMSTER_RAFT_GRPC_WIRE_H_
#define HAMSTER_RAFT_GRPC_WIRE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/raft/types.h"
#include "hamster/raft/wire/raft_transport.pb.h"

namespace hamster::raft::grpc_transport {

// The newest wire protocol this build speaks; see the versioning note in the .proto.
inline constexpr uint32_t kProtocolVersion = 1;
// Frames stay well below gRPC's default 4 MiB receive limit.
inline constexpr size_t kFrameBytes = 1 << 20;

void ToWire(const Message& message, wire::RaftMessage* out);
// InvalidArgument for a message type or entry type this build does not know.
absl::StatusOr<Message> FromWire(const wire::RaftMessage& message);

// An estimate of the memory a queued message holds, for the queue bounds.
uint64_t MessageSizeBytes(const Message& message);

// Cuts a batch of messages into frames, one frame at a time so a large message is held
// encoded once, not once per frame as well.
class FrameEncoder {
 public:
  explicit FrameEncoder(std::vector<Message> messages);
  // Fills `frame` with the next frame; false when the batch is exhausted.
  bool Next(wire::Frame* frame);

 private:
  std::vector<Message> messages_;
  size_t next_message_ = 0;
  std::string large_;  // the encoding of the large message being sent in parts
  size_t large_offset_ = 0;
};

// Turns the frames of one stream back into messages. Errors (InvalidArgument, or
// FailedPrecondition for an unknown protocol version) mean the stream must be refused.
class FrameDecoder {
 public:
  explicit FrameDecoder(uint64_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}
  absl::Status Decode(const wire::Frame& frame, std::vector<Message>* out);

 private:
  absl::Status DecodePart(const wire::MessagePart& part, std::vector<Message>* out);

  uint64_t max_message_bytes_;
  std::string partial_;              // parts received so far of a large message
  uint64_t partial_size_bytes_ = 0;  // its total size; 0 when no large message is pending
};

}  // namespace hamster::raft::grpc_transport

#endif  // HAMSTER_RAFT_GRPC_WIRE_H_
