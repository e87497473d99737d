#include "hamster/layout/hash.h"

#include <bit>
#include <cstring>

namespace hamster::layout {
namespace {

// Odd constants with well-spread bits (the golden ratio and the splitmix64
// multipliers). Changing any of them changes every object's partition.
constexpr uint64_t kSeed = 0x9e3779b97f4a7c15;
constexpr uint64_t kMultiplierA = 0xbf58476d1ce4e5b9;
constexpr uint64_t kMultiplierB = 0x94d049bb133111eb;
constexpr uint64_t kMultiplierC = 0xd6e8feb86659fd93;

// The 128-bit product folded to 64 bits: every input bit reaches many output
// bits in one multiplication.
inline uint64_t Fold(uint64_t a, uint64_t b) {
  const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  return uint64_t(product) ^ uint64_t(product >> 64);
}

// Little-endian on every host, so big-endian nodes agree with the others.
inline uint64_t Load64(const char* p) {
  uint64_t value;
  std::memcpy(&value, p, sizeof(value));
  if constexpr (std::endian::native == std::endian::big) value = __builtin_bswap64(value);
  return value;
}

// Up to 8 trailing bytes, zero-padded (the length is mixed in separately, so
// "a" and "a\0" still differ).
inline uint64_t LoadPartial(const char* p, size_t size) {
  uint64_t value = 0;
  for (size_t i = 0; i < size; ++i) value |= uint64_t(uint8_t(p[i])) << (8 * i);
  return value;
}

// splitmix64's finaliser: a bijection that makes every output bit depend on
// every input bit.
inline uint64_t Avalanche(uint64_t x) {
  x ^= x >> 30;
  x *= kMultiplierA;
  x ^= x >> 27;
  x *= kMultiplierB;
  x ^= x >> 31;
  return x;
}

}  // namespace

uint64_t KeyHash(std::string_view bytes) {
  const char* p = bytes.data();
  size_t remaining = bytes.size();
  uint64_t state = kSeed ^ Fold(bytes.size() ^ kMultiplierC, kMultiplierA);
  while (remaining >= 16) {
    state =
        Fold(Load64(p) ^ state ^ kMultiplierA, Load64(p + 8) ^ kMultiplierB) ^ std::rotl(state, 29);
    p += 16;
    remaining -= 16;
  }
  uint64_t low = 0;
  uint64_t high = 0;
  if (remaining > 8) {
    low = Load64(p);
    high = LoadPartial(p + 8, remaining - 8);
  } else {
    low = LoadPartial(p, remaining);
  }
  state = Fold(low ^ state ^ kMultiplierA, high ^ kMultiplierB) ^ std::rotl(state, 29);
  return Avalanche(state ^ kMultiplierC);
}

}  // namespace hamster::layout
