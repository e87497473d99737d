// The client side of one lane to one peer: a bounded queue drained by one thread into one
// long-lived gRPC stream, reconnecting with backoff. A small message offered while the lane
// is idle is written by the caller itself: handing it to the lane's thread costs a thread
// wake-up, the largest part of a message's latency on a busy machine.

#ifndef HAMSTER_RAFT_GRPC_PEER_LANE_H_
#define HAMSTER_RAFT_GRPC_PEER_LANE_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "hamster/raft/grpc_transport.h"
#include "hamster/raft/types.h"
#include "hamster/raft/wire/raft_transport.grpc.pb.h"
#include "reporter.h"

namespace hamster::raft::grpc_transport {

struct LaneConfig {
  NodeId self = kNoNode;
  NodeId peer = kNoNode;
  std::string address;
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  const GrpcTransportOptions* options = nullptr;  // outlives the lane
  UnreachableReporter* reporter = nullptr;        // outlives the lane
};

class PeerLane {
 public:
  explicit PeerLane(LaneConfig config);  // starts the thread
  ~PeerLane();                           // Stop() and Join()
  PeerLane(const PeerLane&) = delete;
  PeerLane& operator=(const PeerLane&) = delete;

  // Never waits for the network. A dropped message (queue full, too large, stopped) is
  // counted and the peer reported unreachable. The caller writes the message itself when
  // the stream is open and idle, the message is small, and fewer than kWriteNowBudgetBytes
  // went to the peer since it was last heard from: a peer that answers reads its stream, so
  // such a write finds room in gRPC's flow-control window and the socket, and cannot block.
  void Enqueue(Message message);
  // The peer sent us something: it is alive and reading, so small writes may go at once.
  void HeardFrom();
  // Asks the thread to end and cancels what it waits for; does not wait.
  void Stop();
  void Join();
  bool finished() const { return finished_.load(); }
  // Adds this lane's figures to `stats`.
  void AddStats(GrpcPeerStats* stats) const;

 private:
  void Run();
  std::vector<Message> TakeBatchLocked();
  bool CanWriteNowLocked(uint64_t size) const;
  void WriteNow(Message message, uint64_t size, std::unique_lock<std::mutex>& lock);
  // False when the stream failed; the lane's thread then learns why and reconnects.
  bool WriteFrames(std::vector<Message> batch);
  absl::Status Connect();
  absl::Status WaitReady(grpc::Channel& channel);
  absl::Status OpenStream();
  absl::Status VerifyServer();
  absl::Status WriteBatch(std::vector<Message> batch);
  absl::Status StreamFailure(const char* what);
  void CloseStream();
  void Fail(const absl::Status& status, size_t batch_size);
  void Backoff(int* delay_ms);

  const LaneConfig config_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::deque<Message> queue_;
  uint64_t queued_bytes_ = 0;
  uint64_t sent_messages_ = 0;
  uint64_t dropped_messages_ = 0;
  uint64_t connect_failures_ = 0;
  bool connected_ = false;
  // Someone writes to the stream: the lane's thread, or a caller of Enqueue. At most one.
  bool writing_ = false;
  bool write_now_failed_ = false;  // a caller's write failed; the lane's thread closes the stream
  uint64_t written_at_once_ = 0;
  uint64_t unanswered_bytes_ = 0;  // written since the peer was last heard from
  std::string last_error_;
  grpc::ClientContext* active_context_ = nullptr;  // what Stop() cancels

  // Owned by the lane's thread.
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<wire::RaftTransport::Stub> stub_;
  std::unique_ptr<grpc::ClientContext> context_;
  wire::StreamSummary summary_;
  std::unique_ptr<grpc::ClientWriter<wire::Frame>> writer_;

  std::atomic<bool> finished_{false};
  std::thread thread_;
};

}  // namespace hamster::raft::grpc_transport

#endif  // HAMSTER_RAFT_GRPC_PEER_LANE_H_
