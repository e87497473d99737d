// DirectorySyncer makes renames into a directory durable with as few fsyncs
// as it can: concurrent callers syncing the same directory share one fsync
// (group commit). A caller's Sync() returns only after an fsync of the
// directory that started after Sync() was called, so every rename the caller
// finished before calling is covered.
//
// Thread safety: Sync() may be called concurrently. (std::mutex, not
// absl::Mutex: Debian's Abseil lacks ThreadSanitizer annotations.)
#ifndef HAMSTER_ENV_DIRECTORY_SYNCER_H_
#define HAMSTER_ENV_DIRECTORY_SYNCER_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"

namespace hamster::env {

class DirectorySyncer {
 public:
  // Returns the fsync's error if the covering fsync failed.
  absl::Status Sync(const std::string& directory);

  // Number of fsync(2) calls made, for tests and benchmarks.
  uint64_t fsync_count() const;

 private:
  struct Directory {
    uint64_t requested = 0;  // Sync() calls so far
    uint64_t completed = 0;  // every request numbered <= this is covered
    bool running = false;
    absl::Status last_status;  // of the fsync that set `completed`
  };
  mutable std::mutex mu_;
  std::condition_variable synced_;  // notified whenever an fsync finishes
  // Guarded by mu_.
  absl::flat_hash_map<std::string, std::unique_ptr<Directory>> directories_;
  uint64_t fsync_count_ = 0;
};

}  // namespace hamster::env

#endif  // HAMSTER_ENV_DIRECTORY_SYNCER_H_
