// The transport's only path to the MessageSink. Detach() waits for calls in progress and
// makes every later call a no-op, which is how Stop() keeps its promise that the sink is not
// called after it returns.

#ifndef HAMSTER_RAFT_GRPC_SINK_GUARD_H_
#define HAMSTER_RAFT_GRPC_SINK_GUARD_H_

#include <mutex>
#include <shared_mutex>
#include <utility>

#include "hamster/raft/transport.h"

namespace hamster::raft::grpc_transport {

class SinkGuard {
 public:
  void Attach(MessageSink* sink) {
    std::unique_lock lock(mutex_);
    sink_ = sink;
  }
  void Detach() {
    std::unique_lock lock(mutex_);
    sink_ = nullptr;
  }
  // False once detached (or before Attach): the message was not delivered.
  bool Deliver(Message message) {
    std::shared_lock lock(mutex_);
    if (sink_ == nullptr) return false;
    sink_->Deliver(std::move(message));
    return true;
  }
  void ReportUnreachable(NodeId peer) {
    std::shared_lock lock(mutex_);
    if (sink_ != nullptr) sink_->PeerUnreachable(peer);
  }

 private:
  // Shared so that streams from different peers deliver concurrently.
  std::shared_mutex mutex_;
  MessageSink* sink_ = nullptr;
};

}  // namespace hamster::raft::grpc_transport

#endif  // HAMSTER_RAFT_GRPC_SINK_GUARD_H_
