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
  std::lock_guard lock(mu_);
  woken_ = true;
  changed_.notify_all();
}

void BackgroundLoop::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    changed_.notify_all();
  }
  if (thread_->thread.joinable()) thread_->thread.join();
}

void BackgroundLoop::Run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      changed_.wait_for(lock, absl::ToChronoNanoseconds(interval_),
                        [this] { return woken_ || stopping_; });
      if (stopping_) return;
      woken_ = false;
    }
    task_();
  }
}

}  // namespace hamster::env
