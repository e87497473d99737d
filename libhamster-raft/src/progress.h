// What a leader knows about each follower's log, and the flow control that decides what to
// send next: probing for the match point one Append at a time, pipelining Appends within a
// window once it is found, or sending a snapshot in chunks when the entries it needs are gone.

#ifndef HAMSTER_RAFT_SRC_PROGRESS_H_
#define HAMSTER_RAFT_SRC_PROGRESS_H_

#include <cstdint>
#include <deque>
#include <memory>

#include "hamster/raft/raw_node.h"
#include "hamster/raft/types.h"

namespace hamster::raft {

// The last index of each Append in flight to one follower, oldest first; bounded by the
// pipelining window.
class Inflights {
 public:
  explicit Inflights(int capacity) : capacity_(capacity) {}
  bool Full() const { return static_cast<int>(indexes_.size()) >= capacity_; }
  // REQUIRES: !Full() and `last_index` above every index held.
  void Add(LogIndex last_index);
  // The follower acknowledged up to `index`: frees every Append ending there or before.
  void FreeLE(LogIndex index);
  void Reset() { indexes_.clear(); }
  // Frees the oldest slot, so a window whose Appends were all lost sends again.
  void FreeFirst() {
    if (!indexes_.empty()) indexes_.pop_front();
  }
  size_t size() const { return indexes_.size(); }

 private:
  int capacity_;
  std::deque<LogIndex> indexes_;
};

// A snapshot being streamed to one follower.
struct SnapshotTransfer {
  std::shared_ptr<const Snapshot> snapshot;
  uint64_t acked_bytes = 0;  // the follower confirmed it holds the data up to here
  uint64_t sent_bytes = 0;   // chunks up to here are on the wire
  bool done_sent = false;    // the last chunk is on the wire
  int ticks_since_response = 0;
};

struct Progress {
  explicit Progress(LogIndex next_index, int max_inflight, bool is_learner)
      : next(next_index), inflights(max_inflight), learner(is_learner) {}

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(std::shared_ptr<const Snapshot> snapshot);
  // The follower holds entries up to `index`. Returns whether match advanced.
  bool MaybeUpdate(LogIndex index);
  // An Append ending at `index` was sent in the replicate state.
  void OptimisticUpdate(LogIndex index) { next = index + 1; }
  // The follower rejected an Append at `rejected`; its log may match up to `match_hint`.
  // Returns false when the rejection is stale.
  bool MaybeDecreaseTo(LogIndex rejected, LogIndex match_hint);
  // Whether sending an Append now would exceed flow control.
  bool IsPaused() const;

  LogIndex match = 0;
  LogIndex next = 1;
  ProgressState state = ProgressState::kProbe;
  // In kProbe: an Append was sent and no answer (or heartbeat response) came back yet.
  bool probe_sent = false;
  // Heard from within the current check-quorum period.
  bool recent_active = false;
  Inflights inflights;
  bool learner = false;
  // The highest commit index sent to the follower, so an idle leader does not repeat it.
  LogIndex sent_commit = 0;
  // In kSnapshot: the index of the snapshot being sent, and the transfer itself.
  LogIndex pending_snapshot = 0;
  SnapshotTransfer transfer;

 private:
  void ResetState(ProgressState new_state);
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_SRC_PROGRESS_H_
