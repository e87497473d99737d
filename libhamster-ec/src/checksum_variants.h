#ifndef HAMSTER_EC_SRC_CHECKSUM_VARIANTS_H_
#define HAMSTER_EC_SRC_CHECKSUM_VARIANTS_H_

/* XXH3-64 compiled once per instruction set (checksum_*.c, from
 * checksum_variant.inc); checksum.cc picks one. The streaming functions work
 * on an XXH3_state_t held in caller memory of the size and alignment below,
 * so the public header need not include xxhash.h. */

#include <stddef.h>
#include <stdint.h>

#define HAMSTER_EC_XXH3_STATE_SIZE_BYTES 576
#define HAMSTER_EC_XXH3_STATE_ALIGNMENT_BYTES 64

#ifdef __cplusplus
extern "C" {
#endif
uint64_t hamster_ec_xxh3_sse2(const void* bytes, size_t size, uint64_t seed);
uint64_t hamster_ec_xxh3_avx2(const void* bytes, size_t size, uint64_t seed);
uint64_t hamster_ec_xxh3_avx512(const void* bytes, size_t size, uint64_t seed);

void hamster_ec_xxh3_reset_sse2(void* state, uint64_t seed);
void hamster_ec_xxh3_reset_avx2(void* state, uint64_t seed);
void hamster_ec_xxh3_reset_avx512(void* state, uint64_t seed);

void hamster_ec_xxh3_update_sse2(void* state, const void* bytes, size_t size);
void hamster_ec_xxh3_update_avx2(void* state, const void* bytes, size_t size);
void hamster_ec_xxh3_update_avx512(void* state, const void* bytes, size_t size);

uint64_t hamster_ec_xxh3_digest_sse2(const void* state);
uint64_t hamster_ec_xxh3_digest_avx2(const void* state);
uint64_t hamster_ec_xxh3_digest_avx512(const void* state);
#ifdef __cplusplus
}
#endif

#endif /* HAMSTER_EC_SRC_CHECKSUM_VARIANTS_H_ */
