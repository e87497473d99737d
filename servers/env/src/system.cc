#include "hamster/env/system.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

namespace hamster::env {

absl::Time SystemClock::Now() { return absl::Now(); }

void SystemRandom::Fill(std::span<uint8_t> out) {
  while (!out.empty()) {
    const ssize_t n = ::getrandom(out.data(), out.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      // Without randomness ids could collide and overwrite data; stopping is safer.
      std::abort();
    }
    out = out.subspan(size_t(n));
  }
}

struct BackgroundLoop::Thread {
  std::thread thread;
};

BackgroundLoop::BackgroundLoop(absl::Duration interval, std::function<void()> task)
    : interval_(interval), task_(std::move(task)), thread_(std::make_unique<Thread>()) {
  thread_->thread = std::thread([this] { Run(); });
}

BackgroundLoop::~BackgroundLoop() { Stop(); }

void BackgroundLoop::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

void BackgroundLoop::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_->thread.joinable()) thread_->thread.join();
}

void BackgroundLoop::Run() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return woken_ || stopping_; };
      mu_.AwaitWithTimeout(absl::Condition(&ready), interval_);
      if (stopping_) return;
      woken_ = false;
    }
    task_();
  }
}

}  // namespace hamster::env
