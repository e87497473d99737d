#ifndef HAMSTER_TOOLS_BENCH_S3_WORKLOAD_H_
#define HAMSTER_TOOLS_BENCH_S3_WORKLOAD_H_

// One timed phase of `hamster-bench s3`: N worker threads, each with its own
// keep-alive connection, repeating one S3 operation until a wall-clock
// deadline or a per-worker count, recording each operation's latency.
//
// Thread safety: RunPhase starts and joins its workers; worker i uses only
// connections[i], and `operation` must be safe to call from all workers at
// once for distinct worker indexes.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "s3_client.h"

namespace hamster::bench {

// What one phase measured; rates are over the wall-clock time from the start
// of the phase to the end of its last operation.
struct PhaseResult {
  int concurrency = 0;
  uint64_t operation_count = 0;
  uint64_t byte_count = 0;  // body bytes sent or received
  double seconds = 0;
  double p50_ms = 0;  // latency of one operation, send to last response byte
  double p99_ms = 0;
  std::vector<uint64_t> operations_per_worker;
  // CPU time (user + system) used during the phase by this process (all its
  // threads) and by the server process, if one is watched; -1: unknown.
  double client_cpu_seconds = -1;
  double server_cpu_seconds = -1;

  double operations_per_second() const { return seconds > 0 ? operation_count / seconds : 0; }
  double mib_per_second() const { return seconds > 0 ? byte_count / 1048576.0 / seconds : 0; }
  // What the server's CPU time bought: unlike the wall-clock rate, it does not
  // move with the share of the cores other processes take.
  double mib_per_server_cpu_second() const {
    return server_cpu_seconds > 0 ? byte_count / 1048576.0 / server_cpu_seconds : 0;
  }
};

// Performs operation number `iteration` of `worker` on `connection`; returns
// the body bytes it moved, or the error that stops the phase.
using Operation = std::function<absl::StatusOr<uint64_t>(S3Connection& connection, int worker,
                                                         uint64_t iteration)>;

struct PhaseOptions {
  // Stop starting operations after this long (each worker still does at
  // least one); 0: no deadline.
  double seconds = 0;
  // Worker w stops after iteration_limits[w] operations; empty: no limit.
  // REQUIRES: a deadline or limits, so the phase ends.
  std::vector<uint64_t> iteration_limits;
  pid_t server_pid = 0;  // whose CPU time to count; 0: none
};

// Runs workers 0..concurrency-1 on connections[0..concurrency-1]. Returns the
// first operation error (the other workers stop at their next operation).
// REQUIRES: connections.size() >= concurrency.
absl::StatusOr<PhaseResult> RunPhase(std::vector<std::unique_ptr<S3Connection>>& connections,
                                     int concurrency, const PhaseOptions& options,
                                     const Operation& operation);

// CPU time (user + system) a process used so far, from /proc/<pid>/stat.
absl::StatusOr<double> ProcessCpuSeconds(pid_t pid);

// The value at quantile q (0..1) of `values` by the nearest-rank method; 0 if empty.
double Quantile(std::vector<float> values, double q);

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_S3_WORKLOAD_H_
