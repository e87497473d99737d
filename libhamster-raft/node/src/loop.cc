// The raft thread's life: start, the loop of ticks, messages and requests, and stop.

#include "loop.h"

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hamster::raft {
namespace {

constexpr char kLeaderHintUrl[] = "type.hamster/raft.leader_hint";

template <typename T>
std::future<T> Resolved(T value) {
  std::promise<T> promise;
  promise.set_value(std::move(value));
  return promise.get_future();
}

}  // namespace

std::optional<NodeId> LeaderHint(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kLeaderHintUrl);
  if (!payload) return std::nullopt;
  NodeId leader = kNoNode;
  if (!absl::SimpleAtoi(std::string(*payload), &leader) || leader == kNoNode) return std::nullopt;
  return leader;
}

Node::Loop::Loop(NodeOptions options) : options_(std::move(options)) {}

Node::Loop::~Loop() { Stop(); }

absl::Status Node::Loop::Start(MessageSink* sink) {
  for (const auto& [peer, address] : options_.peers) {
    if (peer != options_.raft.id) addresses_[peer] = address;
  }
  absl::Status restored = Restore();
  if (!restored.ok()) return restored;
  Config config = options_.raft;
  config.storage = options_.storage;
  config.applied = applied_;
  absl::StatusOr<std::unique_ptr<RawNode>> raw = RawNode::Create(config);
  if (!raw.ok()) return raw.status();
  raw_ = std::move(*raw);
  status_ = raw_->status();
  absl::Status started = options_.transport->Start(sink);
  if (!started.ok()) return started;
  transport_started_ = true;
  for (const auto& [peer, address] : addresses_) options_.transport->AddPeer(peer, address);
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

// The state machine from the latest snapshot, and the addresses of members the log names.
absl::Status Node::Loop::Restore() {
  DurableStorage& storage = *options_.storage;
  absl::StatusOr<Snapshot> snapshot = storage.LoadSnapshot();
  if (!snapshot.ok()) return snapshot.status();
  applied_conf_ = snapshot->metadata.conf_state;
  if (snapshot->metadata.index > 0) {
    absl::Status restored = RestoreSnapshot(*snapshot);
    if (!restored.ok()) return restored;
  }
  absl::StatusOr<LogIndex> first = storage.FirstIndex();
  if (!first.ok()) return first.status();
  absl::StatusOr<LogIndex> last = storage.LastIndex();
  if (!last.ok()) return last.status();
  for (LogIndex next = *first; next <= *last;) {
    absl::StatusOr<std::vector<Entry>> entries = storage.Entries(next, *last + 1, 1 << 20);
    if (!entries.ok()) return entries.status();
    LearnAddresses(*entries);
    next += entries->size();
  }
  return absl::OkStatus();
}

void Node::Loop::Stop() {
  std::lock_guard<std::mutex> stop_lock(stop_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  // The raft thread, the only caller of Send, has ended; now the transport may stop.
  if (transport_started_) options_.transport->Stop();
  transport_started_ = false;
}

void Node::Loop::Run() {
  auto next_tick = std::chrono::steady_clock::now() + options_.tick_interval;
  absl::Status ran;
  while (ran.ok()) ran = RunOnce(next_tick);
  // A clean stop writes the last commit index; after a failure nothing more is written.
  if (absl::IsCancelled(ran)) PersistDeferredHardState().IgnoreError();
  Close(ran);
}

absl::Status Node::Loop::RunOnce(std::chrono::steady_clock::time_point& next_tick) {
  std::deque<Task> tasks;
  std::deque<Message> messages;
  std::vector<NodeId> unreachable;
  {
    std::unique_lock<std::mutex> lock(mu_);
    const auto wake_at =
        commit_notices_.empty() ? next_tick : std::min(next_tick, commit_notices_.due());
    wake_.wait_until(lock, wake_at, [this] {
      return stopping_ || !tasks_.empty() || !messages_.empty() || !unreachable_.empty();
    });
    if (stopping_) return absl::CancelledError("raft node stopped");
    tasks.swap(tasks_);
    messages.swap(messages_);
    unreachable.swap(unreachable_);
  }
  // A malformed message is refused by the core and dropped: it cannot harm the node.
  for (Message& message : messages) raw_->Step(std::move(message)).IgnoreError();
  for (NodeId peer : unreachable) raw_->ReportUnreachable(peer);
  for (Task& task : tasks) task.run();
  const auto now = std::chrono::steady_clock::now();
  if (now >= next_tick) {
    raw_->Tick();
    ++ticks_;
    ExpireReads();
    next_tick += options_.tick_interval;
    // After a long stall (a slow fsync), tick once rather than catching up in a burst.
    if (next_tick <= now) next_tick = now + options_.tick_interval;
  }
  if (!raw_->health().ok()) return raw_->health();
  absl::Status handled = HandleReadies();
  if (!handled.ok()) return handled;
  SendHeldCommitsIfDue(std::chrono::steady_clock::now());
  NodeStatus status = raw_->status();
  std::lock_guard<std::mutex> lock(mu_);
  status_ = std::move(status);
  return absl::OkStatus();
}

void Node::Loop::Close(const absl::Status& why) {
  for (auto& [index, pending] : pending_entries_) pending.done(why);
  pending_entries_.clear();
  for (auto& [context, read] : pending_reads_) read.promise->set_value(why);
  pending_reads_.clear();
  for (auto& [index, promise] : waiting_reads_) promise->set_value(why);
  waiting_reads_.clear();
  std::deque<Task> tasks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    closed_status_ = why;
    tasks.swap(tasks_);
  }
  for (Task& task : tasks) task.cancel(why);
}

void Node::Loop::Enqueue(Task task) {
  absl::Status refused;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closed_) {
      refused = closed_status_;
    } else if (stopping_) {
      refused = absl::CancelledError("raft node stopped");
    } else if (tasks_.size() >= options_.max_queued_requests) {
      refused = absl::UnavailableError("raft node: too many queued requests");
    } else {
      tasks_.push_back(std::move(task));
    }
  }
  if (!refused.ok()) {
    task.cancel(refused);
    return;
  }
  wake_.notify_one();
}

template <typename T>
std::future<T> Node::Loop::Call(std::function<void(std::shared_ptr<std::promise<T>>)> body) {
  auto promise = std::make_shared<std::promise<T>>();
  std::future<T> future = promise->get_future();
  Enqueue(Task{.run = [promise, body = std::move(body)] { body(promise); },
               .cancel = [promise](const absl::Status& why) { promise->set_value(T(why)); }});
  return future;
}

absl::Status Node::Loop::NotLeader(const absl::Status& refused) const {
  const NodeId leader = raw_->soft_state().leader_id;
  if (refused.code() != absl::StatusCode::kUnavailable || leader == kNoNode ||
      leader == options_.raft.id) {
    return refused;
  }
  absl::Status status(refused.code(),
                      absl::StrCat(refused.message(), " (the leader is node ", leader, ")"));
  status.SetPayload(kLeaderHintUrl, absl::Cord(std::to_string(leader)));
  return status;
}

std::future<absl::StatusOr<std::string>> Node::Loop::Propose(std::string data) {
  using Result = absl::StatusOr<std::string>;
  if (data.empty()) {
    return Resolved<Result>(absl::InvalidArgumentError("empty proposals are reserved"));
  }
  return Call<Result>([this, data = std::move(data)](std::shared_ptr<std::promise<Result>> p) {
    absl::StatusOr<LogPosition> position = raw_->Propose(data);
    if (!position.ok()) return p->set_value(NotLeader(position.status()));
    Track(*position, [p](Result result) { p->set_value(std::move(result)); });
  });
}

std::future<absl::Status> Node::Loop::ReadIndex() {
  return Call<absl::Status>([this](std::shared_ptr<std::promise<absl::Status>> p) {
    std::string context = std::to_string(++next_read_id_);
    absl::Status requested = raw_->ReadIndex(context);
    if (!requested.ok()) return p->set_value(NotLeader(requested));
    pending_reads_[std::move(context)] = PendingRead{.promise = p, .requested_tick = ticks_};
  });
}

std::future<absl::Status> Node::Loop::ProposeConfChange(ConfChange change) {
  return Call<absl::Status>([this, change](std::shared_ptr<std::promise<absl::Status>> p) {
    absl::StatusOr<LogPosition> position = raw_->ProposeConfChange(change);
    if (!position.ok()) return p->set_value(NotLeader(position.status()));
    Track(*position, [p](absl::StatusOr<std::string> result) { p->set_value(result.status()); });
  });
}

std::future<absl::Status> Node::Loop::TransferLeadership(NodeId transferee) {
  return Call<absl::Status>([this, transferee](std::shared_ptr<std::promise<absl::Status>> p) {
    p->set_value(raw_->TransferLeader(transferee));
  });
}

NodeStatus Node::Loop::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

absl::Status Node::Loop::health() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return closed_status_;
  if (stopping_) return absl::CancelledError("raft node stopped");
  return absl::OkStatus();
}

void Node::Loop::Deliver(Message message) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    // Beyond the bound the message is dropped: Raft recovers from lost messages.
    if (stopping_ || closed_ || messages_.size() >= options_.max_queued_requests) return;
    messages_.push_back(std::move(message));
  }
  wake_.notify_one();
}

void Node::Loop::PeerUnreachable(NodeId peer) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || closed_ || unreachable_.size() >= options_.max_queued_requests) return;
    unreachable_.push_back(peer);
  }
  wake_.notify_one();
}

}  // namespace hamster::raft
