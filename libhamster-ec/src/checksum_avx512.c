/* XXH3 compiled for one instruction set; checksum.cc picks the variant the
 * CPU supports. Plain C, so no inline C++ function compiled with wider
 * instructions can leak into code that runs on older CPUs. */
#include <stddef.h>
#include <stdint.h>

#define XXH_INLINE_ALL
#define XXH_VECTOR XXH_AVX512
#include <xxhash.h>

uint64_t hamster_ec_xxh3_avx512(const void* bytes, size_t size, uint64_t seed) {
  return XXH3_64bits_withSeed(bytes, size, seed);
}
