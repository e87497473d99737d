// Checks Raft's safety properties incrementally, on every persisted entry, every applied
// entry and every new leader, across all nodes of a simulated cluster:
//   election safety       at most one leader per term;
//   log matching          an entry is identified by (index, term): every log holding it holds
//                         the same data and the same previous term (by induction, the same
//                         log before it);
//   leader completeness   a new leader's log holds every entry committed in earlier terms;
//   state machine safety  every node applies the same entry at each index, in index order;
//   one vote per term     a node never grants votes to two candidates in one term (which
//                         would show its vote was not durable before it answered).
// Checking at each of these events is checking after every step: nothing else changes a log.

#ifndef HAMSTER_TESTS_SIM_SAFETY_CHECKER_H_
#define HAMSTER_TESTS_SIM_SAFETY_CHECKER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "hamster/raft/storage.h"
#include "hamster/raft/types.h"

namespace hamster::sim {

class SafetyChecker {
 public:
  // The first violation found; empty while none.
  const std::string& failure() const { return failure_; }
  void Fail(std::string what);

  void OnLeader(raft::NodeId node, raft::Term term);
  // A node sent `message`; granted votes are checked.
  void OnSent(const raft::Message& message);
  // `entries` were written to `node`'s log; `storage` is that log afterwards.
  void OnPersisted(raft::NodeId node, const std::vector<raft::Entry>& entries,
                   const raft::Storage& storage);
  // A node that just became leader of `term` persisted its log (`storage`).
  void OnLeaderLog(raft::NodeId node, raft::Term term, const raft::Storage& storage);
  // Application order restarts after a crash (from the snapshot) or on installing one.
  void OnApplyFrom(raft::NodeId node, raft::LogIndex index, raft::Term term);
  void OnApplied(raft::NodeId node, const raft::Entry& entry);

  raft::LogIndex max_committed() const {
    return committed_.empty() ? 0 : committed_.rbegin()->first;
  }
  uint64_t leaders_seen() const { return leaders_.size(); }

 private:
  struct Fingerprint {
    uint64_t data_hash;
    std::optional<raft::Term> previous_term;
  };
  struct Committed {
    raft::Term term;
    uint64_t data_hash;
  };

  std::string failure_;
  std::map<raft::Term, raft::NodeId> leaders_;
  std::map<std::pair<raft::NodeId, raft::Term>, raft::NodeId> votes_;
  absl::flat_hash_map<std::pair<raft::LogIndex, raft::Term>, Fingerprint> entries_;
  std::map<raft::LogIndex, Committed> committed_;
  std::map<raft::NodeId, raft::LogIndex> last_applied_;
};

uint64_t HashEntry(const raft::Entry& entry);

}  // namespace hamster::sim

#endif  // HAMSTER_TESTS_SIM_SAFETY_CHECKER_H_
