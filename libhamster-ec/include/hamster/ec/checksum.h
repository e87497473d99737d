#ifndef HAMSTER_EC_CHECKSUM_H_
#define HAMSTER_EC_CHECKSUM_H_

// The block checksum of the shard format: 64-bit XXH3 with a seed, in one call
// (Checksum64) or fed piece by piece (Checksum64Stream). The widest SIMD
// implementation the CPU supports is chosen at first use; all produce the
// same value. Thread safety: Checksum64 is a pure function; a
// Checksum64Stream is used by one thread at a time.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace hamster::ec {

uint64_t Checksum64(std::span<const uint8_t> bytes, uint64_t seed);

// Checksum64 over a byte string given in consecutive pieces: after Reset(seed)
// and Update() with each piece in order, Digest() equals Checksum64(the whole
// string, seed), however the string was split. It lets a writer hash a block
// tile by tile while each tile is still in cache, instead of re-reading the
// whole block later. Holds no heap memory; copies are independent streams.
class Checksum64Stream {
 public:
  explicit Checksum64Stream(uint64_t seed = 0) { Reset(seed); }

  // Starts a new string hashed with `seed`, forgetting what was fed before.
  void Reset(uint64_t seed);
  void Update(std::span<const uint8_t> bytes);
  // The checksum of every byte fed since Reset(); feeding may continue after.
  uint64_t Digest() const;

 private:
  // xxHash's XXH3_state_t lives here (checksum_variant.inc checks it fits),
  // so this header needs no third-party include.
  static constexpr size_t kStateSizeBytes = 576;
  alignas(64) unsigned char state_[kStateSizeBytes];
};

// "avx512", "avx2" or "sse2": which implementation Checksum64 and
// Checksum64Stream run.
std::string_view ChecksumImplementationName();

}  // namespace hamster::ec

#endif  // HAMSTER_EC_CHECKSUM_H_
