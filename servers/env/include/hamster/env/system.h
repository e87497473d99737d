// The real machine's clock, randomness and background threads, for a node
// built by hamsterd (tests and the simulator pass their own).
#ifndef HAMSTER_ENV_SYSTEM_H_
#define HAMSTER_ENV_SYSTEM_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "absl/time/time.h"
#include "hamster/node/env.h"

namespace hamster::env {

// absl::Now(). Thread safe.
class SystemClock : public node::Clock {
 public:
  absl::Time Now() override;
};

// getrandom(2): unpredictable bytes from the kernel. Thread safe.
class SystemRandom : public node::Random {
 public:
  void Fill(std::span<uint8_t> out) override;
};

// Runs `task` on its own thread every `interval`, and soon after Wake().
// Stop() (or the destructor) waits for a running task to finish and ends the
// thread; the task is never started after Stop() began.
// Thread safety: Wake() may be called from any thread; Stop() by the owner.
class BackgroundLoop {
 public:
  BackgroundLoop(absl::Duration interval, std::function<void()> task);
  ~BackgroundLoop();
  BackgroundLoop(const BackgroundLoop&) = delete;
  BackgroundLoop& operator=(const BackgroundLoop&) = delete;

  void Wake();
  void Stop();

 private:
  struct Thread;
  void Run();

  absl::Duration interval_;
  std::function<void()> task_;
  std::mutex mu_;
  std::condition_variable changed_;
  bool woken_ = false;     // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::unique_ptr<Thread> thread_;
};

}  // namespace hamster::env

#endif  // HAMSTER_ENV_SYSTEM_H_
