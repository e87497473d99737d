#include "group_sync.h"

namespace hamster::raft {

uint64_t GroupSync::Written() {
  std::lock_guard<std::mutex> lock(mu_);
  return ++written_;
}

absl::Status GroupSync::SyncThrough(uint64_t ticket) {
  std::unique_lock<std::mutex> lock(mu_);
  ++sync_request_count_;
  while (failure_.ok() && synced_ < ticket) {
    if (syncing_) {
      ++waiting_;
      synced_cv_.wait(lock);
      --waiting_;
      continue;
    }
    syncing_ = true;
    const uint64_t target = written_;
    ++sync_count_;
    lock.unlock();
    absl::Status synced = sync_();
    lock.lock();
    syncing_ = false;
    if (synced.ok()) {
      synced_ = target;
    } else {
      failure_ = synced;
    }
    synced_cv_.notify_all();
  }
  return failure_;
}

uint64_t GroupSync::sync_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sync_count_;
}

uint64_t GroupSync::sync_request_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sync_request_count_;
}

int GroupSync::waiting_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_;
}

}  // namespace hamster::raft
