// Send() never blocks and the queues stay bounded, whether the peer is dead or too slow.

#include <catch2/catch.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>

#include "hamster/raft/grpc_transport.h"
#include "recording_sink.h"
#include "test_pki.h"

namespace hamster::raft {
namespace {

using testing::RecordingSink;
using testing::TestPki;
using testing::WaitUntil;

Message Append(NodeId from, NodeId to, size_t data_bytes) {
  Message message{.type = MessageType::kAppend, .from = from, .to = to, .term = 1};
  message.entries.push_back(Entry{.term = 1, .index = 1, .data = std::string(data_bytes, 'x')});
  return message;
}

// A port nothing listens on: one a transport held and released.
std::string DeadAddress(TestPki& pki) {
  auto transport = GrpcTransport::Create(pki.NodeOptions(9));
  REQUIRE(transport.ok());
  RecordingSink sink;
  REQUIRE((*transport)->Start(&sink).ok());
  const std::string address = "127.0.0.1:" + std::to_string((*transport)->listen_port());
  (*transport)->Stop();
  return address;
}

TEST_CASE("Backpressure: sending to a dead peer never blocks and stays bounded", "[raft_grpc]") {
  TestPki pki("hamster-test-ca");
  GrpcTransportOptions options = pki.NodeOptions(1);
  options.max_queued_messages_per_peer = 64;
  auto transport = GrpcTransport::Create(options);
  REQUIRE(transport.ok());
  RecordingSink sink;
  REQUIRE((*transport)->Start(&sink).ok());
  (*transport)->AddPeer(2, DeadAddress(pki));

  // Far more than the queue holds, sent faster than any connection attempt fails.
  constexpr int kCount = 50'000;
  for (int i = 0; i < kCount; ++i) {
    (*transport)->Send({Append(1, 2, 100)});
    const GrpcPeerStats stats = *(*transport)->peer_stats(2);
    // Two lanes, each bounded.
    REQUIRE(stats.queued_messages <= 2 * options.max_queued_messages_per_peer);
  }
  REQUIRE(sink.WaitForUnreachable(2));
  // Whatever was queued or in a connection attempt is dropped by the next failed attempt.
  CHECK(WaitUntil([&] { return (*transport)->peer_stats(2)->dropped_messages == kCount; }));
  const GrpcPeerStats stats = *(*transport)->peer_stats(2);
  CHECK(stats.queued_messages == 0);
  CHECK(stats.sent_messages == 0);
  CHECK(stats.connect_failures > 0);
}

TEST_CASE("Backpressure: a message over max_message_bytes is dropped and reported", "[raft_grpc]") {
  TestPki pki("hamster-test-ca");
  GrpcTransportOptions options = pki.NodeOptions(1);
  options.max_message_bytes = 1 << 20;
  auto sender = GrpcTransport::Create(options);
  auto receiver = GrpcTransport::Create(pki.NodeOptions(2));
  REQUIRE(sender.ok());
  REQUIRE(receiver.ok());
  RecordingSink sender_sink;
  RecordingSink receiver_sink;
  REQUIRE((*sender)->Start(&sender_sink).ok());
  REQUIRE((*receiver)->Start(&receiver_sink).ok());
  (*sender)->AddPeer(2, "127.0.0.1:" + std::to_string((*receiver)->listen_port()));

  (*sender)->Send({Append(1, 2, 2 << 20), Append(1, 2, 10)});
  REQUIRE(sender_sink.WaitForUnreachable(2));
  REQUIRE(receiver_sink.WaitForMessages(1));
  CHECK((*sender)->peer_stats(2)->dropped_messages == 1);
  CHECK(receiver_sink.messages()[0].entries[0].data.size() == 10);
}

// Holds every delivery until released: a receiver that has stopped reading.
class BlockingSink final : public MessageSink {
 public:
  void Deliver(Message message) override {
    std::unique_lock lock(mutex_);
    ++delivered_;
    released_.wait(lock, [&] { return open_; });
    (void)message;
  }
  void PeerUnreachable(NodeId) override {}
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    released_.notify_all();
  }
  int delivered() {
    std::lock_guard lock(mutex_);
    return delivered_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable released_;
  bool open_ = false;
  int delivered_ = 0;
};

TEST_CASE("Backpressure: a peer that stops reading fills a bounded queue, not memory",
          "[raft_grpc]") {
  TestPki pki("hamster-test-ca");
  GrpcTransportOptions options = pki.NodeOptions(1);
  options.max_queued_bytes_per_peer = 4 << 20;
  auto sender = GrpcTransport::Create(options);
  auto receiver = GrpcTransport::Create(pki.NodeOptions(2));
  REQUIRE(sender.ok());
  REQUIRE(receiver.ok());
  RecordingSink sender_sink;
  BlockingSink receiver_sink;
  REQUIRE((*sender)->Start(&sender_sink).ok());
  REQUIRE((*receiver)->Start(&receiver_sink).ok());
  (*sender)->AddPeer(2, "127.0.0.1:" + std::to_string((*receiver)->listen_port()));

  // 256 MiB offered to a receiver stuck on its first message: gRPC's flow-control windows
  // fill, the lane's writes block, and the queue must drop the rest.
  constexpr int kCount = 1024;
  for (int i = 0; i < kCount; ++i) {
    (*sender)->Send({Append(1, 2, 256 << 10)});
    REQUIRE((*sender)->peer_stats(2)->queued_bytes <= options.max_queued_bytes_per_peer);
  }
  REQUIRE(WaitUntil([&] { return receiver_sink.delivered() > 0; }));
  const GrpcPeerStats stats = *(*sender)->peer_stats(2);
  CHECK(stats.dropped_messages > 0);
  CHECK(sender_sink.WaitForUnreachable(2));
  receiver_sink.Open();
  // Once the receiver reads again, what was queued drains.
  CHECK(WaitUntil([&] { return (*sender)->peer_stats(2)->queued_messages == 0; }));
  (*receiver)->Stop();
  (*sender)->Stop();
}

}  // namespace
}  // namespace hamster::raft
