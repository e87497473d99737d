// The phases of `hamster-bench raft`: the disk baseline; Hamster and etcd side by side, their
// phases interleaved; then the Hamster variants without network or disk, one at a time.

#include "raft_bench.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
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

// Reads a started system's (cluster, leader) fsync counters.
using FsyncCounter = std::function<std::pair<int64_t, int64_t>()>;

// A started system under test: how to commit, how to count its fsyncs (empty: it cannot),
// and where its phases go.
struct System {
  CommitFunction commit;
  FsyncCounter fsyncs;
  std::vector<CommitPhaseResult>* results;
  // CPU seconds of the system's other processes so far (this process's are always counted);
  // empty: it has none.
  std::function<absl::StatusOr<double>()> other_cpu_seconds;
};

double OwnCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

absl::StatusOr<double> SystemCpuSeconds(const System& system) {
  double total = OwnCpuSeconds();
  if (!system.other_cpu_seconds) return total;
  absl::StatusOr<double> other = system.other_cpu_seconds();
  if (!other.ok()) return other.status();
  return total + *other;
}

absl::StatusOr<CommitPhaseResult> RunPhase(const System& system, int concurrency, double seconds) {
  const std::pair<int64_t, int64_t> before =
      system.fsyncs ? system.fsyncs() : std::pair<int64_t, int64_t>(-1, -1);
  absl::StatusOr<double> cpu_before = SystemCpuSeconds(system);
  if (!cpu_before.ok()) return cpu_before.status();
  absl::StatusOr<CommitPhaseResult> phase = RunCommitPhase(concurrency, seconds, system.commit);
  if (!phase.ok()) return phase;
  absl::StatusOr<double> cpu_after = SystemCpuSeconds(system);
  if (!cpu_after.ok()) return cpu_after.status();
  phase->cpu_seconds = *cpu_after - *cpu_before;
  if (!system.fsyncs) return phase;
  const std::pair<int64_t, int64_t> after = system.fsyncs();
  phase->cluster_fsync_count = after.first - before.first;
  phase->leader_fsync_count = after.second - before.second;
  return phase;
}

// A warm-up of each system, then at each concurrency one phase of each system in turn, so
// the shared disk's and CPU's moods (fsync stalls of seconds happen) fall on all of them
// alike instead of on whichever ran at the time.
absl::Status RunInterleaved(const RaftBenchOptions& options, const std::vector<System>& systems) {
  const int warm_concurrency =
      std::min(kWarmUpConcurrency,
               *std::max_element(options.concurrency.begin(), options.concurrency.end()));
  for (const System& system : systems) {
    absl::StatusOr<CommitPhaseResult> warm =
        RunCommitPhase(warm_concurrency, WarmUpSeconds(options), system.commit);
    if (!warm.ok()) return warm.status();
  }
  for (int concurrency : options.concurrency) {
    for (const System& system : systems) {
      absl::StatusOr<CommitPhaseResult> phase = RunPhase(system, concurrency, options.seconds);
      if (!phase.ok()) return phase.status();
      system.results->push_back(*phase);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<HamsterCluster>> StartHamster(bool grpc, bool rocksdb,
                                                             const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) != 0) return ErrnoError("mkdir " + dir);
  return HamsterCluster::Start({.grpc = grpc, .rocksdb = rocksdb, .work_dir = dir}, kLeaderTimeout);
}

System HamsterSystem(HamsterCluster& cluster, size_t payload_bytes, bool rocksdb,
                     std::vector<CommitPhaseResult>* results) {
  System system{.commit =
                    [&cluster, payload_bytes](int proposer, uint64_t iteration) {
                      return cluster.Commit(ProposalPayload(proposer, iteration, payload_bytes));
                    },
                .results = results};
  if (rocksdb) {
    system.fsyncs = [&cluster] {
      return std::make_pair(cluster.cluster_fsync_count(), cluster.leader_fsync_count());
    };
  }
  return system;
}

// One Hamster variant alone: start, measure, stop.
absl::Status RunHamsterAlone(const RaftBenchOptions& options, bool grpc, bool rocksdb,
                             const std::string& dir, std::vector<CommitPhaseResult>* results) {
  absl::StatusOr<std::unique_ptr<HamsterCluster>> cluster = StartHamster(grpc, rocksdb, dir);
  if (!cluster.ok()) return cluster.status();
  return RunInterleaved(options,
                        {HamsterSystem(**cluster, options.payload_bytes, rocksdb, results)});
}

absl::StatusOr<std::unique_ptr<EtcdCluster>> StartEtcd(const RaftBenchOptions& options,
                                                       const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) != 0) return ErrnoError("mkdir " + dir);
  EtcdClusterOptions etcd_options;
  if (!options.etcd_path.empty()) etcd_options.etcd_path = options.etcd_path;
  etcd_options.work_dir = dir;
  return EtcdCluster::Start(etcd_options, kLeaderTimeout);
}

System EtcdSystem(EtcdCluster& cluster, size_t payload_bytes,
                  std::vector<CommitPhaseResult>* results) {
  // One key per proposer, overwritten: etcd keeps every revision, as Raft keeps every entry.
  return System{.commit =
                    [&cluster, payload_bytes](int proposer, uint64_t iteration) {
                      return cluster.Put(proposer, absl::StrCat("bench/", proposer),
                                         ProposalPayload(proposer, iteration, payload_bytes));
                    },
                .results = results,
                .other_cpu_seconds = [&cluster] { return cluster.member_cpu_seconds(); }};
}

// Hamster and etcd side by side: both clusters run throughout (an idle one only sends
// heartbeats) and their phases alternate.
absl::Status RunComparison(const RaftBenchOptions& options, const std::string& dir,
                           RaftBenchReport& report) {
  absl::StatusOr<std::unique_ptr<HamsterCluster>> hamster =
      StartHamster(true, true, dir + "/hamster");
  if (!hamster.ok()) return hamster.status();
  std::vector<System> systems = {
      HamsterSystem(**hamster, options.payload_bytes, true, &report.hamster)};
  std::unique_ptr<EtcdCluster> etcd;
  if (options.etcd) {
    absl::StatusOr<std::unique_ptr<EtcdCluster>> started = StartEtcd(options, dir + "/etcd");
    if (!started.ok()) return started.status();
    etcd = std::move(*started);
    systems.push_back(EtcdSystem(*etcd, options.payload_bytes, &report.etcd));
  }
  return RunInterleaved(options, systems);
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
  absl::Status ran = RunComparison(options, dir, report);
  if (ran.ok() && options.in_process) {
    ran = RunHamsterAlone(options, false, false, dir + "/in-process", &report.in_process);
  }
  if (ran.ok() && options.breakdown) {
    ran = RunHamsterAlone(options, true, false, dir + "/grpc-only", &report.grpc_only);
  }
  if (ran.ok() && options.breakdown) {
    ran = RunHamsterAlone(options, false, true, dir + "/rocksdb-only", &report.rocksdb_only);
  }
  if (!ran.ok()) return ran;
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
