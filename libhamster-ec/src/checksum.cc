#include "hamster/ec/checksum.h"

#include "checksum_variants.h"

namespace hamster::ec {
namespace {

struct Implementation {
  uint64_t (*function)(const void*, size_t, uint64_t);
  std::string_view name;
};

Implementation Choose() {
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return {hamster_ec_xxh3_avx512, "avx512"};
  if (__builtin_cpu_supports("avx2")) return {hamster_ec_xxh3_avx2, "avx2"};
  return {hamster_ec_xxh3_sse2, "sse2"};
}

// Chosen once, then read-only: every variant computes the same function.
const Implementation& Selected() {
  static const Implementation implementation = Choose();
  return implementation;
}

}  // namespace

uint64_t Checksum64(std::span<const uint8_t> bytes, uint64_t seed) {
  return Selected().function(bytes.data(), bytes.size(), seed);
}

std::string_view ChecksumImplementationName() { return Selected().name; }

}  // namespace hamster::ec
