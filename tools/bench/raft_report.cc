// The table and JSON of `hamster-bench raft`, with the ratios to etcd and the targets of
// docs/benchmarks.md ("Raft").

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "raft_bench.h"

namespace hamster::bench {
namespace {

// Targets against etcd (Hamster issue 4): p50 at concurrency 1 at most 0.6x etcd's,
// commits/s at the highest concurrency at least 2x etcd's, p99 no worse than etcd's.
constexpr double kMaxLatencyRatio = 0.6;
constexpr double kMinThroughputRatio = 2.0;

double Ratio(double a, double b) { return b > 0 ? a / b : 0; }

std::string FsyncsPerCommit(const CommitPhaseResult& p) {
  if (p.leader_fsync_count < 0) return "-";
  return absl::StrFormat("%.3f / %.3f", p.leader_fsyncs_per_commit(),
                         Ratio(double(p.cluster_fsync_count), double(p.commit_count)));
}

void AppendRows(std::string& out, const std::string& system,
                const std::vector<CommitPhaseResult>& phases) {
  for (const CommitPhaseResult& p : phases) {
    absl::StrAppendFormat(&out, "%-22s %5d %11.0f %9.3f %9.3f %9.3f %8.3f  %s\n", system,
                          p.concurrency, p.commits_per_second(), p.p50_ms, p.p99_ms, p.max_ms,
                          p.cpu_ms_per_commit(), FsyncsPerCommit(p));
  }
}

std::string PhaseJson(const CommitPhaseResult& p) {
  std::string fsyncs;
  if (p.leader_fsync_count >= 0) {
    fsyncs = absl::StrFormat(
        ", \"leader_fsyncs\": %d, \"cluster_fsyncs\": %d, \"leader_fsyncs_per_commit\": %.4f",
        p.leader_fsync_count, p.cluster_fsync_count, p.leader_fsyncs_per_commit());
  }
  return absl::StrFormat(
      "{\"concurrency\": %d, \"commits\": %d, \"seconds\": %.3f, \"commits_per_second\": %.1f, "
      "\"p50_ms\": %.4f, \"p99_ms\": %.4f, \"max_ms\": %.4f, \"cpu_seconds\": %.3f, "
      "\"cpu_ms_per_commit\": %.4f%s}",
      p.concurrency, p.commit_count, p.seconds, p.commits_per_second(), p.p50_ms, p.p99_ms,
      p.max_ms, p.cpu_seconds, p.cpu_ms_per_commit(), fsyncs);
}

std::string PhasesJson(const std::vector<CommitPhaseResult>& phases) {
  std::string out = "[";
  for (size_t i = 0; i < phases.size(); ++i) {
    absl::StrAppend(&out, i > 0 ? ",\n    " : "\n    ", PhaseJson(phases[i]));
  }
  return out + (phases.empty() ? "]" : "\n  ]");
}

}  // namespace

std::string FormatRaftTable(const RaftBenchReport& report) {
  const RaftBenchOptions& o = report.options;
  std::string out = absl::StrFormat(
      "Raft: 3 members on 127.0.0.1, %d-byte proposals, closed-loop proposers, %.1f s per "
      "phase\n",
      o.payload_bytes, o.seconds);
  for (const SyncBaseline& disk : report.disk) {
    absl::StrAppendFormat(&out,
                          "disk baseline: append %d B + fdatasync, %d writer(s): p50 %.3f ms, "
                          "p99 %.3f ms (%d samples each)\n",
                          o.payload_bytes, disk.writer_count, disk.p50_ms, disk.p99_ms,
                          disk.sample_count);
  }
  out += "\n";
  absl::StrAppendFormat(&out, "%-22s %5s %11s %9s %9s %9s %8s  %s\n", "system", "conc", "commits/s",
                        "p50 ms", "p99 ms", "max ms", "CPU ms/c", "fsyncs/commit (leader / all)");
  AppendRows(out, "hamster (gRPC+RocksDB)", report.hamster);
  AppendRows(out, "hamster in-process", report.in_process);
  AppendRows(out, "hamster gRPC, no disk", report.grpc_only);
  AppendRows(out, "hamster RocksDB, no net", report.rocksdb_only);
  AppendRows(out, "etcd 3.4", report.etcd);
  if (report.etcd.empty()) return out;
  absl::StrAppendFormat(&out, "\nhamster / etcd: %5s %11s %9s %9s\n", "conc", "commits/s", "p50",
                        "p99");
  for (size_t i = 0; i < report.hamster.size() && i < report.etcd.size(); ++i) {
    const CommitPhaseResult& h = report.hamster[i];
    const CommitPhaseResult& e = report.etcd[i];
    absl::StrAppendFormat(&out, "%-15s %5d %10.2fx %8.2fx %8.2fx\n", "", h.concurrency,
                          Ratio(h.commits_per_second(), e.commits_per_second()),
                          Ratio(h.p50_ms, e.p50_ms), Ratio(h.p99_ms, e.p99_ms));
  }
  const CommitPhaseResult& h_first = report.hamster.front();
  const CommitPhaseResult& e_first = report.etcd.front();
  const CommitPhaseResult& h_last = report.hamster.back();
  const CommitPhaseResult& e_last = report.etcd.back();
  const double p50_ratio = Ratio(h_first.p50_ms, e_first.p50_ms);
  const double rate_ratio = Ratio(h_last.commits_per_second(), e_last.commits_per_second());
  absl::StrAppendFormat(&out, "\ntarget p50 at concurrency %d <= %.1fx etcd's: %.2fx, %s\n",
                        h_first.concurrency, kMaxLatencyRatio, p50_ratio,
                        p50_ratio <= kMaxLatencyRatio ? "met" : "MISSED");
  absl::StrAppendFormat(&out, "target commits/s at concurrency %d >= %.1fx etcd's: %.2fx, %s\n",
                        h_last.concurrency, kMinThroughputRatio, rate_ratio,
                        rate_ratio >= kMinThroughputRatio ? "met" : "MISSED");
  for (size_t i = 0; i < report.hamster.size() && i < report.etcd.size(); ++i) {
    const double ratio = Ratio(report.hamster[i].p99_ms, report.etcd[i].p99_ms);
    absl::StrAppendFormat(&out, "target p99 at concurrency %d <= etcd's: %.2fx, %s\n",
                          report.hamster[i].concurrency, ratio, ratio <= 1.0 ? "met" : "MISSED");
  }
  return out;
}

std::string FormatRaftJson(const RaftBenchReport& report) {
  const RaftBenchOptions& o = report.options;
  std::string out = absl::StrFormat(
      "{\n  \"payload_bytes\": %d, \"seconds_per_phase\": %.3f, \"members\": 3,\n  \"disk\": [",
      o.payload_bytes, o.seconds);
  for (size_t i = 0; i < report.disk.size(); ++i) {
    const SyncBaseline& disk = report.disk[i];
    absl::StrAppendFormat(&out,
                          "%s{\"writers\": %d, \"fdatasync_p50_ms\": %.4f, "
                          "\"fdatasync_p99_ms\": %.4f, \"samples_per_writer\": %d}",
                          i > 0 ? ", " : "", disk.writer_count, disk.p50_ms, disk.p99_ms,
                          disk.sample_count);
  }
  out += "],\n";
  absl::StrAppend(&out, "  \"hamster\": ", PhasesJson(report.hamster), ",\n");
  absl::StrAppend(&out, "  \"hamster_in_process\": ", PhasesJson(report.in_process), ",\n");
  if (o.breakdown) {
    absl::StrAppend(&out, "  \"hamster_grpc_memory_storage\": ", PhasesJson(report.grpc_only),
                    ",\n");
    absl::StrAppend(&out,
                    "  \"hamster_rocksdb_in_process_delivery\": ", PhasesJson(report.rocksdb_only),
                    ",\n");
  }
  absl::StrAppend(&out, "  \"etcd\": ", PhasesJson(report.etcd), ",\n");
  std::string ratios = "[";
  for (size_t i = 0; i < report.hamster.size() && i < report.etcd.size(); ++i) {
    const CommitPhaseResult& h = report.hamster[i];
    const CommitPhaseResult& e = report.etcd[i];
    absl::StrAppendFormat(
        &ratios,
        "%s{\"concurrency\": %d, \"commits_per_second\": %.3f, \"p50\": %.3f, \"p99\": %.3f}",
        i > 0 ? ",\n    " : "\n    ", h.concurrency,
        Ratio(h.commits_per_second(), e.commits_per_second()), Ratio(h.p50_ms, e.p50_ms),
        Ratio(h.p99_ms, e.p99_ms));
  }
  absl::StrAppend(&out, "  \"hamster_to_etcd\": ", ratios, report.etcd.empty() ? "]" : "\n  ]",
                  "\n}\n");
  return out;
}

}  // namespace hamster::bench
