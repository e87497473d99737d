#include "src/write_behind.h"

#include <algorithm>

namespace hamster::env {

WriteBehind::WriteBehind(ec::ByteSink* destination, size_t chunk_size_bytes,
                         size_t max_queued_chunks)
    : destination_(destination),
      chunk_size_bytes_(chunk_size_bytes),
      max_queued_chunks_(max_queued_chunks),
      thread_([this] { Run(); }) {
  filling_.reserve(chunk_size_bytes_);
}

WriteBehind::~WriteBehind() {
  if (!thread_.joinable()) return;
  {
    absl::MutexLock lock(&mu_);
    abandoned_ = true;
    closing_ = true;
  }
  thread_.join();
}

absl::Status WriteBehind::Append(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    const size_t n = std::min(bytes.size(), chunk_size_bytes_ - filling_.size());
    filling_.insert(filling_.end(), bytes.begin(), bytes.begin() + ptrdiff_t(n));
    bytes = bytes.subspan(n);
    if (filling_.size() < chunk_size_bytes_) break;
    if (absl::Status s = Enqueue(std::move(filling_)); !s.ok()) return s;
    filling_.clear();
    absl::MutexLock lock(&mu_);
    if (!spare_.empty()) {
      filling_ = std::move(spare_.back());
      spare_.pop_back();
      filling_.clear();
    }
    if (filling_.capacity() < chunk_size_bytes_) filling_.reserve(chunk_size_bytes_);
  }
  absl::MutexLock lock(&mu_);
  return status_;
}

absl::Status WriteBehind::Enqueue(std::vector<uint8_t> chunk) {
  absl::MutexLock lock(&mu_);
  // The bound: wait until the writer has taken enough, or has failed.
  auto has_room = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queue_.size() < max_queued_chunks_ || !status_.ok();
  };
  mu_.Await(absl::Condition(&has_room));
  if (!status_.ok()) return status_;
  queue_.push_back(std::move(chunk));
  return absl::OkStatus();
}

absl::Status WriteBehind::Finish() {
  if (!filling_.empty()) {
    absl::Status queued = Enqueue(std::move(filling_));
    filling_.clear();
    if (!queued.ok()) {
      // Stop the writer without writing the rest; the destructor has nothing left to do.
      {
        absl::MutexLock lock(&mu_);
        abandoned_ = true;
        closing_ = true;
      }
      thread_.join();
      return queued;
    }
  }
  {
    absl::MutexLock lock(&mu_);
    closing_ = true;
  }
  thread_.join();
  absl::MutexLock lock(&mu_);
  return status_;
}

void WriteBehind::Run() {
  for (;;) {
    std::vector<uint8_t> chunk;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !queue_.empty() || closing_; };
      mu_.Await(absl::Condition(&ready));
      if (abandoned_ || (queue_.empty() && closing_) || !status_.ok()) return;
      chunk = std::move(queue_.front());
      queue_.pop_front();
    }
    absl::Status written = destination_->Append(chunk);
    absl::MutexLock lock(&mu_);
    if (!written.ok()) {
      status_ = written;
      return;
    }
    spare_.push_back(std::move(chunk));
  }
}

}  // namespace hamster::env
