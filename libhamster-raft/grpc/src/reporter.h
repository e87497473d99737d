// Reports unreachable peers to the sink from a thread of its own, so that neither Send() (whose
// caller may hold the lock the sink needs) nor a lane blocked on a full stream delays a
// report. Reports for the same peer coalesce while one is pending.

#ifndef HAMSTER_RAFT_GRPC_REPORTER_H_
#define HAMSTER_RAFT_GRPC_REPORTER_H_

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "hamster/raft/types.h"
#include "sink_guard.h"

namespace hamster::raft::grpc_transport {

class UnreachableReporter {
 public:
  explicit UnreachableReporter(SinkGuard* sink) : sink_(sink), thread_([this] { Run(); }) {}
  ~UnreachableReporter() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      wake_.notify_one();
    }
    thread_.join();
  }
  UnreachableReporter(const UnreachableReporter&) = delete;
  UnreachableReporter& operator=(const UnreachableReporter&) = delete;

  void Report(NodeId peer) {
    std::lock_guard lock(mutex_);
    // At most one entry per peer: the set is bounded by the number of peers.
    pending_.insert(peer);
    wake_.notify_one();
  }

 private:
  void Run() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (stopping_) return;
      const std::set<NodeId> peers = std::move(pending_);
      pending_.clear();
      lock.unlock();
      for (NodeId peer : peers) sink_->ReportUnreachable(peer);
      lock.lock();
    }
  }

  SinkGuard* const sink_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::set<NodeId> pending_;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace hamster::raft::grpc_transport

#endif  // HAMSTER_RAFT_GRPC_REPORTER_H_
