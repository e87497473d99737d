// What AES-256-GCM costs one core here, through the SegmentCipher and chunk size hamsterd
// uses for SSE: the least CPU any encrypted PUT or GET adds to a plain one.
#ifndef HAMSTER_TOOLS_BENCH_CIPHER_BASELINE_H_
#define HAMSTER_TOOLS_BENCH_CIPHER_BASELINE_H_

#include "absl/status/statusor.h"

namespace hamster::bench {

struct CipherBaseline {
  double seal_mib_per_cpu_second = 0;  // plaintext MiB sealed per CPU-second of one thread
  double open_mib_per_cpu_second = 0;  // plaintext MiB opened (authenticated) per CPU-second
};

// Seals, then opens, 8 MiB in 64 KiB chunks over and over for about `seconds` in all.
absl::StatusOr<CipherBaseline> MeasureSegmentCipher(double seconds);

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_CIPHER_BASELINE_H_
