#ifndef HAMSTER_TOOLS_BENCH_S3_BASELINE_H_
#define HAMSTER_TOOLS_BENCH_S3_BASELINE_H_

// The baselines `hamster-bench s3` measures in the same run as the S3
// figures, on the same machine: what the disk under the data directory and
// the loopback network can do with nothing in between. All rates are
// wall-clock, as the S3 figures are.
//
// Thread safety: each function runs on the calling thread plus threads it
// starts and joins itself.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace hamster::bench {

// Buffered I/O and O_DIRECT are both measured because they differ a lot on
// some machines (on our VMs buffered writeback reaches a fraction of what
// O_DIRECT does); the baseline is the faster, i.e. what the disk can do.
struct DiskBaseline {
  double write_mib_per_second = 0;           // max of the two writes below
  double read_mib_per_second = 0;            // max of the two reads below
  double buffered_write_mib_per_second = 0;  // write() of 8 MiB pieces, then one fdatasync
  double direct_write_mib_per_second = 0;    // the same with O_DIRECT; 0: not supported here
  double buffered_read_mib_per_second = 0;   // pread() of 8 MiB pieces after DONTNEED
  double direct_read_mib_per_second = 0;     // the same with O_DIRECT; 0: not supported here
  uint64_t bytes = 0;
  // Share of the file's pages still in the page cache when the read began
  // (mincore): 0 unless the kernel kept some despite DONTNEED.
  double resident_fraction_before_read = 0;
};

// Writes a `bytes` file in `dir` (then deletes it): buffered writes of 8 MiB
// and one fdatasync, timed together; then posix_fadvise(DONTNEED) and a
// sequential read of 8 MiB pieces. Then the same through O_DIRECT into a
// second file, unless the file system refuses O_DIRECT. kUnavailable on an
// I/O error.
absl::StatusOr<DiskBaseline> MeasureDisk(const std::string& dir, uint64_t bytes);

// One TCP stream over 127.0.0.1: a thread sends 1 MiB pieces for `seconds`,
// another receives them. MiB/s received.
absl::StatusOr<double> MeasureLoopbackStream(double seconds);

// `concurrency` threads each appending `size_bytes` + fdatasync to a file of
// their own in `dir` for `seconds`: what one durable small write per
// operation costs on this disk. Operations per second, all threads together.
absl::StatusOr<double> MeasureSyncAppends(const std::string& dir, int concurrency,
                                          size_t size_bytes, double seconds);

// `concurrency` client threads, each with its own connection over 127.0.0.1
// to its own echo thread: a 256-byte request answered by `response_bytes`,
// one at a time per connection. Round trips per second, all together: the
// cost of a request/response exchange through the kernel with no server work.
absl::StatusOr<double> MeasureLoopbackRoundTrips(int concurrency, size_t response_bytes,
                                                 double seconds);

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_S3_BASELINE_H_
