#include "membership.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/str_cat.h"

namespace hamster::raft {
namespace {

bool Contains(const std::vector<NodeId>& ids, NodeId id) {
  return std::binary_search(ids.begin(), ids.end(), id);
}

void Insert(std::vector<NodeId>& ids, NodeId id) {
  ids.insert(std::lower_bound(ids.begin(), ids.end(), id), id);
}

void Erase(std::vector<NodeId>& ids, NodeId id) {
  ids.erase(std::lower_bound(ids.begin(), ids.end(), id));
}

}  // namespace

absl::Status ValidateConfState(const ConfState& conf) {
  for (const std::vector<NodeId>* ids : {&conf.voters, &conf.learners}) {
    for (size_t i = 0; i < ids->size(); ++i) {
      if ((*ids)[i] == kNoNode) return absl::InvalidArgumentError("membership names node 0");
      if (i > 0 && (*ids)[i - 1] >= (*ids)[i]) {
        return absl::InvalidArgumentError("membership ids not sorted and unique");
      }
    }
  }
  for (NodeId id : conf.learners) {
    if (Contains(conf.voters, id)) {
      return absl::InvalidArgumentError(absl::StrCat("node ", id, " is voter and learner"));
    }
  }
  return absl::OkStatus();
}

bool Membership::IsVoter(NodeId id) const { return Contains(current().voters, id); }
bool Membership::IsLearner(NodeId id) const { return Contains(current().learners, id); }

void Membership::Reset(LogIndex index, ConfState conf) {
  configs_.clear();
  configs_.push_back(Config{.index = index, .conf = std::move(conf)});
}

void Membership::TruncateFrom(LogIndex index) {
  assert(configs_.front().index < index);
  while (configs_.back().index >= index) configs_.pop_back();
}

absl::Status Membership::Append(const std::vector<Entry>& entries) {
  for (const Entry& entry : entries) {
    if (entry.type != EntryType::kConfChange) continue;
    absl::StatusOr<ConfChangeEntry> decoded = DecodeConfChangeEntry(entry.data);
    if (!decoded.ok()) {
      return absl::DataLossError(
          absl::StrCat("membership entry ", entry.index, ": ", decoded.status().message()));
    }
    assert(entry.index > configs_.back().index);
    configs_.push_back(Config{.index = entry.index, .conf = std::move(decoded->conf_state)});
  }
  return absl::OkStatus();
}

void Membership::Compact(LogIndex committed) {
  size_t keep_from = 0;
  while (keep_from + 1 < configs_.size() && configs_[keep_from + 1].index <= committed) {
    ++keep_from;
  }
  configs_.erase(configs_.begin(), configs_.begin() + static_cast<ptrdiff_t>(keep_from));
}

absl::StatusOr<ConfState> Membership::Apply(const ConfChange& change) const {
  if (change.node_id == kNoNode) return absl::InvalidArgumentError("membership change of node 0");
  ConfState next = current();
  const NodeId id = change.node_id;
  const bool voter = Contains(next.voters, id);
  const bool learner = Contains(next.learners, id);
  switch (change.type) {
    case ConfChangeType::kAddLearner:
      if (voter || learner) {
        return absl::FailedPreconditionError(absl::StrCat("node ", id, " is already a member"));
      }
      Insert(next.learners, id);
      return next;
    case ConfChangeType::kAddVoter:
      if (voter) return absl::FailedPreconditionError(absl::StrCat("node ", id, " is a voter"));
      // A voter that joins with an empty log would stall commits until it caught up.
      if (!learner) {
        return absl::FailedPreconditionError(
            absl::StrCat("node ", id, " must first be added as a learner"));
      }
      Erase(next.learners, id);
      Insert(next.voters, id);
      return next;
    case ConfChangeType::kRemoveNode:
    case ConfChangeType::kDemoteVoter:
      break;
  }
  const bool demote = change.type == ConfChangeType::kDemoteVoter;
  if (demote ? !voter : !(voter || learner)) {
    return absl::FailedPreconditionError(
        absl::StrCat("node ", id, demote ? " is not a voter" : " is not a member"));
  }
  if (voter && next.voters.size() == 1) {
    return absl::FailedPreconditionError(absl::StrCat("node ", id, " is the last voter"));
  }
  if (voter) Erase(next.voters, id);
  if (learner) Erase(next.learners, id);
  if (demote) Insert(next.learners, id);
  return next;
}

}  // namespace hamster::raft
