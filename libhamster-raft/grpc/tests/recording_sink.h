// A MessageSink that records what it is given, and waits for conditions on it with a generous
// deadline (never a timing assertion: the deadline only turns a hang into a failure).

#ifndef HAMSTER_RAFT_GRPC_TESTS_RECORDING_SINK_H_
#define HAMSTER_RAFT_GRPC_TESTS_RECORDING_SINK_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "hamster/raft/transport.h"

namespace hamster::raft::testing {

inline constexpr auto kDeadline = std::chrono::seconds(60);

// Polls `condition` until it holds or kDeadline passes; returns whether it held.
inline bool WaitUntil(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

class RecordingSink final : public MessageSink {
 public:
  void Deliver(Message message) override {
    std::lock_guard lock(mutex_);
    messages_.push_back(std::move(message));
  }
  void PeerUnreachable(NodeId peer) override {
    std::lock_guard lock(mutex_);
    ++unreachable_[peer];
  }

  std::vector<Message> messages() const {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  size_t message_count() const {
    std::lock_guard lock(mutex_);
    return messages_.size();
  }
  int unreachable_count(NodeId peer) const {
    std::lock_guard lock(mutex_);
    const auto it = unreachable_.find(peer);
    return it == unreachable_.end() ? 0 : it->second;
  }
  bool WaitForMessages(size_t count) const {
    return WaitUntil([&] { return message_count() >= count; });
  }
  bool WaitForUnreachable(NodeId peer) const {
    return WaitUntil([&] { return unreachable_count(peer) > 0; });
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Message> messages_;
  std::map<NodeId, int> unreachable_;
};

}  // namespace hamster::raft::testing

#endif  // HAMSTER_RAFT_GRPC_TESTS_RECORDING_SINK_H_
