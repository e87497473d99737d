#ifndef HAMSTER_EC_SRC_CHECKSUM_IMPLEMENTATIONS_H_
#define HAMSTER_EC_SRC_CHECKSUM_IMPLEMENTATIONS_H_

// The per-instruction-set builds of XXH3 (checksum_variants.h) as a table, so
// the library picks one and tests can run every one this CPU supports.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace hamster::ec::internal {

struct ChecksumImplementation {
  std::string_view name;
  uint64_t (*one_shot)(const void* bytes, size_t size, uint64_t seed);
  // The streaming functions take an XXH3 state of HAMSTER_EC_XXH3_STATE_SIZE_BYTES,
  // aligned to HAMSTER_EC_XXH3_STATE_ALIGNMENT_BYTES.
  void (*reset)(void* state, uint64_t seed);
  void (*update)(void* state, const void* bytes, size_t size);
  uint64_t (*digest)(const void* state);
};

// Every implementation this CPU can run, widest first. Checksum64 and
// Checksum64Stream use the first.
std::vector<ChecksumImplementation> SupportedChecksumImplementations();

}  // namespace hamster::ec::internal

#endif  // HAMSTER_EC_SRC_CHECKSUM_IMPLEMENTATIONS_H_
