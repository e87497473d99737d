#include "raft_workload.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"

namespace hamster::bench {
namespace {

using Clock = std::chrono::steady_clock;

// The q-quantile by the nearest-rank method. REQUIRES: !values.empty().
double Quantile(std::vector<double>& values, double q) {
  const size_t rank = static_cast<size_t>(std::ceil(q * values.size()));
  const size_t index = rank == 0 ? 0 : rank - 1;
  std::nth_element(values.begin(), values.begin() + index, values.end());
  return values[index];
}

struct Proposer {
  std::vector<double> latencies_ms;
  Clock::time_point last_end;
  absl::Status error;
};

}  // namespace

std::string ProposalPayload(int proposer, uint64_t iteration, size_t size_bytes) {
  std::string payload = absl::StrCat("p", proposer, "-", iteration, "-");
  // The filler varies with the iteration so consecutive payloads differ in every block.
  for (size_t i = payload.size(); i < size_bytes; ++i) {
    payload.push_back(static_cast<char>('a' + (i + iteration) % 26));
  }
  payload.resize(size_bytes);
  return payload;
}

absl::StatusOr<CommitPhaseResult> RunCommitPhase(int concurrency, double seconds,
                                                 const CommitFunction& commit) {
  std::vector<Proposer> proposers(concurrency);
  std::atomic<bool> failed{false};
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::vector<std::thread> threads;
  threads.reserve(concurrency);
  for (int p = 0; p < concurrency; ++p) {
    threads.emplace_back([&, p] {
      Proposer& me = proposers[p];
      // A commit every few tens of microseconds for `seconds`: reserve to avoid regrowth.
      me.latencies_ms.reserve(4096);
      for (uint64_t iteration = 0; !failed.load(std::memory_order_relaxed); ++iteration) {
        const Clock::time_point begin = Clock::now();
        if (iteration > 0 && begin >= deadline) break;
        absl::Status status = commit(p, iteration);
        const Clock::time_point end = Clock::now();
        if (!status.ok()) {
          me.error = absl::Status(status.code(), absl::StrCat("proposer ", p, ", commit ",
                                                              iteration, ": ", status.message()));
          failed = true;
          break;
        }
        me.latencies_ms.push_back(std::chrono::duration<double, std::milli>(end - begin).count());
        me.last_end = end;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  CommitPhaseResult result;
  result.concurrency = concurrency;
  std::vector<double> latencies;
  Clock::time_point last_end = start;
  for (Proposer& proposer : proposers) {
    if (!proposer.error.ok()) return proposer.error;
    latencies.insert(latencies.end(), proposer.latencies_ms.begin(), proposer.latencies_ms.end());
    last_end = std::max(last_end, proposer.last_end);
  }
  result.commit_count = latencies.size();
  result.seconds = std::chrono::duration<double>(last_end - start).count();
  if (!latencies.empty()) {
    result.max_ms = *std::max_element(latencies.begin(), latencies.end());
    result.p99_ms = Quantile(latencies, 0.99);
    result.p50_ms = Quantile(latencies, 0.50);
  }
  return result;
}

}  // namespace hamster::bench
