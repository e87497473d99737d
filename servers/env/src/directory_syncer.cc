#include "hamster/env/directory_syncer.h"

#include "hamster/env/file_io.h"

namespace hamster::env {

absl::Status DirectorySyncer::Sync(const std::string& directory) {
  std::unique_lock lock(mu_);
  std::unique_ptr<Directory>& slot = directories_[directory];
  if (slot == nullptr) slot = std::make_unique<Directory>();
  Directory& state = *slot;  // entries are never erased, so the reference stays valid
  const uint64_t ticket = ++state.requested;
  while (state.completed < ticket) {
    if (state.running) {
      // The fsync under way may have started before our rename: wait for it,
      // then for one that started after.
      synced_.wait(lock);
      continue;
    }
    // Lead: one fsync covers every request made so far.
    state.running = true;
    const uint64_t covered = state.requested;
    ++fsync_count_;
    lock.unlock();
    absl::Status status = FsyncDirectory(directory);
    lock.lock();
    state.running = false;
    state.completed = covered;
    state.last_status = status;
    synced_.notify_all();
  }
  return state.last_status;
}

uint64_t DirectorySyncer::fsync_count() const {
  std::lock_guard lock(mu_);
  return fsync_count_;
}

}  // namespace hamster::env
