#ifndef HAMSTER_TOOLS_BENCH_S3_BENCH_H_
#define HAMSTER_TOOLS_BENCH_S3_BENCH_H_

// `hamster-bench s3`: S3 throughput, operation rates and latencies of any
// endpoint (by default a hamsterd it starts itself), each figure next to a
// baseline measured in the same run on the same machine: the raw disk under
// the data directory and the loopback network (docs/benchmarks.md).
//
// Rates are wall-clock: the server's work happens in another process, so the
// CPU time of the measuring thread (measure.h) would not see it.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cipher_baseline.h"
#include "hamster/s3/sigv4.h"
#include "s3_baseline.h"
#include "s3_workload.h"

namespace hamster::bench {

struct S3BenchOptions {
  std::string endpoint;       // http://HOST:PORT; empty: start a local hamsterd
  std::string hamsterd_path;  // the hamsterd to start when endpoint is empty
  std::string work_dir;       // the local server's data and the disk baseline's file go here
  s3::SigningCredentials credentials;
  std::string bucket;                       // empty: create a fresh one (and delete it at the end)
  std::vector<int> concurrency = {16, 64};  // small-object phases
  std::vector<int> large_concurrency = {1, 4};  // large-object phases
  double seconds = 5;                           // per timed phase
  uint64_t large_object_bytes = uint64_t{64} << 20;
  uint64_t small_object_bytes = 4096;
  uint64_t baseline_bytes = uint64_t{1} << 30;
  bool big_object = false;  // also upload and download one big_object_bytes object
  uint64_t big_object_bytes = uint64_t{4} << 30;
  pid_t server_pid = 0;  // with endpoint: the server whose memory to watch; 0: none
  bool keep_data = false;
  // Also run the large-object phases with SSE-S3 (x-amz-server-side-encryption:
  // AES256), right after the plain ones, so the overhead is a same-run ratio.
  bool sse = false;
};

struct LargeObjectResult {
  PhaseResult put;
  PhaseResult get_first;   // each object read once, after dropping the server's files from
                           // the page cache when the server is local
  PhaseResult get_repeat;  // the same objects read again for `seconds` (page-cache warm)
};

struct SmallObjectResult {
  PhaseResult put;
  PhaseResult get;
  PhaseResult head;
  PhaseResult list;  // ListObjectsV2 pages of up to 100 keys
  PhaseResult del;
  double keys_per_list = 0;
  double sync_appends_per_second = 0;          // baseline for PUT (MeasureSyncAppends)
  double loopback_round_trips_per_second = 0;  // baseline for GET, HEAD, LIST
};

struct BigObjectResult {
  uint64_t bytes = 0;
  double put_mib_per_second = 0;
  double get_mib_per_second = 0;
  uint64_t peak_rss_bytes = 0;         // VmHWM, reset just before the upload; 0: unknown
  uint64_t max_sampled_rss_bytes = 0;  // VmRSS sampled during both transfers
  int rss_sample_count = 0;
  int rss_sample_interval_ms = 0;
};

struct S3BenchReport {
  S3BenchOptions options;
  std::string endpoint;
  bool local_server = false;
  bool cold_reads = false;  // get_first read from the disk (the server's files were dropped)
  DiskBaseline disk;
  double loopback_mib_per_second = 0;
  std::optional<CipherBaseline> cipher;  // with --sse
  std::vector<LargeObjectResult> large;      // one per options.large_concurrency
  std::vector<LargeObjectResult> large_sse;  // the same with SSE-S3, when options.sse
  std::vector<SmallObjectResult> small;      // one per options.concurrency
  std::optional<BigObjectResult> big;
  uint64_t server_peak_rss_bytes = 0;  // VmHWM at the end of the run; 0: unknown

  double get_baseline_mib_per_second() const;  // min(disk read, loopback)
};

// Runs every phase; on an error, still deletes what it created and stops the
// server it started, then returns the error.
absl::StatusOr<S3BenchReport> RunS3Bench(const S3BenchOptions& options);

std::string FormatS3Table(const S3BenchReport& report);
std::string FormatS3Json(const S3BenchReport& report);

// `hamster-bench s3 [flags]`: args[0] is "s3". Returns the exit code.
int RunS3Command(const std::vector<std::string>& args);

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_S3_BENCH_H_
