#include "hamster/ec/checksum.h"

#include "checksum_implementations.h"
#include "checksum_variants.h"

namespace hamster::ec {
namespace internal {

std::vector<ChecksumImplementation> SupportedChecksumImplementations() {
  __builtin_cpu_init();
  std::vector<ChecksumImplementation> supported;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")) {
    supported.push_back({"avx512", hamster_ec_xxh3_avx512, hamster_ec_xxh3_reset_avx512,
                         hamster_ec_xxh3_update_avx512, hamster_ec_xxh3_digest_avx512});
  }
  if (__builtin_cpu_supports("avx2")) {
    supported.push_back({"avx2", hamster_ec_xxh3_avx2, hamster_ec_xxh3_reset_avx2,
                         hamster_ec_xxh3_update_avx2, hamster_ec_xxh3_digest_avx2});
  }
  // x86-64 always has SSE2.
  supported.push_back({"sse2", hamster_ec_xxh3_sse2, hamster_ec_xxh3_reset_sse2,
                       hamster_ec_xxh3_update_sse2, hamster_ec_xxh3_digest_sse2});
  return supported;
}

}  // namespace internal

namespace {

static_assert(sizeof(Checksum64Stream) >= HAMSTER_EC_XXH3_STATE_SIZE_BYTES);
static_assert(alignof(Checksum64Stream) >= HAMSTER_EC_XXH3_STATE_ALIGNMENT_BYTES);

// Chosen once, then read-only: every implementation computes the same function.
const internal::ChecksumImplementation& Selected() {
  static const internal::ChecksumImplementation implementation =
      internal::SupportedChecksumImplementations().front();
  return implementation;
}

}  // namespace

uint64_t Checksum64(std::span<const uint8_t> bytes, uint64_t seed) {
  return Selected().one_shot(bytes.data(), bytes.size(), seed);
}

void Checksum64Stream::Reset(uint64_t seed) { Selected().reset(state_, seed); }

void Checksum64Stream::Update(std::span<const uint8_t> bytes) {
  Selected().update(state_, bytes.data(), bytes.size());
}

uint64_t Checksum64Stream::Digest() const { return Selected().digest(state_); }

std::string_view ChecksumImplementationName() { return Selected().name; }

}  // namespace hamster::ec
