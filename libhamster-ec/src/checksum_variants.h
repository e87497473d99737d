#ifndef HAMSTER_EC_SRC_CHECKSUM_VARIANTS_H_
#define HAMSTER_EC_SRC_CHECKSUM_VARIANTS_H_

// XXH3-64 compiled once per instruction set (checksum_*.c); checksum.cc picks one.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
uint64_t hamster_ec_xxh3_sse2(const void* bytes, size_t size, uint64_t seed);
uint64_t hamster_ec_xxh3_avx2(const void* bytes, size_t size, uint64_t seed);
uint64_t hamster_ec_xxh3_avx512(const void* bytes, size_t size, uint64_t seed);
#ifdef __cplusplus
}
#endif

#endif  // HAMSTER_EC_SRC_CHECKSUM_VARIANTS_H_
