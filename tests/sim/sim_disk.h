// A simulated disk over virtual time. Each Write is an atomic record applied at once to the
// live state (what the process reads) and queued; Sync() makes the queued records durable
// after a random latency (syncs complete in order). Crash() models power loss: the durable
// state keeps everything synced plus a random prefix of the rest (a write-ahead log loses a
// tail, never a middle), and becomes the new live state.

#ifndef HAMSTER_TESTS_SIM_SIM_DISK_H_
#define HAMSTER_TESTS_SIM_SIM_DISK_H_

#include <algorithm>
#include <deque>
#include <functional>
#include <string>

#include "event_loop.h"
#include "interfaces.h"
#include "random.h"

namespace hamster::sim {

struct DiskOptions {
  Duration min_sync = 100;  // microseconds
  Duration max_sync = 2 * kMillisecond;
  double slow_sync = 0;  // probability of a sync taking up to slow_sync_max
  Duration slow_sync_max = 20 * kMillisecond;
  // On a crash, the unsynced writes are all lost with this probability; otherwise a uniformly
  // random prefix of them survives.
  double lose_all_unsynced = 0.5;
};

template <typename State, typename Record>
class SimDisk final : public Disk<Record> {
 public:
  // Applies a record to a state; returns an error message, empty on success.
  using ApplyFn = std::function<std::string(State&, const Record&)>;

  SimDisk(EventLoop& loop, Random random, DiskOptions options, State initial, ApplyFn apply)
      : loop_(loop),
        random_(random),
        options_(options),
        live_(initial),
        durable_(std::move(initial)),
        apply_(std::move(apply)) {}

  State& live() { return live_; }
  const State& durable() const { return durable_; }
  // The first error a write hit on the live state (a caller's bug), empty if none.
  const std::string& error() const { return error_; }

  void Write(Record record) override {
    std::string error = apply_(live_, record);
    if (!error.empty() && error_.empty()) error_ = error;
    pending_.push_back(std::move(record));
    ++written_;
  }

  void Sync(std::function<void()> done) override {
    const uint64_t target = written_;
    const uint64_t generation = generation_;
    Duration latency = random_.Chance(options_.slow_sync)
                           ? random_.Range(options_.max_sync, options_.slow_sync_max)
                           : random_.Range(options_.min_sync, options_.max_sync);
    const Time at = std::max(loop_.Now() + latency, last_sync_at_);
    last_sync_at_ = at;
    ++syncs_;
    loop_.At(at, [this, target, generation, done = std::move(done)] {
      if (generation != generation_) return;  // the process crashed meanwhile
      while (durable_count_ < target) {
        std::string error = apply_(durable_, pending_.front());
        if (!error.empty() && error_.empty()) error_ = "durable replay: " + error;
        pending_.pop_front();
        ++durable_count_;
      }
      done();
    });
  }

  // Power loss. Pending Sync callbacks never run.
  void Crash() {
    ++generation_;
    size_t keep = 0;
    if (!pending_.empty() && !random_.Chance(options_.lose_all_unsynced)) {
      keep = random_.Below(pending_.size() + 1);
    }
    for (size_t i = 0; i < keep; ++i) {
      std::string error = apply_(durable_, pending_[i]);
      if (!error.empty() && error_.empty()) error_ = "crash replay: " + error;
    }
    lost_on_crash_ += pending_.size() - keep;
    durable_count_ = written_;  // every pending record is now either durable or gone
    pending_.clear();
    live_ = durable_;
  }

  uint64_t syncs() const { return syncs_; }
  uint64_t lost_on_crash() const { return lost_on_crash_; }
  size_t unsynced() const { return pending_.size(); }

 private:
  EventLoop& loop_;
  Random random_;
  DiskOptions options_;
  State live_;
  State durable_;
  ApplyFn apply_;
  std::deque<Record> pending_;
  uint64_t written_ = 0;
  uint64_t durable_count_ = 0;
  uint64_t generation_ = 0;
  Time last_sync_at_ = 0;
  uint64_t syncs_ = 0;
  uint64_t lost_on_crash_ = 0;
  std::string error_;
};

}  // namespace hamster::sim

#endif  // HAMSTER_TESTS_SIM_SIM_DISK_H_
