#include "s3_workload.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"

namespace hamster::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Latency samples kept per phase, over all workers (4 bytes each); a worker
// beyond its share stops recording, so long runs report the first samples.
constexpr size_t kMaxLatencySamples = size_t{1} << 22;

struct WorkerState {
  uint64_t operation_count = 0;
  uint64_t byte_count = 0;
  Clock::time_point finished;
  std::vector<float> latencies_ms;
};

}  // namespace

absl::StatusOr<double> ProcessCpuSeconds(pid_t pid) {
  std::ifstream file(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces and parentheses: fields are
  // counted after its closing parenthesis, which starts at field 3 (state).
  const size_t name_end = stat.rfind(')');
  if (!file || name_end == std::string::npos) {
    return absl::NotFoundError(absl::StrCat("no /proc/", pid, "/stat"));
  }
  std::istringstream fields(stat.substr(name_end + 1));
  std::string field;
  uint64_t user_ticks = 0, system_ticks = 0;
  for (int number = 3; number <= 15 && fields >> field; ++number) {
    if (number == 14) user_ticks = std::strtoull(field.c_str(), nullptr, 10);
    if (number == 15) system_ticks = std::strtoull(field.c_str(), nullptr, 10);
  }
  if (!fields) return absl::InternalError(absl::StrCat("unparsable /proc/", pid, "/stat"));
  return double(user_ticks + system_ticks) / double(sysconf(_SC_CLK_TCK));
}

double Quantile(std::vector<float> values, double q) {
  if (values.empty()) return 0;
  const size_t rank = size_t(std::ceil(q * double(values.size())));
  const size_t index = std::min(values.size() - 1, rank == 0 ? 0 : rank - 1);
  std::nth_element(values.begin(), values.begin() + long(index), values.end());
  return values[index];
}

namespace {

// The state a phase's workers share, and what each of them does.
class PhaseRun {
 public:
  PhaseRun(std::vector<std::unique_ptr<S3Connection>>& connections, int concurrency,
           const PhaseOptions& options, const Operation& operation)
      : connections_(connections),
        options_(options),
        operation_(operation),
        samples_per_worker_(kMaxLatencySamples / size_t(concurrency)),
        workers_(static_cast<size_t>(concurrency)),
        start_(Clock::now()),
        deadline_(start_ + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(options.seconds))) {}

  void Work(int w) {
    WorkerState& state = workers_[size_t(w)];
    const uint64_t limit =
        options_.iteration_limits.empty() ? UINT64_MAX : options_.iteration_limits[size_t(w)];
    state.latencies_ms.reserve(std::min<uint64_t>(samples_per_worker_, limit));
    for (uint64_t i = 0; i < limit && !stop_.load(std::memory_order_relaxed); ++i) {
      const Clock::time_point begin = Clock::now();
      // Every worker does at least one operation, so a phase that follows
      // (reading what this one wrote) always has something to work on.
      if (options_.seconds > 0 && i > 0 && begin >= deadline_) break;
      absl::StatusOr<uint64_t> bytes = operation_(*connections_[size_t(w)], w, i);
      const Clock::time_point end = Clock::now();
      if (!bytes.ok()) {
        std::lock_guard<std::mutex> lock(error_mutex_);
        if (first_error_.ok()) first_error_ = bytes.status();
        stop_.store(true);
        break;
      }
      ++state.operation_count;
      state.byte_count += *bytes;
      if (state.latencies_ms.size() < samples_per_worker_) {
        state.latencies_ms.push_back(
            float(std::chrono::duration<double, std::milli>(end - begin).count()));
      }
    }
    state.finished = Clock::now();
  }

  // REQUIRES: every Work() returned.
  absl::StatusOr<PhaseResult> Summarize() {
    if (!first_error_.ok()) return first_error_;
    PhaseResult result{.concurrency = int(workers_.size())};
    Clock::time_point last = start_;
    std::vector<float> latencies;
    for (WorkerState& state : workers_) {
      result.operation_count += state.operation_count;
      result.byte_count += state.byte_count;
      result.operations_per_worker.push_back(state.operation_count);
      last = std::max(last, state.finished);
      latencies.insert(latencies.end(), state.latencies_ms.begin(), state.latencies_ms.end());
    }
    result.seconds = std::chrono::duration<double>(last - start_).count();
    result.p50_ms = Quantile(latencies, 0.50);
    result.p99_ms = Quantile(std::move(latencies), 0.99);
    return result;
  }

 private:
  std::vector<std::unique_ptr<S3Connection>>& connections_;
  const PhaseOptions& options_;
  const Operation& operation_;
  const size_t samples_per_worker_;
  std::vector<WorkerState> workers_;  // workers_[w] is written by worker w only
  std::atomic<bool> stop_{false};
  std::mutex error_mutex_;
  absl::Status first_error_;  // guarded by error_mutex_ while workers run
  const Clock::time_point start_;
  const Clock::time_point deadline_;
};

// CPU-seconds `pid` used since `start`; -1 if either reading failed.
double CpuSince(pid_t pid, const absl::StatusOr<double>& start) {
  if (!start.ok()) return -1;
  const absl::StatusOr<double> end = ProcessCpuSeconds(pid);
  return end.ok() ? *end - *start : -1;
}

}  // namespace

absl::StatusOr<PhaseResult> RunPhase(std::vector<std::unique_ptr<S3Connection>>& connections,
                                     int concurrency, const PhaseOptions& options,
                                     const Operation& operation) {
  assert(concurrency >= 1 && connections.size() >= size_t(concurrency));
  assert(options.seconds > 0 || options.iteration_limits.size() == size_t(concurrency));
  const absl::StatusOr<double> server_cpu_start =
      options.server_pid > 0 ? ProcessCpuSeconds(options.server_pid) : absl::NotFoundError("");
  const absl::StatusOr<double> client_cpu_start = ProcessCpuSeconds(getpid());
  PhaseRun run(connections, concurrency, options, operation);
  std::vector<std::thread> threads;
  for (int w = 0; w < concurrency; ++w) threads.emplace_back([&run, w] { run.Work(w); });
  for (std::thread& thread : threads) thread.join();
  absl::StatusOr<PhaseResult> result = run.Summarize();
  if (!result.ok()) return result;
  result->client_cpu_seconds = CpuSince(getpid(), client_cpu_start);
  if (options.server_pid > 0)
    result->server_cpu_seconds = CpuSince(options.server_pid, server_cpu_start);
  return result;
}

}  // namespace hamster::bench
