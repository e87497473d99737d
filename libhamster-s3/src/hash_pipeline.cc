#include "src/hash_pipeline.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace hamster::s3 {

HashPipeline::HashPipeline(std::vector<Hasher*> hashers) : hashers_(std::move(hashers)) {}

HashPipeline::~HashPipeline() { StopWorker(); }

void HashPipeline::HashInline(std::span<const uint8_t> bytes) {
  for (Hasher* hasher : hashers_) hasher->Update(bytes);
}

void HashPipeline::Update(std::span<const uint8_t> bytes) {
  if (!async_) {
    if (inline_bytes_ < kInlineBytes || went_async_) {
      HashInline(bytes);
      inline_bytes_ += bytes.size();
      return;
    }
    Start();
  }
  while (!bytes.empty()) {
    if (filling_.bytes.empty()) {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return !spare_.empty() || blocks_out_ < kBlockCount; });
      if (!spare_.empty()) {
        filling_ = std::move(spare_.back());
        spare_.pop_back();
      } else {
        filling_.bytes.resize(kBlockBytes);
      }
      ++blocks_out_;
      filling_.size = 0;
    }
    const size_t take = std::min(bytes.size(), filling_.bytes.size() - filling_.size);
    std::memcpy(filling_.bytes.data() + filling_.size, bytes.data(), take);
    filling_.size += take;
    bytes = bytes.subspan(take);
    if (filling_.size == filling_.bytes.size()) Submit();
  }
}

void HashPipeline::Start() {
  async_ = true;
  went_async_ = true;
  worker_ = std::thread([this] { WorkerLoop(); });
}

void HashPipeline::Submit() {
  std::lock_guard lock(mutex_);
  queued_.push_back(std::move(filling_));
  filling_ = Block{};
  changed_.notify_all();
}

void HashPipeline::WorkerLoop() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [&] { return !queued_.empty() || stopping_; });
    if (queued_.empty()) return;
    Block block = std::move(queued_.front());
    queued_.pop_front();
    worker_busy_ = true;
    lock.unlock();
    HashInline(std::span<const uint8_t>(block.bytes.data(), block.size));
    lock.lock();
    worker_busy_ = false;
    spare_.push_back(std::move(block));
    --blocks_out_;
    changed_.notify_all();
  }
}

void HashPipeline::Drain() {
  if (!async_) return;
  if (filling_.size > 0) {
    Submit();
  } else if (!filling_.bytes.empty()) {
    std::lock_guard lock(mutex_);
    spare_.push_back(std::move(filling_));
    filling_ = Block{};
    --blocks_out_;
  }
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queued_.empty() && !worker_busy_; });
  }
  StopWorker();
  async_ = false;
}

void HashPipeline::StopWorker() {
  if (!worker_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    changed_.notify_all();
  }
  worker_.join();
}

}  // namespace hamster::s3
