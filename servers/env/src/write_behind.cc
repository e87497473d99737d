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
    std::lock_guard lock(mu_);
    abandoned_ = true;
    closing_ = true;
    changed_.notify_all();
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
    std::lock_guard lock(mu_);
    if (!spare_.empty()) {
      filling_ = std::move(spare_.back());
      spare_.pop_back();
      filling_.clear();
    }
    if (filling_.capacity() < chunk_size_bytes_) filling_.reserve(chunk_size_bytes_);
  }
  std::lock_guard lock(mu_);
  return status_;
}

absl::Status WriteBehind::Enqueue(std::vector<uint8_t> chunk) {
  std::unique_lock lock(mu_);
  // The bound: wait until the writer has taken enough, or has failed.
  changed_.wait(lock, [this] { return queue_.size() < max_queued_chunks_ || !status_.ok(); });
  if (!status_.ok()) return status_;
  queue_.push_back(std::move(chunk));
  changed_.notify_all();
  return absl::OkStatus();
}

absl::Status WriteBehind::Finish() {
  absl::Status queued;
  if (!filling_.empty()) {
    queued = Enqueue(std::move(filling_));
    filling_.clear();
  }
  {
    std::lock_guard lock(mu_);
    // After a failure, stop the writer without writing the rest.
    if (!queued.ok()) abandoned_ = true;
    closing_ = true;
    changed_.notify_all();
  }
  thread_.join();
  if (!queued.ok()) return queued;
  std::lock_guard lock(mu_);
  return status_;
}

void WriteBehind::Run() {
  for (;;) {
    std::vector<uint8_t> chunk;
    {
      std::unique_lock lock(mu_);
      changed_.wait(lock, [this] { return !queue_.empty() || closing_; });
      if (abandoned_ || (queue_.empty() && closing_) || !status_.ok()) return;
      chunk = std::move(queue_.front());
      queue_.pop_front();
      changed_.notify_all();  // room for the producer
    }
    absl::Status written = destination_->Append(chunk);
    std::lock_guard lock(mu_);
    if (!written.ok()) {
      status_ = written;
      changed_.notify_all();
      return;
    }
    spare_.push_back(std::move(chunk));
  }
}

}  // namespace hamster::env
