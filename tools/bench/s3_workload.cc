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

absl::StatusOr<PhaseResult> RunPhase(std::vector<std::unique_ptr<S3Connection>>& connections,
                                     int concurrency, const PhaseOptions& options,
                                     const Operation& operation) {
  assert(concurrency >= 1 && connections.size() >= size_t(concurrency));
  assert(options.seconds > 0 || options.iteration_limits.size() == size_t(concurrency));
  const size_t samples_per_worker = kMaxLatencySamples / size_t(concurrency);
  std::vector<WorkerState> workers(static_cast<size_t>(concurrency));
  std::atomic<bool> stop{false};
  const absl::StatusOr<double> server_cpu_start =
      options.server_pid > 0 ? ProcessCpuSeconds(options.server_pid) : absl::NotFoundError("");
  const absl::StatusOr<double> client_cpu_start = ProcessCpuSeconds(getpid());
  std::mutex error_mutex;
  absl::Status first_error;  // guarded by error_mutex
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(options.seconds));

  std::vector<std::thread> threads;
  for (int w = 0; w < concurrency; ++w) {
    threads.emplace_back([&, w] {
      WorkerState& state = workers[size_t(w)];
      const uint64_t limit =
          options.iteration_limits.empty() ? UINT64_MAX : options.iteration_limits[size_t(w)];
      state.latencies_ms.reserve(std::min<uint64_t>(samples_per_worker, limit));
      for (uint64_t i = 0; i < limit && !stop.load(std::memory_order_relaxed); ++i) {
        const Clock::time_point begin = Clock::now();
        // Every worker does at least one operation, so a phase that follows
        // (reading what this one wrote) always has something to work on.
        if (options.seconds > 0 && i > 0 && begin >= deadline) break;
        absl::StatusOr<uint64_t> bytes = operation(*connections[size_t(w)], w, i);
        const Clock::time_point end = Clock::now();
        if (!bytes.ok()) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (first_error.ok()) first_error = bytes.status();
          stop.store(true);
          break;
        }
        ++state.operation_count;
        state.byte_count += *bytes;
        if (state.latencies_ms.size() < samples_per_worker) {
          state.latencies_ms.push_back(
              float(std::chrono::duration<double, std::milli>(end - begin).count()));
        }
      }
      state.finished = Clock::now();
    });
  }
  for (std::thread& thread : threads) thread.join();
  if (!first_error.ok()) return first_error;

  PhaseResult result{.concurrency = concurrency};
  const absl::StatusOr<double> client_cpu_end = ProcessCpuSeconds(getpid());
  if (client_cpu_start.ok() && client_cpu_end.ok()) {
    result.client_cpu_seconds = *client_cpu_end - *client_cpu_start;
  }
  if (server_cpu_start.ok()) {
    const absl::StatusOr<double> server_cpu_end = ProcessCpuSeconds(options.server_pid);
    if (server_cpu_end.ok()) result.server_cpu_seconds = *server_cpu_end - *server_cpu_start;
  }
  Clock::time_point last = start;
  std::vector<float> latencies;
  for (WorkerState& state : workers) {
    result.operation_count += state.operation_count;
    result.byte_count += state.byte_count;
    result.operations_per_worker.push_back(state.operation_count);
    last = std::max(last, state.finished);
    latencies.insert(latencies.end(), state.latencies_ms.begin(), state.latencies_ms.end());
  }
  result.seconds = std::chrono::duration<double>(last - start).count();
  result.p50_ms = Quantile(latencies, 0.50);
  result.p99_ms = Quantile(std::move(latencies), 0.99);
  return result;
}

}  // namespace hamster::bench
