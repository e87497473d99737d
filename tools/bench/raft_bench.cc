// The phases of `hamster-bench raft`: the disk baseline, then each system under test started,
// warmed up, measured at every concurrency and stopped, one at a time.

#include "raft_bench.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "raft_cluster.h"
#include "raft_etcd.h"
#include "s3_server.h"

namespace hamster::bench {
namespace {

constexpr std::chrono::milliseconds kLeaderTimeout{20000};
constexpr int kSyncSampleCount = 400;

// Both systems are warmed up the same way before their timed phases (connections made, the
// first fsyncs of a fresh log paid): a short phase whose figures are dropped.
constexpr int kWarmUpConcurrency = 8;
double WarmUpSeconds(const RaftBenchOptions& options) { return std::min(1.0, options.seconds); }

absl::Status ErrnoError(const std::string& what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

double QuantileMs(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(q * values.size()));
  return values[index];
}

// One writer's samples: append + fdatasync, kSyncSampleCount times, to a file of its own.
absl::Status SyncLoop(const std::string& path, size_t payload_bytes,
                      std::vector<double>& latencies) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("open " + path);
  const std::string payload(payload_bytes, 'x');
  absl::Status status;
  for (int i = 0; i < kSyncSampleCount; ++i) {
    const auto begin = std::chrono::steady_clock::now();
    if (write(fd, payload.data(), payload.size()) != static_cast<ssize_t>(payload.size()) ||
        fdatasync(fd) != 0) {
      status = ErrnoError("append + fdatasync " + path);
      break;
    }
    latencies.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin)
            .count());
  }
  close(fd);
  unlink(path.c_str());
  return status;
}

absl::StatusOr<SyncBaseline> MeasureSyncLatency(const std::string& dir, size_t payload_bytes,
                                                int writer_count) {
  std::vector<std::vector<double>> latencies(writer_count);
  std::vector<absl::Status> statuses(writer_count);
  std::vector<std::thread> writers;
  for (int w = 0; w < writer_count; ++w) {
    writers.emplace_back([&, w] {
      statuses[w] =
          SyncLoop(absl::StrCat(dir, "/fdatasync-baseline-", w), payload_bytes, latencies[w]);
    });
  }
  for (std::thread& writer : writers) writer.join();
  std::vector<double> all;
  for (int w = 0; w < writer_count; ++w) {
    if (!statuses[w].ok()) return statuses[w];
    all.insert(all.end(), latencies[w].begin(), latencies[w].end());
  }
  return SyncBaseline{.writer_count = writer_count,
                      .sample_count = kSyncSampleCount,
                      .p50_ms = QuantileMs(all, 0.5),
                      .p99_ms = QuantileMs(all, 0.99)};
}

// The warm-up, then one timed phase per concurrency. `fsyncs` reads (cluster, leader) fsync
// counters, or is empty.
using FsyncCounter = std::function<std::pair<int64_t, int64_t>()>;

absl::StatusOr<std::vector<CommitPhaseResult>> RunPhases(const RaftBenchOptions& options,
                                                         const CommitFunction& commit,
                                                         const FsyncCounter& fsyncs) {
  absl::StatusOr<CommitPhaseResult> warm = RunCommitPhase(
      std::min(kWarmUpConcurrency,
               *std::max_element(options.concurrency.begin(), options.concurrency.end())),
      WarmUpSeconds(options), commit);
  if (!warm.ok()) return warm.status();
  std::vector<CommitPhaseResult> phases;
  for (int concurrency : options.concurrency) {
    const std::pair<int64_t, int64_t> before = fsyncs ? fsyncs() : std::make_pair(-1L, -1L);
    absl::StatusOr<CommitPhaseResult> phase = RunCommitPhase(concurrency, options.seconds, commit);
    if (!phase.ok()) return phase.status();
    if (fsyncs) {
      const std::pair<int64_t, int64_t> after = fsyncs();
      phase->cluster_fsync_count = after.first - before.first;
      phase->leader_fsync_count = after.second - before.second;
    }
    phases.push_back(*phase);
  }
  return phases;
}

absl::StatusOr<std::vector<CommitPhaseResult>> RunHamster(const RaftBenchOptions& options,
                                                          bool grpc, bool rocksdb,
                                                          const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) != 0) return ErrnoError("mkdir " + dir);
  absl::StatusOr<std::unique_ptr<HamsterCluster>> cluster =
      HamsterCluster::Start({.grpc = grpc, .rocksdb = rocksdb, .work_dir = dir}, kLeaderTimeout);
  if (!cluster.ok()) return cluster.status();
  HamsterCluster& c = **cluster;
  const size_t size = options.payload_bytes;
  FsyncCounter fsyncs;
  if (rocksdb) {
    fsyncs = [&c] { return std::make_pair(c.cluster_fsync_count(), c.leader_fsync_count()); };
  }
  return RunPhases(
      options,
      [&c, size](int proposer, uint64_t iteration) {
        return c.Commit(ProposalPayload(proposer, iteration, size));
      },
      fsyncs);
}

absl::StatusOr<std::vector<CommitPhaseResult>> RunEtcd(const RaftBenchOptions& options,
                                                       const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) != 0) return ErrnoError("mkdir " + dir);
  EtcdClusterOptions etcd_options;
  if (!options.etcd_path.empty()) etcd_options.etcd_path = options.etcd_path;
  etcd_options.work_dir = dir;
  absl::StatusOr<std::unique_ptr<EtcdCluster>> cluster =
      EtcdCluster::Start(etcd_options, kLeaderTimeout);
  if (!cluster.ok()) return cluster.status();
  EtcdCluster& c = **cluster;
  const size_t size = options.payload_bytes;
  // One key per proposer, overwritten: etcd keeps every revision, as Raft keeps every entry.
  return RunPhases(options,
                   [&c, size](int proposer, uint64_t iteration) {
                     return c.Put(proposer, absl::StrCat("bench/", proposer),
                                  ProposalPayload(proposer, iteration, size));
                   },
                   {});
}

absl::StatusOr<RaftBenchReport> RunInDirectory(const RaftBenchOptions& options,
                                               const std::string& dir) {
  RaftBenchReport report;
  report.options = options;
  for (int writer_count : {1, 3}) {
    absl::StatusOr<SyncBaseline> disk =
        MeasureSyncLatency(dir, options.payload_bytes, writer_count);
    if (!disk.ok()) return disk.status();
    report.disk.push_back(*disk);
  }
  absl::StatusOr<std::vector<CommitPhaseResult>> phases =
      RunHamster(options, true, true, dir + "/hamster");
  if (!phases.ok()) return phases.status();
  report.hamster = *phases;
  if (options.in_process) {
    phases = RunHamster(options, false, false, dir + "/in-process");
    if (!phases.ok()) return phases.status();
    report.in_process = *phases;
  }
  if (options.breakdown) {
    phases = RunHamster(options, true, false, dir + "/grpc-only");
    if (!phases.ok()) return phases.status();
    report.grpc_only = *phases;
    phases = RunHamster(options, false, true, dir + "/rocksdb-only");
    if (!phases.ok()) return phases.status();
    report.rocksdb_only = *phases;
  }
  if (options.etcd) {
    phases = RunEtcd(options, dir + "/etcd");
    if (!phases.ok()) return phases.status();
    report.etcd = *phases;
  }
  return report;
}

}  // namespace

absl::StatusOr<RaftBenchReport> RunRaftBench(const RaftBenchOptions& options) {
  // A missing etcd is found before minutes of measuring, not after.
  if (options.etcd) {
    absl::Status found =
        CheckEtcdBinary(options.etcd_path.empty() ? kDefaultEtcdPath : options.etcd_path);
    if (!found.ok()) return found;
  }
  std::string pattern = options.work_dir + "/hamster-bench-raft-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) return ErrnoError("mkdtemp " + pattern);
  absl::StatusOr<RaftBenchReport> report = RunInDirectory(options, pattern);
  absl::Status removed = RemoveTree(pattern);
  if (!report.ok()) return report.status();
  if (!removed.ok()) return removed;
  return report;
}

}  // namespace hamster::bench
