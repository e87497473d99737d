#ifndef HAMSTER_TOOLS_BENCH_RAFT_WORKLOAD_H_
#define HAMSTER_TOOLS_BENCH_RAFT_WORKLOAD_H_

// One timed phase of `hamster-bench raft`: N proposer threads, each committing one entry at
// a time (a closed loop) until a wall-clock deadline, recording each commit's latency. The
// same loop drives Hamster's Node and etcd, so both are measured the same way.
//
// Thread safety: RunCommitPhase starts and joins its proposers; `commit` is called from all of
// them at once, with distinct proposer indexes.

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hamster::bench {

// Rates are over the wall-clock time from the start of the phase to the end of its last
// commit; latencies are from the call to its successful return.
struct CommitPhaseResult {
  int concurrency = 0;
  uint64_t commit_count = 0;
  double seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  // fsyncs of the log during the phase, summed over all members and on the leader alone;
  // -1 when the system under test cannot count them.
  int64_t cluster_fsync_count = -1;
  int64_t leader_fsync_count = -1;
  // CPU time (user + system) the system under test and its client spent during the phase:
  // for Hamster this process (members and proposers), for etcd its member processes plus
  // this process. -1: unknown.
  double cpu_seconds = -1;

  double cpu_ms_per_commit() const {
    return cpu_seconds >= 0 && commit_count > 0 ? 1000 * cpu_seconds / commit_count : -1;
  }
  double commits_per_second() const { return seconds > 0 ? commit_count / seconds : 0; }
  double leader_fsyncs_per_commit() const {
    return leader_fsync_count >= 0 && commit_count > 0 ? double(leader_fsync_count) / commit_count
                                                       : -1;
  }
};

// Commits entry number `iteration` of proposer `proposer` and returns once it is committed,
// or the error that stops the phase.
using CommitFunction = std::function<absl::Status(int proposer, uint64_t iteration)>;

// Runs proposers 0..concurrency-1 for `seconds` (each commits at least once). Returns the
// first commit error, naming the proposer (the others stop at their next commit).
// REQUIRES: concurrency >= 1, seconds > 0.
absl::StatusOr<CommitPhaseResult> RunCommitPhase(int concurrency, double seconds,
                                                 const CommitFunction& commit);

// The 128-byte proposal of proposer `proposer`, iteration `iteration`: distinct per call, so
// no layer can deduplicate them.
std::string ProposalPayload(int proposer, uint64_t iteration, size_t size_bytes);

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_RAFT_WORKLOAD_H_
