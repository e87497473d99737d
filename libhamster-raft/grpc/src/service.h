// The server side: accepts streams from authenticated peers and delivers their messages.

#ifndef HAMSTER_RAFT_GRPC_SERVICE_H_
#define HAMSTER_RAFT_GRPC_SERVICE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "hamster/raft/types.h"
#include "hamster/raft/wire/raft_transport.grpc.pb.h"
#include "sink_guard.h"

namespace hamster::raft::grpc_transport {

// Metadata keys of a stream: the caller sends its claimed id, the server answers with its own
// in the initial metadata once it accepted the caller.
inline constexpr char kNodeIdMetadataKey[] = "hamster-node-id";

// The node id named by the verified certificate of the connection `context` belongs to.
absl::StatusOr<NodeId> AuthenticatedPeer(const grpc::AuthContext& context);

// On gRPC's callback API: a stream is a reactor whose reads complete on gRPC's own threads,
// which deliver straight to the sink. The sync API would park one thread per stream in Read()
// and add a thread hand-off to every frame.
class RaftService final : public wire::RaftTransport::CallbackService {
 public:
  RaftService(NodeId self, uint64_t max_message_bytes, SinkGuard* sink)
      : self_(self), max_message_bytes_(max_message_bytes), sink_(sink) {}

  grpc::ServerReadReactor<wire::Frame>* Stream(grpc::CallbackServerContext* context,
                                               wire::StreamSummary* summary) override;

 private:
  class StreamReactor;

  absl::StatusOr<NodeId> AcceptCaller(const grpc::ServerContextBase& context) const;

  const NodeId self_;
  const uint64_t max_message_bytes_;
  SinkGuard* const sink_;
};

}  // namespace hamster::raft::grpc_transport

#endif  // HAMSTER_RAFT_GRPC_SERVICE_H_
