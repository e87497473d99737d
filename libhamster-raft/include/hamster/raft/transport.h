// Transport carries Raft messages between the members of a group. It is the seam between the
// threaded driver (hamster::raft_node's Node) and a network: hamster::raft_grpc implements it
// over gRPC with mutual TLS, tests implement it in memory.
//
// Contract:
//   - Send() never waits for the network or a peer: it queues and returns (or writes a small
//     message at once where that cannot wait, as GrpcTransport does). Messages are best effort;
//     the core tolerates loss, delay, duplication and reordering, so a transport under
//     pressure drops rather than grows without bound (backpressure is bounded queues).
//   - A message to a peer the transport cannot reach is dropped and reported with
//     MessageSink::PeerUnreachable(), so the leader falls back to probing that peer.
//   - Messages from the network are delivered to MessageSink::Deliver() in the order a peer
//     sent them on one connection; the sink validates them (RawNode::Step does).
//   - Deliver() and PeerUnreachable() may be called from any transport thread, concurrently;
//     the sink must be thread-safe and must not block for long.
//   - A transport authenticates peers: a message whose `from` is not the authenticated
//     identity of the connection it arrived on is never delivered.
//
// This header has no dependency beyond the core's types: embedders with their own network
// implement Transport themselves.

#ifndef HAMSTER_RAFT_TRANSPORT_H_
#define HAMSTER_RAFT_TRANSPORT_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "hamster/raft/types.h"

namespace hamster::raft {

class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void Deliver(Message message) = 0;
  virtual void PeerUnreachable(NodeId peer) = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Starts accepting messages for `sink` (borrowed; must outlive Stop()).
  virtual absl::Status Start(MessageSink* sink) = 0;

  // Queues `messages` for their destinations (Message::to). Never blocks on the network.
  virtual void Send(std::vector<Message> messages) = 0;

  // Where to reach a member. Membership changes call these; a peer may be re-added with a
  // new address.
  virtual void AddPeer(NodeId peer, std::string address) = 0;
  virtual void RemovePeer(NodeId peer) = 0;

  // Stops sending and delivering; after it returns the sink is not called again.
  virtual void Stop() = 0;
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_TRANSPORT_H_
