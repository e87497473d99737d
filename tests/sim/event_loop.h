// Virtual time: events run one at a time in (time, scheduling order), so a run is a pure
// function of its seed. Nothing here reads a real clock.

#ifndef HAMSTER_TESTS_SIM_EVENT_LOOP_H_
#define HAMSTER_TESTS_SIM_EVENT_LOOP_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "interfaces.h"

namespace hamster::sim {

class EventLoop final : public Clock {
 public:
  Time Now() const override { return now_; }
  void After(Duration delay, std::function<void()> callback) override;
  void At(Time time, std::function<void()> callback);

  // Runs the next event; false when none is left.
  bool RunOne();
  // Runs events until virtual time passes `deadline` or `stop()` returns true after an event.
  void RunUntil(Time deadline, const std::function<bool()>& stop = {});
  uint64_t events_run() const { return events_run_; }
  size_t pending() const { return queue_.size(); }

 private:
  struct Event {
    Time time;
    uint64_t sequence;
    std::function<void()> callback;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.time != b.time ? a.time > b.time : a.sequence > b.sequence;
    }
  };
  Time now_ = 0;
  uint64_t next_sequence_ = 0;
  uint64_t events_run_ = 0;
  std::vector<Event> queue_;  // a min-heap under Later
};

}  // namespace hamster::sim

#endif  // HAMSTER_TESTS_SIM_EVENT_LOOP_H_
