// Node::Loop: the raft thread behind Node and everything it owns. Fields are split by who
// touches them: the "shared" ones under mu_ (any thread), the rest only on the raft thread.

#ifndef HAMSTER_RAFT_NODE_SRC_LOOP_H_
#define HAMSTER_RAFT_NODE_SRC_LOOP_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "commit_notices.h"
#include "hamster/raft/node.h"

namespace hamster::raft {

class Node::Loop {
 public:
  explicit Loop(NodeOptions options);
  ~Loop();

  // Restores from storage, creates the RawNode, starts the transport with `sink` and the
  // raft thread.
  absl::Status Start(MessageSink* sink);
  void Stop();

  std::future<absl::StatusOr<std::string>> Propose(std::string data);
  std::future<absl::Status> ReadIndex();
  std::future<absl::Status> ProposeConfChange(ConfChange change);
  std::future<absl::Status> TransferLeadership(NodeId transferee);
  NodeStatus status() const;
  absl::Status health() const;
  void Deliver(Message message);
  void PeerUnreachable(NodeId peer);

 private:
  // A request for the raft thread. `cancel` resolves its future when it never runs.
  struct Task {
    std::function<void()> run;
    std::function<void(const absl::Status&)> cancel;
  };
  // A proposal (or membership change) waiting for its entry to be applied.
  struct PendingEntry {
    Term term;
    std::function<void(absl::StatusOr<std::string>)> done;
  };
  struct PendingRead {
    std::shared_ptr<std::promise<absl::Status>> promise;
    uint64_t requested_tick;
  };

  // Runs `body` on the raft thread with the promise behind the returned future; the future
  // fails with the closing status if the raft thread never runs it.
  template <typename T>
  std::future<T> Call(std::function<void(std::shared_ptr<std::promise<T>>)> body);
  void Enqueue(Task task);
  void Run();
  absl::Status RunOnce(std::chrono::steady_clock::time_point& next_tick);
  absl::Status Restore();
  void Close(const absl::Status& why);

  // Raft thread: the Ready handling of raw_node.h and what follows from it (loop_ready.cc).
  absl::Status HandleReadies();
  // Writes `ready` to storage, except a change of the commit index alone, which is kept in
  // deferred_hard_state_ and written with the next write.
  absl::Status Persist(Ready& ready);
  absl::Status PersistDeferredHardState();
  // Sends `messages`, holding back entry-less Appends (commit_notice_delay, CommitNotices).
  void Send(std::vector<Message> messages);
  void SendHeldCommitsIfDue(std::chrono::steady_clock::time_point now);
  absl::Status RestoreSnapshot(const Snapshot& snapshot);
  absl::Status ApplyEntry(const Entry& entry);
  void ApplyConfChange(const ConfChangeEntry& change);
  void LearnAddresses(const std::vector<Entry>& entries);
  void SetAddress(NodeId peer, const std::string& address);
  void ResolveEntry(const Entry& entry, absl::StatusOr<std::string> result);
  void ServeReads();
  void ExpireReads();
  absl::Status MaybeSnapshot();
  void Track(LogPosition position, std::function<void(absl::StatusOr<std::string>)> done);
  absl::Status NotLeader(const absl::Status& refused) const;

  const NodeOptions options_;

  // Shared, under mu_.
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::deque<Task> tasks_;
  std::deque<Message> messages_;
  std::vector<NodeId> unreachable_;
  bool stopping_ = false;
  bool closed_ = false;  // the raft thread has ended: requests fail with closed_status_
  absl::Status closed_status_;
  NodeStatus status_;

  // Start() and Stop() only (before the raft thread starts and after it ended).
  std::mutex stop_mu_;
  std::thread thread_;
  bool transport_started_ = false;

  // Raft thread only.
  std::unique_ptr<RawNode> raw_;
  std::map<LogIndex, PendingEntry> pending_entries_;
  std::map<std::string, PendingRead> pending_reads_;
  std::multimap<LogIndex, std::shared_ptr<std::promise<absl::Status>>> waiting_reads_;
  std::map<NodeId, std::string> addresses_;
  ConfState applied_conf_;
  LogIndex applied_ = 0;
  LogIndex snapshot_index_ = 0;
  uint64_t ticks_ = 0;
  uint64_t next_read_id_ = 0;
  std::optional<HardState> deferred_hard_state_;
  CommitNotices commit_notices_{options_.commit_notice_delay};
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_NODE_SRC_LOOP_H_
