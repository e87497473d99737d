#include "wire.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "identity.h"

namespace hamster::raft::grpc_transport {
namespace {

std::string RandomBytes(std::mt19937_64& rng, size_t size) {
  std::string bytes(size, '\0');
  for (char& byte : bytes) byte = static_cast<char>(rng());
  return bytes;
}

Message FullMessage(std::mt19937_64& rng, size_t data_bytes) {
  Message message{.type = MessageType::kSnapshot,
                  .from = 1,
                  .to = 2,
                  .term = rng(),
                  .index = rng(),
                  .log_term = rng(),
                  .commit = rng(),
                  .reject = true,
                  .reject_hint = rng(),
                  .leader_transfer = true,
                  .transferee = 3,
                  .snapshot_index = rng(),
                  .context = RandomBytes(rng, 17),
                  .commit_only = true};
  message.entries.push_back(
      Entry{.term = 4, .index = 5, .type = EntryType::kConfChange, .data = "change"});
  message.entries.push_back(Entry{.term = 4, .index = 6, .data = RandomBytes(rng, 100)});
  message.snapshot_chunk = SnapshotChunk{
      .metadata = {.index = 9, .term = 4, .conf_state = {.voters = {1, 2}, .learners = {3}}},
      .offset = 7,
      .total_size_bytes = 7 + data_bytes,
      .data = RandomBytes(rng, data_bytes),
      .done = true};
  return message;
}

std::vector<Message> RoundTrip(std::vector<Message> messages, size_t* frame_count) {
  FrameEncoder encoder(std::move(messages));
  FrameDecoder decoder(64 << 20);
  std::vector<Message> decoded;
  wire::Frame frame;
  *frame_count = 0;
  while (encoder.Next(&frame)) {
    ++*frame_count;
    wire::Frame received;
    REQUIRE(received.ParseFromString(frame.SerializeAsString()));
    REQUIRE(received.ByteSizeLong() <= kFrameBytes + 64);
    REQUIRE(decoder.Decode(received, &decoded).ok());
  }
  return decoded;
}

TEST_CASE("Wire: every message field survives the round trip", "[raft_grpc]") {
  std::mt19937_64 rng(1);
  const Message message = FullMessage(rng, 10);
  wire::RaftMessage encoded;
  ToWire(message, &encoded);
  const absl::StatusOr<Message> decoded = FromWire(encoded);
  REQUIRE(decoded.ok());
  CHECK(*decoded == message);

  Message plain{.type = MessageType::kHeartbeat, .from = 1, .to = 2, .term = 3};
  encoded.Clear();
  ToWire(plain, &encoded);
  const absl::StatusOr<Message> decoded_plain = FromWire(encoded);
  REQUIRE(decoded_plain.ok());
  CHECK(*decoded_plain == plain);
  CHECK_FALSE(decoded_plain->snapshot_chunk.has_value());
}

TEST_CASE("Wire: small messages share frames, a large one goes in parts", "[raft_grpc]") {
  const uint64_t seed = GENERATE(1, 2, 3);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  std::vector<Message> messages;
  for (int i = 0; i < 50; ++i) {
    messages.push_back(Message{.type = MessageType::kHeartbeat, .from = 1, .to = 2, .term = 1});
  }
  messages.push_back(FullMessage(rng, 3 * kFrameBytes + rng() % kFrameBytes));
  for (int i = 0; i < 50; ++i) messages.push_back(FullMessage(rng, rng() % 40000));
  size_t frame_count = 0;
  const std::vector<Message> decoded = RoundTrip(messages, &frame_count);
  CHECK(decoded == messages);
  CHECK(frame_count >= 5);   // the large message alone needs four parts
  CHECK(frame_count <= 10);  // the small ones are packed, not one per frame
}

TEST_CASE("Wire: an empty batch has no frames", "[raft_grpc]") {
  size_t frame_count = 0;
  CHECK(RoundTrip({}, &frame_count).empty());
  CHECK(frame_count == 0);
}

TEST_CASE("Wire: unknown message and entry types are refused", "[raft_grpc]") {
  wire::RaftMessage message;
  message.set_type(99);
  CHECK(FromWire(message).status().code() == absl::StatusCode::kInvalidArgument);
  message.set_type(0);
  message.add_entries()->set_type(7);
  CHECK(FromWire(message).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("Wire: frames of an unknown protocol version are refused", "[raft_grpc]") {
  FrameDecoder decoder(1 << 20);
  std::vector<Message> out;
  wire::Frame frame;
  frame.add_messages()->set_from(1);
  CHECK(decoder.Decode(frame, &out).code() == absl::StatusCode::kFailedPrecondition);
  frame.set_protocol_version(kProtocolVersion + 1);
  CHECK(decoder.Decode(frame, &out).code() == absl::StatusCode::kFailedPrecondition);
  frame.set_protocol_version(kProtocolVersion);
  CHECK(decoder.Decode(frame, &out).ok());
  CHECK(out.size() == 1);
}

TEST_CASE("Wire: malformed message parts are refused", "[raft_grpc]") {
  FrameDecoder decoder(1000);
  std::vector<Message> out;
  wire::Frame frame;
  frame.set_protocol_version(kProtocolVersion);
  SECTION("larger than the limit") {
    frame.mutable_part()->set_total_size_bytes(1001);
    CHECK(decoder.Decode(frame, &out).code() == absl::StatusCode::kInvalidArgument);
  }
  SECTION("parts and messages in one frame") {
    frame.mutable_part()->set_total_size_bytes(10);
    frame.add_messages();
    CHECK(decoder.Decode(frame, &out).code() == absl::StatusCode::kInvalidArgument);
  }
  SECTION("a message between the parts of another") {
    frame.mutable_part()->set_total_size_bytes(10);
    frame.mutable_part()->set_data("abc");
    REQUIRE(decoder.Decode(frame, &out).ok());
    frame.clear_part();
    frame.add_messages();
    CHECK(decoder.Decode(frame, &out).code() == absl::StatusCode::kInvalidArgument);
  }
  SECTION("parts that overflow or disagree on the size") {
    frame.mutable_part()->set_total_size_bytes(4);
    frame.mutable_part()->set_data("abc");
    REQUIRE(decoder.Decode(frame, &out).ok());
    frame.mutable_part()->set_total_size_bytes(5);
    CHECK(decoder.Decode(frame, &out).code() == absl::StatusCode::kInvalidArgument);
    frame.mutable_part()->set_total_size_bytes(4);
    CHECK(decoder.Decode(frame, &out).code() == absl::StatusCode::kInvalidArgument);
  }
  SECTION("parts that do not parse") {
    frame.mutable_part()->set_total_size_bytes(3);
    frame.mutable_part()->set_data("\xff\xff\xff");
    CHECK(decoder.Decode(frame, &out).code() == absl::StatusCode::kInvalidArgument);
  }
  CHECK(out.empty());
}

TEST_CASE("Identity: node ids are written node-<id>", "[raft_grpc]") {
  CHECK(NodeIdentity(42) == "node-42");
  CHECK(ParseNodeIdentity("node-42").value() == 42);
  CHECK(ParseNodeIdentity("node-18446744073709551615").value() == UINT64_MAX);
  for (const char* bad : {"node-", "node-0", "node-042", "node-4x", "node--4", "Node-4",
                          "node-18446744073709551616", "xnode-4", ""}) {
    INFO(bad);
    CHECK(ParseNodeIdentity(bad).status().code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Identity: a certificate must name exactly one node", "[raft_grpc]") {
  CHECK(NodeIdFromNames({"example.org", "node-7"}).value() == 7);
  CHECK(NodeIdFromNames({"node-7", "node-7"}).value() == 7);
  CHECK(NodeIdFromNames({"node-7", "node-8"}).status().code() ==
        absl::StatusCode::kPermissionDenied);
  CHECK(NodeIdFromNames({"example.org"}).status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(NodeIdFromNames({}).status().code() == absl::StatusCode::kPermissionDenied);
  CHECK(NodeIdFromCertificatePem("not a certificate").status().code() ==
        absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hamster::raft::grpc_transport
