#ifndef HAMSTER_TOOLS_BENCH_RAFT_BENCH_H_
#define HAMSTER_TOOLS_BENCH_RAFT_BENCH_H_

// `hamster-bench raft`: commits per second and commit latency of a three-member Raft group,
// Hamster's (libhamster-raft's Node over gRPC with mutual TLS and RocksDB with fsync on, all
// in this process; raft_cluster.h) next to etcd 3.4's (three member processes, raft_etcd.h),
// measured in the same run with the same 128-byte payload and the same closed-loop proposers
// (raft_workload.h), both clusters running side by side with their phases interleaved; plus
// the same Nodes with memory storage and an in-process transport, the ceiling of the core and
// its driver. docs/benchmarks.md ("Raft") has figures and the reading.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "raft_workload.h"

namespace hamster::bench {

struct RaftBenchOptions {
  std::vector<int> concurrency = {1, 64, 256};
  double seconds = 5;  // per timed phase
  size_t payload_bytes = 128;
  bool etcd = true;
  std::string etcd_path;  // empty: kDefaultEtcdPath
  bool in_process = true;
  // Also gRPC with memory storage, and RocksDB with in-process delivery: which of network and
  // disk the latency is made of.
  bool breakdown = false;
  std::string work_dir;  // a temporary directory is made (and removed) inside it
};

// fdatasync after a payload-sized append to a file in the work directory, by one writer and
// by three at once (one file each, as the three members write): what one commit must wait for
// at least, on this disk. On the virtual disk of our machines the two differ by 10x (a lone
// writer waits about 4 ms, three about 0.3 ms), so both are reported.
struct SyncBaseline {
  int writer_count = 0;
  int sample_count = 0;  // per writer
  double p50_ms = 0;     // over all writers' samples
  double p99_ms = 0;
};

struct RaftBenchReport {
  RaftBenchOptions options;
  std::vector<SyncBaseline> disk;               // 1 writer, then 3
  std::vector<CommitPhaseResult> hamster;       // one per options.concurrency
  std::vector<CommitPhaseResult> in_process;    // empty without options.in_process
  std::vector<CommitPhaseResult> grpc_only;     // empty without options.breakdown
  std::vector<CommitPhaseResult> rocksdb_only;  // empty without options.breakdown
  std::vector<CommitPhaseResult> etcd;          // empty without options.etcd
};

// Runs every phase; on an error, still stops every member and removes the temporary
// directory, then returns the error.
absl::StatusOr<RaftBenchReport> RunRaftBench(const RaftBenchOptions& options);

std::string FormatRaftTable(const RaftBenchReport& report);
std::string FormatRaftJson(const RaftBenchReport& report);

// `hamster-bench raft [flags]`: args[0] is "raft". Returns the exit code.
int RunRaftCommand(const std::vector<std::string>& args);

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_RAFT_BENCH_H_
