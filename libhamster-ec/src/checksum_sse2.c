/* XXH3 for SSE2; checksum.cc picks the variant the CPU supports. */
#define XXH_VECTOR XXH_SSE2
#define HAMSTER_EC_VARIANT_SUFFIX sse2
#include "checksum_variant.inc"
