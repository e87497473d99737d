/* XXH3 for AVX2; checksum.cc picks the variant the CPU supports. */
#define XXH_VECTOR XXH_AVX2
#define HAMSTER_EC_VARIANT_SUFFIX avx2
#include "checksum_variant.inc"
