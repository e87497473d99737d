// The membership in effect on this node: the latest one in its log, committed or not (the
// single-server change rule of the Raft dissertation, ADR 0009). Keeps the memberships of
// uncommitted log positions so that truncating a divergent log suffix restores the one before.

#ifndef HAMSTER_RAFT_SRC_MEMBERSHIP_H_
#define HAMSTER_RAFT_SRC_MEMBERSHIP_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/raft/types.h"

namespace hamster::raft {

// InvalidArgument unless both lists are sorted, free of node 0, and disjoint.
absl::Status ValidateConfState(const ConfState& conf);

class Membership {
 public:
  // `conf` is in effect from `index` (a snapshot's, or 0 for the initial membership).
  Membership(LogIndex index, ConfState conf) { Reset(index, std::move(conf)); }

  const ConfState& current() const { return configs_.back().conf; }
  // The index of the entry that set the current membership.
  LogIndex current_index() const { return configs_.back().index; }
  bool IsVoter(NodeId id) const;
  bool IsLearner(NodeId id) const;
  bool IsMember(NodeId id) const { return IsVoter(id) || IsLearner(id); }
  size_t QuorumSize() const { return current().voters.size() / 2 + 1; }

  void Reset(LogIndex index, ConfState conf);
  // The log lost its entries from `index` on. REQUIRES: index above the oldest kept config.
  void TruncateFrom(LogIndex index);
  // Entries appended to the log, in order. Returns DataLoss if a membership entry does not
  // decode (the log is corrupt).
  absl::Status Append(const std::vector<Entry>& entries);
  // Forgets memberships that can no longer be truncated away, keeping the one in effect at
  // `committed`.
  void Compact(LogIndex committed);

  // The membership `change` leads to from the current one. InvalidArgument for node 0;
  // FailedPrecondition when the change does not apply (see RawNode::ProposeConfChange).
  absl::StatusOr<ConfState> Apply(const ConfChange& change) const;

 private:
  struct Config {
    LogIndex index;
    ConfState conf;
  };
  std::vector<Config> configs_;  // ascending index; never empty
};

}  // namespace hamster::raft

#endif  // HAMSTER_RAFT_SRC_MEMBERSHIP_H_
