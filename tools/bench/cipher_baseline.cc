#include "cipher_baseline.h"

#include <time.h>

#include <random>
#include <vector>

#include "hamster/crypto/segment_cipher.h"
#include "measure.h"

namespace hamster::bench {
namespace {

constexpr size_t kBufferBytes = 8 * kMebibyte;

// CPU time of the calling thread: the machine is shared, wall-clock would count others' work.
double ThreadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return double(now.tv_sec) + double(now.tv_nsec) * 1e-9;
}

// Runs `pass` (one pass over the buffer) until `seconds` of thread CPU time went by;
// plaintext MiB per CPU-second.
template <typename Pass>
absl::StatusOr<double> MibPerCpuSecond(double seconds, Pass pass) {
  const double start = ThreadCpuSeconds();
  uint64_t bytes = 0;
  do {
    if (absl::Status s = pass(); !s.ok()) return s;
    bytes += kBufferBytes;
  } while (ThreadCpuSeconds() - start < seconds);
  return double(bytes) / kMebibyte / (ThreadCpuSeconds() - start);
}

}  // namespace

absl::StatusOr<CipherBaseline> MeasureSegmentCipher(double seconds) {
  const uint32_t chunk = crypto::kDefaultChunkBytes;
  crypto::Key key{};
  std::mt19937_64 rng(0x5e5);
  for (uint8_t& byte : key) byte = uint8_t(rng());
  const std::vector<uint8_t> data_id(16, 0xd1);
  absl::StatusOr<std::unique_ptr<crypto::SegmentCipher>> cipher =
      crypto::SegmentCipher::Create(key, data_id, chunk);
  if (!cipher.ok()) return cipher.status();
  std::vector<uint8_t> plain(kBufferBytes);
  for (uint8_t& byte : plain) byte = uint8_t(rng());
  const size_t chunks = kBufferBytes / chunk;
  std::vector<uint8_t> sealed(chunks * (chunk + crypto::kTagBytes));
  auto sealed_chunk = [&](size_t i) {
    return std::span<uint8_t>(sealed).subspan(i * (chunk + crypto::kTagBytes),
                                              chunk + crypto::kTagBytes);
  };
  auto plain_chunk = [&](size_t i) { return std::span<uint8_t>(plain).subspan(i * chunk, chunk); };
  CipherBaseline baseline;
  absl::StatusOr<double> seal = MibPerCpuSecond(seconds / 2, [&]() -> absl::Status {
    for (size_t i = 0; i < chunks; ++i) {
      if (absl::Status s = (*cipher)->Seal(i, i + 1 == chunks, plain_chunk(i), sealed_chunk(i));
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  });
  if (!seal.ok()) return seal.status();
  baseline.seal_mib_per_cpu_second = *seal;
  absl::StatusOr<double> open = MibPerCpuSecond(seconds / 2, [&]() -> absl::Status {
    for (size_t i = 0; i < chunks; ++i) {
      if (absl::Status s = (*cipher)->Open(i, i + 1 == chunks, sealed_chunk(i), plain_chunk(i));
          !s.ok()) {
        return s;
      }
    }
    return absl::OkStatus();
  });
  if (!open.ok()) return open.status();
  baseline.open_mib_per_cpu_second = *open;
  return baseline;
}

}  // namespace hamster::bench
