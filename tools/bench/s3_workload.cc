#include "s3_workload.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

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

double Quantile(std::vector<float> values, double q) {
  if (values.empty()) return 0;
  const size_t rank = size_t(std::ceil(q * double(values.size())));
  const size_t index = std::min(values.size() - 1, rank == 0 ? 0 : rank - 1);
  std::nth_element(values.begin(), values.begin() + long(index), values.end());
  return values[index];
}

absl::StatusOr<PhaseResult> RunPhase(std::vector<std::unique_ptr<S3Connection>>& connections,
                                     int concurrency, const PhaseLimits& limits,
                                     const Operation& operation) {
  assert(concurrency >= 1 && connections.size() >= size_t(concurrency));
  assert(limits.seconds > 0 || limits.iteration_limits.size() == size_t(concurrency));
  const size_t samples_per_worker = kMaxLatencySamples / size_t(concurrency);
  std::vector<WorkerState> workers(static_cast<size_t>(concurrency));
  std::atomic<bool> stop{false};
  std::mutex error_mutex;
  absl::Status first_error;  // guarded by error_mutex
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline = start + std::chrono::duration_cast<Clock::duration>(
                                                 std::chrono::duration<double>(limits.seconds));

  std::vector<std::thread> threads;
  for (int w = 0; w < concurrency; ++w) {
    threads.emplace_back([&, w] {
      WorkerState& state = workers[size_t(w)];
      const uint64_t limit =
          limits.iteration_limits.empty() ? UINT64_MAX : limits.iteration_limits[size_t(w)];
      state.latencies_ms.reserve(std::min<uint64_t>(samples_per_worker, limit));
      for (uint64_t i = 0; i < limit && !stop.load(std::memory_order_relaxed); ++i) {
        const Clock::time_point begin = Clock::now();
        // Every worker does at least one operation, so a phase that follows
        // (reading what this one wrote) always has something to work on.
        if (limits.seconds > 0 && i > 0 && begin >= deadline) break;
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
