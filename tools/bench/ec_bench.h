#ifndef HAMSTER_TOOLS_BENCH_EC_BENCH_H_
#define HAMSTER_TOOLS_BENCH_EC_BENCH_H_

// `hamster-bench ec`: erasure-coding throughput of libhamster-ec for the
// profiles 4+2, 8+3 and 10+4 with 1 MiB blocks, each figure next to a memcpy of
// the same k MiB measured in the same run, and checked against the targets of
// docs/benchmarks.md.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hamster/ec/codec.h"
#include "measure.h"

namespace hamster::bench {

struct EcProfile {
  int data_shard_count = 0;    // k
  int parity_shard_count = 0;  // m
};

inline constexpr EcProfile kEcProfiles[] = {{4, 2}, {8, 3}, {10, 4}};
inline constexpr size_t kEcBlockSizeBytes = kMebibyte;
// StreamEncoder's tile (internal::kCacheTileBytes in libhamster-ec).
inline constexpr size_t kEcTileBytes = 64 * 1024;

struct EcBenchOptions {
  MeasureOptions measure;
  ec::Kernel kernel = ec::Kernel::kAuto;
  // Stripes of the object ObjectDecoder::ReadAll reads per timed operation.
  int object_stripe_count = 4;
};

// Every rate is GB/s (1e9 bytes) per CPU-second of object data, i.e. k MiB
// per stripe, except checksum, which counts the bytes it hashes.
struct EcProfileResult {
  EcProfile profile;
  Rate memcpy;               // memcpy of the k MiB of one stripe into another buffer
  Rate encode_kernel;        // Codec::EncodeRegions on k 1 MiB regions
  Rate encode_kernel_tiled;  // the same in 64 KiB column tiles, as StreamEncoder calls it
  Rate encode_pipeline;      // StreamEncoder, zero-copy, discarding sink: kernel + checksums
  Rate decode_kernel;        // RegionDecoder rebuilding m lost data regions from k survivors
  Rate decode_object;        // ObjectDecoder::ReadAll, m data shards missing, reused buffers
  Rate decode_object_fresh;  // the same with a fresh DecodeBuffers per GET
  Rate read_healthy;         // ObjectDecoder::ReadAll with every shard present (no arithmetic)
  Rate checksum;             // Checksum64 over the k + m 1 MiB blocks of a stripe, in turn

  // Seconds per stripe, from the rates above.
  double encode_kernel_seconds() const;
  double encode_kernel_tiled_seconds() const;
  double encode_pipeline_seconds() const;
  double checksum_seconds() const;  // hashing the stripe's k + m blocks
  double stripe_bytes() const;      // k MiB
};

struct EcBenchReport {
  std::string kernel;                   // ec::KernelName of the kernel that ran
  std::string checksum_implementation;  // ec::ChecksumImplementationName()
  MeasureOptions measure;
  int object_stripe_count = 0;
  std::vector<EcProfileResult> profiles;
};

// Returns InvalidArgument if the kernel is not in this build, Internal if a
// decode does not give back the original bytes.
absl::StatusOr<EcBenchReport> RunEcBench(const EcBenchOptions& options);

std::string FormatEcTable(const EcBenchReport& report);
std::string FormatEcJson(const EcBenchReport& report);

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_EC_BENCH_H_
