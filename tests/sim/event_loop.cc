#include "event_loop.h"

#include <algorithm>
#include <cassert>

namespace hamster::sim {

void EventLoop::After(Duration delay, std::function<void()> callback) {
  At(now_ + (delay < 0 ? 0 : delay), std::move(callback));
}

void EventLoop::At(Time time, std::function<void()> callback) {
  assert(time >= now_);
  queue_.push_back(
      Event{.time = time, .sequence = next_sequence_++, .callback = std::move(callback)});
  std::push_heap(queue_.begin(), queue_.end(), Later());
}

bool EventLoop::RunOne() {
  if (queue_.empty()) return false;
  std::pop_heap(queue_.begin(), queue_.end(), Later());
  Event event = std::move(queue_.back());
  queue_.pop_back();
  now_ = event.time;
  ++events_run_;
  event.callback();
  return true;
}

void EventLoop::RunUntil(Time deadline, const std::function<bool()>& stop) {
  while (!queue_.empty() && queue_.front().time <= deadline) {
    RunOne();
    if (stop && stop()) return;
  }
  if (now_ < deadline) now_ = deadline;
}

}  // namespace hamster::sim
