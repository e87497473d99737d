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

using testing::LoopbackAddress;
using testing::RecordingSink;
using testing::StartTransport;
using testing::TestPki;
using testing::WaitUntil;

Message Append(NodeId from, NodeId to, size_t data_bytes) {
  Message message{.type = MessageType::kAppend, .from = from, .to = to, .term = 1};
  message.entries.push_back(Entry{.term = 1, .index = 1, .data = std::string(data_bytes, 'x')});
  return message;
}

// A port nothing listens on: one a transport held and released.
std::string DeadAddress(TestPki& pki) {
  RecordingSink sink;
  const std::unique_ptr<GrpcTransport> transport = StartTransport(pki.NodeOptions(9), &sink);
  const std::string address = LoopbackAddress(*transport);
  transport->Stop();
  return address;
}

TEST_CASE("Backpressure: sending to a dead peer never blocks and stays bounded", "[raft_grpc]") {
  TestPki pki("hamster-test-ca");
  GrpcTransportOptions options = pki.NodeOptions(1);
  options.max_queued_messages_per_peer = 64;
  RecordingSink sink;
  const std::unique_ptr<GrpcTransport> transport = StartTransport(options, &sink);
  transport->AddPeer(2, DeadAddress(pki));

  // Far more than the queue holds, sent faster than any connection attempt fails.
  constexpr int kCount = 50'000;
  for (int i = 0; i < kCount; ++i) {
    transport->Send({Append(1, 2, 100)});
    const GrpcPeerStats stats = *transport->peer_stats(2);
    // Two lanes, each bounded.
    REQUIRE(stats.queued_messages <= 2 * options.max_queued_messages_per_peer);
  }
  REQUIRE(sink.WaitForUnreachable(2));
  // Whatever was queued or in a connection attempt is dropped by the next failed attempt.
  CHECK(WaitUntil([&] { return transport->peer_stats(2)->dropped_messages == kCount; }));
  const GrpcPeerStats stats = *transport->peer_stats(2);
  CHECK(stats.queued_messages == 0);
  CHECK(stats.sent_messages == 0);
  CHECK(stats.connect_failures > 0);
}

TEST_CASE("Backpressure: a message over max_message_bytes is dropped and reported", "[raft_grpc]") {
  TestPki pki("hamster-test-ca");
  GrpcTransportOptions options = pki.NodeOptions(1);
  options.max_message_bytes = 1 << 20;
  RecordingSink sender_sink;
  RecordingSink receiver_sink;
  const std::unique_ptr<GrpcTransport> sender = StartTransport(options, &sender_sink);
  const std::unique_ptr<GrpcTransport> receiver =
      StartTransport(pki.NodeOptions(2), &receiver_sink);
  sender->AddPeer(2, LoopbackAddress(*receiver));

  sender->Send({Append(1, 2, 2 << 20), Append(1, 2, 10)});
  REQUIRE(sender_sink.WaitForUnreachable(2));
  REQUIRE(receiver_sink.WaitForMessages(1));
  CHECK(sender->peer_stats(2)->dropped_messages == 1);
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
  RecordingSink sender_sink;
  BlockingSink receiver_sink;
  const std::unique_ptr<GrpcTransport> sender = StartTransport(options, &sender_sink);
  const std::unique_ptr<GrpcTransport> receiver =
      StartTransport(pki.NodeOptions(2), &receiver_sink);
  sender->AddPeer(2, LoopbackAddress(*receiver));

  // 256 MiB offered to a receiver stuck on its first message: gRPC's flow-control windows
  // fill, the lane's writes block, and the queue must drop the rest.
  constexpr int kCount = 1024;
  for (int i = 0; i < kCount; ++i) {
    sender->Send({Append(1, 2, 256 << 10)});
    REQUIRE(sender->peer_stats(2)->queued_bytes <= options.max_queued_bytes_per_peer);
  }
  REQUIRE(WaitUntil([&] { return receiver_sink.delivered() > 0; }));
  const GrpcPeerStats stats = *sender->peer_stats(2);
  CHECK(stats.dropped_messages > 0);
  CHECK(sender_sink.WaitForUnreachable(2));
  receiver_sink.Open();
  // Once the receiver reads again, what was queued drains.
  CHECK(WaitUntil([&] { return sender->peer_stats(2)->queued_messages == 0; }));
  receiver->Stop();
  sender->Stop();
}

// Send() writes a small message itself when the lane is idle, but only within a budget of
// bytes since the peer was last heard from; past it, messages go through the lane's queue.
TEST_CASE("Backpressure: Send writes at once only while the peer keeps answering",
          "[raft_grpc]") {
  TestPki pki("hamster-test-ca");
  RecordingSink a_sink;
  RecordingSink b_sink;
  const std::unique_ptr<GrpcTransport> a = StartTransport(pki.NodeOptions(1), &a_sink);
  const std::unique_ptr<GrpcTransport> b = StartTransport(pki.NodeOptions(2), &b_sink);
  a->AddPeer(2, LoopbackAddress(*b));
  b->AddPeer(1, LoopbackAddress(*a));
  const auto stats = [&] { return *a->peer_stats(2); };
  const auto answer = [&] {
    const size_t before = a_sink.message_count();
    b->Send({Append(2, 1, 8)});
    REQUIRE(a_sink.WaitForMessages(before + 1));
  };

  a->Send({Append(1, 2, 8)});  // connects: the lane's thread writes it
  REQUIRE(b_sink.WaitForMessages(1));
  REQUIRE(WaitUntil([&] { return stats().sent_messages == 1; }));
  answer();
  // One at a time, each delivered before the next, so the lane is idle for every Send.
  constexpr int kCount = 40;
  for (int i = 0; i < kCount; ++i) {
    a->Send({Append(1, 2, 1000)});
    REQUIRE(b_sink.WaitForMessages(2 + i));
  }
  REQUIRE(WaitUntil([&] { return stats().sent_messages == 1 + kCount; }));
  const uint64_t at_once = stats().written_at_once;
  CHECK(at_once > 0);
  CHECK(at_once <= 16);  // 16 KiB of ~1 KiB messages without an answer, then the queue
  CHECK(stats().dropped_messages == 0);

  answer();  // the budget is renewed
  a->Send({Append(1, 2, 1000)});
  REQUIRE(b_sink.WaitForMessages(2 + kCount));
  CHECK(stats().written_at_once == at_once + 1);
  b->Stop();
  a->Stop();
}

TEST_CASE("Backpressure: small messages to a peer that stops reading never block Send",
          "[raft_grpc]") {
  TestPki pki("hamster-test-ca");
  GrpcTransportOptions options = pki.NodeOptions(1);
  options.max_queued_messages_per_peer = 256;
  RecordingSink sender_sink;
  BlockingSink receiver_sink;
  const std::unique_ptr<GrpcTransport> sender = StartTransport(options, &sender_sink);
  const std::unique_ptr<GrpcTransport> receiver =
      StartTransport(pki.NodeOptions(2), &receiver_sink);
  sender->AddPeer(2, LoopbackAddress(*receiver));

  sender->Send({Append(1, 2, 8)});
  REQUIRE(WaitUntil([&] { return receiver_sink.delivered() > 0; }));
  // The receiver is stuck in its first delivery and never answers: 4 MiB of small messages,
  // far beyond gRPC's windows, must neither block this thread nor all be written at once.
  for (int i = 0; i < 4096; ++i) sender->Send({Append(1, 2, 1000)});
  const GrpcPeerStats stats = *sender->peer_stats(2);
  CHECK(stats.written_at_once <= 16);
  CHECK(stats.dropped_messages > 0);  // the lane's own writes got stuck, and its queue filled
  receiver_sink.Open();
  CHECK(WaitUntil([&] { return sender->peer_stats(2)->queued_messages == 0; }));
  receiver->Stop();
  sender->Stop();
}

}  // namespace
}  // namespace hamster::raft
