#include "safety_checker.h"

#include <functional>

#include "absl/strings/str_cat.h"

namespace hamster::sim {

uint64_t HashEntry(const raft::Entry& entry) {
  return std::hash<std::string>()(entry.data) * 31 + static_cast<uint64_t>(entry.type);
}

void SafetyChecker::Fail(std::string what) {
  if (failure_.empty()) failure_ = std::move(what);
}

void SafetyChecker::OnLeader(raft::NodeId node, raft::Term term) {
  auto [it, added] = leaders_.emplace(term, node);
  if (!added && it->second != node) {
    Fail(absl::StrCat("election safety: nodes ", it->second, " and ", node, " both led term ",
                      term));
  }
}

void SafetyChecker::OnSent(const raft::Message& message) {
  if (message.type != raft::MessageType::kVoteResponse || message.reject) return;
  auto [it, added] = votes_.emplace(std::make_pair(message.from, message.term), message.to);
  if (!added && it->second != message.to) {
    Fail(absl::StrCat("vote durability: node ", message.from, " voted for ", it->second,
                      " and for ", message.to, " in term ", message.term));
  }
}

void SafetyChecker::OnPersisted(raft::NodeId node, const std::vector<raft::Entry>& entries,
                                const raft::Storage& storage) {
  for (const raft::Entry& entry : entries) {
    absl::StatusOr<raft::Term> previous = storage.TermAt(entry.index - 1);
    // Unknown only right after a snapshot whose predecessor is compacted away.
    std::optional<raft::Term> previous_term;
    if (previous.ok()) previous_term = *previous;
    const Fingerprint print{.data_hash = HashEntry(entry), .previous_term = previous_term};
    auto [it, added] = entries_.emplace(std::make_pair(entry.index, entry.term), print);
    if (added) continue;
    Fingerprint& known = it->second;
    if (known.data_hash != print.data_hash) {
      Fail(absl::StrCat("log matching: node ", node, " holds entry ", entry.index, "@", entry.term,
                        " with data different from another node's"));
    }
    if (known.previous_term && print.previous_term &&
        *known.previous_term != *print.previous_term) {
      Fail(absl::StrCat("log matching: node ", node, " holds entry ", entry.index, "@", entry.term,
                        " after term ", *print.previous_term, ", another after ",
                        *known.previous_term));
    }
    if (!known.previous_term) known.previous_term = print.previous_term;
  }
}

void SafetyChecker::OnLeaderLog(raft::NodeId node, raft::Term term, const raft::Storage& storage) {
  // The highest entry committed in an earlier term (by log matching, it stands for all
  // committed entries before it).
  for (auto it = committed_.rbegin(); it != committed_.rend(); ++it) {
    if (it->second.term >= term) continue;
    const raft::LogIndex index = it->first;
    absl::StatusOr<raft::SnapshotMetadata> snapshot = storage.LoadSnapshotMetadata();
    if (snapshot.ok() && snapshot->index >= index) return;  // covered by its snapshot
    absl::StatusOr<raft::Term> held = storage.TermAt(index);
    if (!held.ok() || *held != it->second.term) {
      Fail(absl::StrCat("leader completeness: node ", node, " leads term ", term,
                        " without committed entry ", index, "@", it->second.term));
    }
    return;
  }
}

void SafetyChecker::OnApplyFrom(raft::NodeId node, raft::LogIndex index, raft::Term term) {
  last_applied_[node] = index;
  if (index == 0) return;
  auto it = committed_.find(index);
  if (it != committed_.end() && it->second.term != term) {
    Fail(absl::StrCat("state machine safety: node ", node, " restores a snapshot at ", index, "@",
                      term, " but ", index, "@", it->second.term, " was applied"));
  }
}

void SafetyChecker::OnApplied(raft::NodeId node, const raft::Entry& entry) {
  raft::LogIndex& last = last_applied_[node];
  if (entry.index != last + 1) {
    Fail(absl::StrCat("state machine safety: node ", node, " applies ", entry.index, " after ",
                      last));
  }
  last = entry.index;
  const Committed applied{.term = entry.term, .data_hash = HashEntry(entry)};
  auto [it, added] = committed_.emplace(entry.index, applied);
  if (!added && (it->second.term != applied.term || it->second.data_hash != applied.data_hash)) {
    Fail(absl::StrCat("state machine safety: node ", node, " applies ", entry.index, "@",
                      entry.term, " where ", entry.index, "@", it->second.term,
                      " was applied before"));
  }
}

}  // namespace hamster::sim
