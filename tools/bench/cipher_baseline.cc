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

// Runs `operation` on every chunk of the buffer, over and over, until `seconds` of thread CPU
// time went by; plaintext MiB per CPU-second.
template <typename ChunkOperation>
absl::StatusOr<double> MibPerCpuSecond(double seconds, size_t chunk_count,
                                       ChunkOperation operation) {
  const double start = ThreadCpuSeconds();
  uint64_t bytes = 0;
  do {
    for (size_t i = 0; i < chunk_count; ++i) {
      if (absl::Status s = operation(i, i + 1 == chunk_count); !s.ok()) return s;
    }
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
  crypto::SegmentCipher& segment = **cipher;
  absl::StatusOr<double> seal =
      MibPerCpuSecond(seconds / 2, chunks, [&](size_t i, bool final) {
        return segment.Seal(i, final, plain_chunk(i), sealed_chunk(i));
      });
  if (!seal.ok()) return seal.status();
  absl::StatusOr<double> open =
      MibPerCpuSecond(seconds / 2, chunks, [&](size_t i, bool final) {
        return segment.Open(i, final, sealed_chunk(i), plain_chunk(i));
      });
  if (!open.ok()) return open.status();
  return CipherBaseline{.seal_mib_per_cpu_second = *seal, .open_mib_per_cpu_second = *open};
}

}  // namespace hamster::bench
