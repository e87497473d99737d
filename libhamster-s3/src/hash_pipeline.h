// HashPipeline runs a payload's digests (MD5 for the ETag, SHA-256 for a
// signed payload, x-amz-checksum-* claims) beside the thread that receives and
// stores the bytes. On one core MD5 runs at about 600 MB/s, slower than the
// socket and the disk together, so a large PUT hashed in line is bound by it;
// on a worker thread it overlaps with the receive and the write.
//
// Small payloads are hashed in line: below kInlineBytes no thread starts, so a
// 4 KiB PUT pays nothing. Past it, bytes are copied into a few fixed blocks
// (bounded memory, invariant 6) that a worker hashes in order; Update() waits
// only when every block is still queued. The switch happens at the first
// Update() after kInlineBytes were hashed in line.
//
// Thread safety: Update() and Drain() from one thread (the request's).
#ifndef HAMSTER_S3_SRC_HASH_PIPELINE_H_
#define HAMSTER_S3_SRC_HASH_PIPELINE_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "src/checksums.h"

namespace hamster::s3 {

class HashPipeline {
 public:
  static constexpr size_t kInlineBytes = size_t{1} << 20;
  static constexpr size_t kBlockBytes = size_t{1} << 20;
  static constexpr size_t kBlockCount = 4;

  // `hashers` are borrowed and must outlive the pipeline.
  explicit HashPipeline(std::vector<Hasher*> hashers);
  ~HashPipeline();
  HashPipeline(const HashPipeline&) = delete;
  HashPipeline& operator=(const HashPipeline&) = delete;

  void Update(std::span<const uint8_t> bytes);
  // Returns once every byte given to Update() is hashed; the hashers may then
  // be finished. Update() after Drain() hashes in line.
  void Drain();

  // Whether the worker thread ever started (for tests).
  bool went_async() const { return went_async_; }

 private:
  struct Block {
    std::vector<uint8_t> bytes;
    size_t size = 0;
  };

  void HashInline(std::span<const uint8_t> bytes);
  void Start();
  void Submit();
  void WorkerLoop();
  void StopWorker();

  std::vector<Hasher*> hashers_;
  uint64_t inline_bytes_ = 0;
  bool went_async_ = false;
  bool async_ = false;
  Block filling_;  // producer-owned

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Block> queued_;  // guarded by mutex_
  std::vector<Block> spare_;  // guarded by mutex_
  size_t blocks_out_ = 0;     // blocks the producer or the worker holds; guarded by mutex_
  bool worker_busy_ = false;  // guarded by mutex_
  bool stopping_ = false;     // guarded by mutex_
  std::thread worker_;
};

}  // namespace hamster::s3

#endif  // HAMSTER_S3_SRC_HASH_PIPELINE_H_
