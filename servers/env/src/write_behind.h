// WriteBehind moves the writing of a large file off the thread producing its
// bytes: Append() copies into a chunk and queues it, and a thread of its own
// appends the chunks to the destination in order. The producer (which for a
// PUT also computes the payload's MD5) and the kernel's page-cache copies then
// run on different cores. At most `max_queued_chunks` full chunks wait, so
// memory stays bounded whatever the file size; Append() blocks at the bound.
//
// Thread safety: Append() and Finish() are called by one thread.
#ifndef HAMSTER_ENV_SRC_WRITE_BEHIND_H_
#define HAMSTER_ENV_SRC_WRITE_BEHIND_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "hamster/ec/io.h"

namespace hamster::env {

class WriteBehind {
 public:
  // `destination` outlives this and is used only by its thread until Finish().
  WriteBehind(ec::ByteSink* destination, size_t chunk_size_bytes, size_t max_queued_chunks);
  // Without Finish(), abandons what is queued and stops the thread.
  ~WriteBehind();
  WriteBehind(const WriteBehind&) = delete;
  WriteBehind& operator=(const WriteBehind&) = delete;

  // Queues a copy of `bytes`. Returns the first error the destination
  // reported so far (the write may fail later: Finish() reports that).
  absl::Status Append(std::span<const uint8_t> bytes);
  // Writes out everything queued and stops the thread; returns the first
  // error of any write. Call once; no Append() after.
  absl::Status Finish();

 private:
  void Run();
  absl::Status Enqueue(std::vector<uint8_t> chunk);

  ec::ByteSink* destination_;
  const size_t chunk_size_bytes_;
  const size_t max_queued_chunks_;
  std::vector<uint8_t> filling_;  // producer's chunk being filled

  // std::mutex, not absl::Mutex: Debian's Abseil lacks TSan annotations.
  std::mutex mu_;
  std::condition_variable changed_;  // notified on every change below
  // Guarded by mu_.
  std::deque<std::vector<uint8_t>> queue_;
  std::vector<std::vector<uint8_t>> spare_;  // written chunks, for reuse
  bool closing_ = false;                     // no more chunks will come
  bool abandoned_ = false;
  absl::Status status_;
  std::thread thread_;
};

}  // namespace hamster::env

#endif  // HAMSTER_ENV_SRC_WRITE_BEHIND_H_
