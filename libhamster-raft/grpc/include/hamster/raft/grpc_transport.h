// GrpcTransport carries Raft messages between the members of a group over gRPC with mutual
// TLS; it implements the Transport contract of hamster/raft/transport.h.
//
// Identity: every member holds a certificate signed by the cluster CA whose subjectAltName
// contains DNS:node-<id> (docs/raft-mtls.md shows how to make them with openssl). A
// connection without a certificate from that CA is refused during the TLS handshake. The
// server takes the caller's id from its certificate and refuses a stream whose claimed id, or
// any message whose `from`, differs from it; the client accepts a server only if the
// certificate names the peer id it meant to reach.
//
// Streams: for each peer there are two lanes, each a bounded queue, a thread and one
// long-lived gRPC client stream: one for snapshot chunks, one for everything else, so a
// multi-MiB snapshot never holds back heartbeats. Messages larger than a frame (1 MiB) are
// sent in parts and reassembled by the receiver up to max_message_bytes.
//
// Backpressure: Send() queues, except that a small message (<= 4 KiB) for an idle lane whose
// peer has answered within the last 16 KiB sent is written by Send() itself, which saves a
// thread hand-off; such a write cannot wait for the peer (see peer_lane.h). When a lane's
// queue is full the new message is dropped and the peer is reported unreachable; when a peer
// cannot be reached, its queue is dropped and reported, and the lane reconnects with
// exponential backoff.
//
// Thread safety: every method may be called from any thread. The sink is called from the
// transport's threads (never from inside Send(), AddPeer() or RemovePeer()).

#ifndef HAMSTER_RAFT_GRPC_TRANSPORT_H_
#define HAMSTER_RAFT_GRPC_TRANSPORT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/raft/transport.h"
#include "hamster/raft/types.h"

namespace hamster::raft {

struct GrpcTransportOptions {
  NodeId node_id = kNoNode;  // this member; its certificate must name it
  // host:port to listen on; port 0 picks a free port (see GrpcTransport::listen_port()).
  std::string listen_address = "127.0.0.1:0";

  // PEM files: the cluster CA, this member's certificate and its private key.
  std::string ca_cert_path;
  std::string cert_path;
  std::string key_path;

  // Per peer and lane: at most this many queued messages and queued bytes. At the bound a new
  // message is dropped (an empty queue accepts one message of any size up to
  // max_message_bytes).
  size_t max_queued_messages_per_peer = 4096;
  uint64_t max_queued_bytes_per_peer = 64 << 20;
  // Larger messages are dropped when sent and refused when received.
  uint64_t max_message_bytes = 256 << 20;

  // A connection attempt that has not completed the handshake by then has failed.
  int connect_timeout_ms = 5000;
  // Delay before reconnecting after a failure: doubles from min to max, reset on success.
  int reconnect_delay_ms_min = 50;
  int reconnect_delay_ms_max = 2000;
};

// What a peer's lanes hold and have done; for operators and tests.
struct GrpcPeerStats {
  std::string address;
  size_t queued_messages = 0;
  uint64_t queued_bytes = 0;
  uint64_t sent_messages = 0;
  uint64_t written_at_once = 0;   // of sent_messages: written by Send() itself, the lane idle
  uint64_t dropped_messages = 0;  // queue full, too large, or unreachable
  uint64_t connect_failures = 0;
  bool connected = false;  // some lane has an accepted stream right now
  std::string last_error;  // the latest connection or stream failure, empty if none
};

class GrpcTransport final : public Transport {
 public:
  // Checks the options and loads the PEM files. Errors: InvalidArgument for bad options or a
  // certificate that does not name options.node_id, NotFound for a missing file.
  static absl::StatusOr<std::unique_ptr<GrpcTransport>> Create(GrpcTransportOptions options);
  ~GrpcTransport() override;  // Stop()s
  GrpcTransport(const GrpcTransport&) = delete;
  GrpcTransport& operator=(const GrpcTransport&) = delete;

  // Binds listen_address and starts serving. Unavailable if the address cannot be bound;
  // FailedPrecondition if called twice or after Stop().
  absl::Status Start(MessageSink* sink) override;
  void Send(std::vector<Message> messages) override;
  void AddPeer(NodeId peer, std::string address) override;
  void RemovePeer(NodeId peer) override;
  void Stop() override;

  // The port the server listens on; 0 before Start().
  int listen_port() const;
  // nullopt for an unknown peer.
  std::optional<GrpcPeerStats> peer_stats(NodeId peer) const;

 private:
  class Impl;
  explicit GrpcTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_GRPC_TRANSPORT_H_
