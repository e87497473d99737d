#include "src/read_ahead.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

namespace hamster::node {
namespace {

struct Buffer {
  std::unique_ptr<uint8_t[]> bytes;
  size_t size = 0;  // filled
};

class ReadAheadReader : public s3::BodyReader {
 public:
  ReadAheadReader(std::unique_ptr<s3::BodyReader> inner, size_t buffer_bytes,
                  size_t ready_buffers)
      : inner_(std::move(inner)),
        buffer_bytes_(std::max<size_t>(buffer_bytes, 1)),
        max_ready_(std::max<size_t>(ready_buffers, 1)) {
    producer_ = std::thread([this] { Produce(); });
  }

  ~ReadAheadReader() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    changed_.notify_all();
    producer_.join();
  }

  absl::StatusOr<size_t> Read(std::span<uint8_t> buffer) override {
    if (buffer.empty()) return 0;
    if (offset_ == current_.size) {
      std::unique_lock lock(mu_);
      if (current_.bytes != nullptr) free_.push_back(std::move(current_));
      current_ = Buffer();
      offset_ = 0;
      changed_.wait(lock, [&] { return !ready_.empty() || finished_; });
      if (ready_.empty()) return status_.ok() ? absl::StatusOr<size_t>(0) : status_;
      current_ = std::move(ready_.front());
      ready_.pop_front();
      changed_.notify_all();  // a slot for the producer
    }
    const size_t n = std::min(buffer.size(), current_.size - offset_);
    std::memcpy(buffer.data(), current_.bytes.get() + offset_, n);
    offset_ += n;
    return n;
  }

 private:
  void Produce() {
    while (true) {
      Buffer buffer = TakeFree();
      absl::Status status;
      bool end = false;
      while (buffer.size < buffer_bytes_) {
        absl::StatusOr<size_t> n =
            inner_->Read(std::span<uint8_t>(buffer.bytes.get() + buffer.size,
                                            buffer_bytes_ - buffer.size));
        if (!n.ok()) status = n.status();
        if (!n.ok() || *n == 0) {
          end = true;
          break;
        }
        buffer.size += *n;
      }
      std::unique_lock lock(mu_);
      changed_.wait(lock, [&] { return stopping_ || ready_.size() < max_ready_; });
      if (stopping_) return;
      if (buffer.size > 0) ready_.push_back(std::move(buffer));
      if (end) {
        finished_ = true;
        status_ = status;
      }
      changed_.notify_all();
      if (end) return;
    }
  }

  Buffer TakeFree() {
    std::lock_guard lock(mu_);
    if (free_.empty()) return Buffer{.bytes = std::make_unique<uint8_t[]>(buffer_bytes_)};
    Buffer buffer = std::move(free_.back());
    free_.pop_back();
    buffer.size = 0;
    return buffer;
  }

  const std::unique_ptr<s3::BodyReader> inner_;  // used by the producer only
  const size_t buffer_bytes_;
  const size_t max_ready_;

  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<Buffer> ready_;    // guarded by mu_
  std::vector<Buffer> free_;    // guarded by mu_
  bool finished_ = false;       // guarded by mu_: no more buffers will come
  absl::Status status_;         // guarded by mu_: why, when not OK
  bool stopping_ = false;       // guarded by mu_

  Buffer current_;  // the caller's, served from offset_
  size_t offset_ = 0;

  std::thread producer_;  // last: starts once everything above exists
};

}  // namespace

std::unique_ptr<s3::BodyReader> NewReadAheadReader(std::unique_ptr<s3::BodyReader> inner,
                                                   size_t buffer_bytes, size_t ready_buffers) {
  return std::make_unique<ReadAheadReader>(std::move(inner), buffer_bytes, ready_buffers);
}

}  // namespace hamster::node
