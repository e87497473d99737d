/* XXH3 for AVX512; checksum.cc picks the variant the CPU supports. */
#define XXH_VECTOR XXH_AVX512
#define HAMSTER_EC_VARIANT_SUFFIX avx512
#include "checksum_variant.inc"
