#include "commit_notices.h"

#include <utility>

namespace hamster::raft {

void CommitNotices::Hold(std::vector<Message>& messages, Clock::time_point now) {
  if (delay_.count() <= 0) return;
  std::erase_if(messages, [&](Message& message) {
    if (message.type != MessageType::kAppend) return false;
    if (message.entries.empty()) {
      if (held_.empty()) due_ = now + delay_;
      held_[message.to] = std::move(message);
      return true;
    }
    auto held = held_.find(message.to);
    if (held != held_.end() && held->second.commit <= message.commit) held_.erase(held);
    return false;
  });
}

std::vector<Message> CommitNotices::TakeDue(Clock::time_point now) {
  std::vector<Message> due;
  if (held_.empty() || now < due_) return due;
  for (auto& [follower, message] : held_) due.push_back(std::move(message));
  held_.clear();
  return due;
}

}  // namespace hamster::raft
