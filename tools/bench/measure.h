#ifndef HAMSTER_TOOLS_BENCH_MEASURE_H_
#define HAMSTER_TOOLS_BENCH_MEASURE_H_

// Throughput measurement for hamster-bench. Every rate is bytes per CPU-second
// of the measuring thread (CLOCK_THREAD_CPUTIME_ID), so time the scheduler
// gives to other processes on this shared 2-core machine does not count; cache
// and memory-bandwidth contention still does, which is why results are always
// reported next to a memcpy baseline measured in the same run.
//
// Thread safety: everything here is used from one thread.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <vector>

#include "absl/functional/function_ref.h"

namespace hamster::bench {

inline constexpr double kBytesPerGigabyte = 1e9;
inline constexpr size_t kMebibyte = size_t{1} << 20;

// CPU time consumed so far by the calling thread.
double ThreadCpuSeconds();

struct MeasureOptions {
  // CPU time of the timed runs of one figure, split evenly into `repetitions`.
  double seconds = 0.5;
  int repetitions = 5;
};

struct Rate {
  double gigabytes_per_second = 0;  // median over the repetitions
  double spread = 0;                // (max - min) / median over the repetitions
};

// Runs `operation` for a warm-up, then `repetitions` timed runs of about
// seconds / repetitions CPU-seconds each. `bytes_per_operation` is what one
// call counts for. REQUIRES: options.seconds > 0, options.repetitions >= 1.
Rate MeasureRate(absl::FunctionRef<void()> operation, uint64_t bytes_per_operation,
                 const MeasureOptions& options);

// The baseline of every benchmark: single-thread memcpy of `size_bytes` from
// `source` into a fresh aligned buffer.
Rate MeasureMemcpy(const uint8_t* source, size_t size_bytes, const MeasureOptions& options);

// Tells the compiler memory was read and written here, so stores into a
// buffer nobody reads (a memcpy destination) are not optimised away.
inline void ClobberMemory() { asm volatile("" : : : "memory"); }

template <typename T>
inline void DoNotOptimize(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

// A heap buffer aligned to 64 bytes, as the region kernels require.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t size_bytes);

  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_bytes_; }
  std::span<uint8_t> span() { return {data_.get(), size_bytes_}; }
  std::span<const uint8_t> span() const { return {data_.get(), size_bytes_}; }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t[], Free> data_;
  size_t size_bytes_ = 0;
};

// Fills `bytes` with pseudo-random bytes: same seed, same bytes.
void FillRandom(std::span<uint8_t> bytes, uint64_t seed);

double Median(std::vector<double> values);

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_MEASURE_H_
