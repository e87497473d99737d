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
  absl::MutexLock lock(&mu_);
  return applied_index_;
}

uint64_t Committer::batch_count() const {
  absl::MutexLock lock(&mu_);
  return batch_count_;
}

absl::StatusOr<ApplyResult> Committer::Commit(const meta::Command& command) {
  Request request;
  request.command = &command;
  absl::MutexLock lock(&mu_);
  queue_.push_back(&request);
  while (!request.done) {
    if (!leading_) {
      LeadBatch();
      continue;
    }
    // A batch is being written: ours goes into the next one, which this
    // thread or another waiter leads once the current write is done.
    auto wake = [this, &request]()
                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return request.done || !leading_; };
    mu_.Await(absl::Condition(&wake));
  }
  return std::move(request.result);
}

void Committer::LeadBatch() {
  leading_ = true;
  std::deque<Request*> batch;
  while (!queue_.empty() && batch.size() < kMaxBatchCommands) {
    batch.push_back(queue_.front());
    queue_.pop_front();
  }
  LogIndex applied_index = applied_index_;
  mu_.Unlock();
  const absl::Status written = ApplyAndWrite(batch, applied_index);
  bool garbage = false;
  for (Request* request : batch) {
    if (!written.ok()) request->result = written;
    if (request->result.ok() && !request->result->garbage.empty()) garbage = true;
  }
  mu_.Lock();
  if (written.ok()) {
    applied_index_ = applied_index;
    ++batch_count_;
  }
  for (Request* request : batch) request->done = true;
  leading_ = false;
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
