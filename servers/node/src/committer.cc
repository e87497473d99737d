#include "src/committer.h"

#include "src/pending_state.h"

namespace hamster::node {

struct Committer::Request {
  const meta::Command* command = nullptr;
  absl::StatusOr<ApplyResult> result;
  bool done = false;
};

absl::StatusOr<std::unique_ptr<Committer>> Committer::Create(MetaStore* store,
                                                             std::function<void()> on_garbage) {
  PendingState state(store);
  absl::StatusOr<LogIndex> applied = StateMachine::LoadAppliedIndex(state);
  if (!applied.ok()) return applied.status();
  return std::unique_ptr<Committer>(new Committer(store, std::move(on_garbage), *applied));
}

Committer::Committer(MetaStore* store, std::function<void()> on_garbage, LogIndex applied_index)
    : store_(store), on_garbage_(std::move(on_garbage)), applied_index_(applied_index) {}

LogIndex Committer::applied_index() const {
  std::lock_guard lock(mu_);
  return applied_index_;
}

uint64_t Committer::batch_count() const {
  std::lock_guard lock(mu_);
  return batch_count_;
}

size_t Committer::queued_commands() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

absl::StatusOr<ApplyResult> Committer::Commit(const meta::Command& command) {
  Request request;
  request.command = &command;
  std::unique_lock lock(mu_);
  queue_.push_back(&request);
  while (!request.done) {
    if (!leading_) {
      LeadBatch(lock);
      continue;
    }
    // A batch is being written: ours goes into the next one, which this
    // thread or another waiter leads once the current write is done.
    batch_done_.wait(lock);
  }
  return std::move(request.result);
}

void Committer::LeadBatch(std::unique_lock<std::mutex>& lock) {
  leading_ = true;
  std::deque<Request*> batch;
  while (!queue_.empty() && batch.size() < kMaxBatchCommands) {
    batch.push_back(queue_.front());
    queue_.pop_front();
  }
  LogIndex applied_index = applied_index_;
  lock.unlock();
  const absl::Status written = ApplyAndWrite(batch, applied_index);
  bool garbage = false;
  for (Request* request : batch) {
    if (!written.ok()) request->result = written;
    if (request->result.ok() && !request->result->garbage.empty()) garbage = true;
  }
  lock.lock();
  if (written.ok()) {
    applied_index_ = applied_index;
    ++batch_count_;
  }
  for (Request* request : batch) request->done = true;
  leading_ = false;
  batch_done_.notify_all();
  if (garbage && on_garbage_) on_garbage_();
}

absl::Status Committer::ApplyAndWrite(const std::deque<Request*>& batch, LogIndex& applied_index) {
  PendingState state(store_);
  for (Request* request : batch) {
    request->result =
        StateMachine::Apply(*request->command, applied_index + 1, applied_index, state);
    if (!request->result.ok()) return request->result.status();
  }
  return store_->Write(state.TakeBatch(), /*sync=*/true);
}

}  // namespace hamster::node
