#ifndef HAMSTER_EC_CHECKSUM_H_
#define HAMSTER_EC_CHECKSUM_H_

// The block checksum of the shard format: 64-bit XXH3 with a seed. The widest
// SIMD implementation the CPU supports is chosen at first use; all produce the
// same value. Thread safety: pure functions.

#include <cstdint>
#include <span>
#include <string_view>

namespace hamster::ec {

uint64_t Checksum64(std::span<const uint8_t> bytes, uint64_t seed);

// "avx512", "avx2" or "sse2": which implementation Checksum64 runs.
std::string_view ChecksumImplementationName();

}  // namespace hamster::ec

#endif  // HAMSTER_EC_CHECKSUM_H_
