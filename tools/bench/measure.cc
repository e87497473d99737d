#include "measure.h"

#include <time.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <random>

namespace hamster::bench {
namespace {

// Reading the thread CPU clock is a system call (~0.3 µs); batches of at least
// this long keep it out of the figures.
constexpr double kMinBatchSeconds = 0.001;
// The warm-up faults in the buffers, fills the caches and lets the CPU settle
// its frequency; it also tells how long one operation takes.
constexpr double kMaxWarmUpSeconds = 0.1;

// Runs batches of `batch` operations until at least `seconds` of CPU time
// passed; returns bytes per CPU-second.
double TimedRun(absl::FunctionRef<void()> operation, uint64_t bytes_per_operation, uint64_t batch,
                double seconds) {
  uint64_t operations = 0;
  const double start = ThreadCpuSeconds();
  double elapsed = 0;
  do {
    for (uint64_t i = 0; i < batch; ++i) operation();
    operations += batch;
    elapsed = ThreadCpuSeconds() - start;
  } while (elapsed < seconds);
  return double(operations) * double(bytes_per_operation) / elapsed;
}

}  // namespace

double ThreadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return double(now.tv_sec) + double(now.tv_nsec) * 1e-9;
}

Rate MeasureRate(absl::FunctionRef<void()> operation, uint64_t bytes_per_operation,
                 const MeasureOptions& options) {
  assert(options.seconds > 0 && options.repetitions >= 1);
  const double run_seconds = options.seconds / options.repetitions;
  const double warm_up_seconds = std::min(kMaxWarmUpSeconds, run_seconds);
  uint64_t warm_up_operations = 0;
  const double start = ThreadCpuSeconds();
  double elapsed = 0;
  do {
    operation();
    ++warm_up_operations;
    elapsed = ThreadCpuSeconds() - start;
  } while (elapsed < warm_up_seconds || warm_up_operations < 2);
  const double operation_seconds = elapsed / double(warm_up_operations);
  const uint64_t batch = std::max<uint64_t>(1, uint64_t(kMinBatchSeconds / operation_seconds));

  std::vector<double> rates;
  for (int r = 0; r < options.repetitions; ++r) {
    rates.push_back(TimedRun(operation, bytes_per_operation, batch, run_seconds));
  }
  const auto [low, high] = std::minmax_element(rates.begin(), rates.end());
  const double median = Median(rates);
  return Rate{.gigabytes_per_second = median / kBytesPerGigabyte,
              .spread = median > 0 ? (*high - *low) / median : 0};
}

AlignedBuffer::AlignedBuffer(size_t size_bytes) : size_bytes_(size_bytes) {
  const size_t rounded = (size_bytes + 63) / 64 * 64;
  if (rounded == 0) return;
  data_.reset(static_cast<uint8_t*>(std::aligned_alloc(64, rounded)));
  if (data_ == nullptr) std::abort();  // out of memory: a benchmark cannot go on
}

void FillRandom(std::span<uint8_t> bytes, uint64_t seed) {
  std::mt19937_64 random(seed);
  size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    const uint64_t word = random();
    std::memcpy(bytes.data() + i, &word, 8);
  }
  for (; i < bytes.size(); ++i) bytes[i] = uint8_t(random());
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

Rate MeasureMemcpy(const uint8_t* source, size_t size_bytes, const MeasureOptions& options) {
  AlignedBuffer destination(size_bytes);
  std::memset(destination.data(), 0, destination.size());
  return MeasureRate(
      [&] {
        std::memcpy(destination.data(), source, size_bytes);
        ClobberMemory();
      },
      size_bytes, options);
}

}  // namespace hamster::bench
