// CommitNotices: the Node's hold on Appends that carry no entries (NodeOptions::
// commit_notice_delay). Such an Append only tells a follower the new commit index, and under
// a stream of proposals the next Append to that follower carries it anyway; holding it saves
// a message and, when the follower's answer is still due, the follower's reply too.
//
// Dropping a held Append is safe (any message may be lost) and keeps liveness: it is dropped
// only for a later Append to the same follower carrying at least its commit index, which the
// follower answers if it was answerable; otherwise it goes out when the delay ends.

#ifndef HAMSTER_RAFT_NODE_SRC_COMMIT_NOTICES_H_
#define HAMSTER_RAFT_NODE_SRC_COMMIT_NOTICES_H_

#include <chrono>
#include <map>
#include <vector>

#include "hamster/raft/types.h"

namespace hamster::raft {

class CommitNotices {
 public:
  using Clock = std::chrono::steady_clock;

  // `delay` zero holds nothing.
  explicit CommitNotices(std::chrono::microseconds delay) : delay_(delay) {}

  // Removes from `messages` the entry-less Appends, holding the newest per follower until
  // `now + delay`, and releases held ones that an Append left in `messages` supersedes.
  void Hold(std::vector<Message>& messages, Clock::time_point now);
  // The held Appends if their time has come (all of them, as they share one deadline).
  std::vector<Message> TakeDue(Clock::time_point now);
  bool empty() const { return held_.empty(); }
  // REQUIRES: !empty().
  Clock::time_point due() const { return due_; }

 private:
  const std::chrono::microseconds delay_;
  std::map<NodeId, Message> held_;  // by follower
  Clock::time_point due_;
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_NODE_SRC_COMMIT_NOTICES_H_
