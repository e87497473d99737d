#include "src/checksums.h"

#include <openssl/evp.h>

#include <array>
#include <bit>
#include <cstdlib>
#include <cstring>

#include "absl/strings/match.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#include <wmmintrin.h>
#endif

namespace hamster::s3 {
namespace {

// Slicing-by-8 tables for a reflected CRC, built at compile time so there is
// no lazily initialised global: table[0] is the classic byte table, table[k]
// advances a byte through k further zero bytes.
template <typename T>
using CrcTables = std::array<std::array<T, 256>, 8>;

template <typename T>
constexpr CrcTables<T> MakeCrcTables(T reflected_polynomial) {
  CrcTables<T> tables{};
  for (uint32_t byte = 0; byte < 256; ++byte) {
    T crc = byte;
    for (int bit = 0; bit < 8; ++bit)
      crc = (crc & 1) ? (crc >> 1) ^ reflected_polynomial : crc >> 1;
    tables[0][byte] = crc;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (size_t byte = 0; byte < 256; ++byte) {
      const T previous = tables[k - 1][byte];
      tables[k][byte] = (previous >> 8) ^ tables[0][previous & 0xff];
    }
  }
  return tables;
}

constexpr CrcTables<uint32_t> kCrc32Tables = MakeCrcTables<uint32_t>(0xEDB88320u);
constexpr CrcTables<uint32_t> kCrc32cTables = MakeCrcTables<uint32_t>(0x82F63B78u);
// CRC-64/NVME: polynomial 0xAD93D23594C93659, reflected.
constexpr CrcTables<uint64_t> kCrc64NvmeTables = MakeCrcTables<uint64_t>(0x9A6C9329AC4BC9B5ull);

uint64_t LoadLittleEndian64(const uint8_t* bytes) {
  uint64_t word;
  std::memcpy(&word, bytes, sizeof(word));
  if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
  return word;
}

// The CRC register advanced over `bytes`, without the pre- and
// post-inversion every algorithm here applies around it. A 32-bit register
// occupies the low half of the word it is folded into, so one loop serves
// both widths.
template <typename T>
T RawCrc(const CrcTables<T>& table, T crc, std::span<const uint8_t> bytes) {
  const uint8_t* p = bytes.data();
  size_t size = bytes.size();
  while (size >= 8) {
    const uint64_t word = LoadLittleEndian64(p) ^ crc;
    crc = table[7][word & 0xff] ^ table[6][(word >> 8) & 0xff] ^ table[5][(word >> 16) & 0xff] ^
          table[4][(word >> 24) & 0xff] ^ table[3][(word >> 32) & 0xff] ^
          table[2][(word >> 40) & 0xff] ^ table[1][(word >> 48) & 0xff] ^ table[0][word >> 56];
    p += 8;
    size -= 8;
  }
  for (; size > 0; --size, ++p) crc = table[0][(crc ^ *p) & 0xff] ^ (crc >> 8);
  return crc;
}

template <typename T>
T ReflectedCrc(const CrcTables<T>& table, T crc, std::span<const uint8_t> bytes) {
  return ~RawCrc(table, static_cast<T>(~crc), bytes);
}

// Carry-less multiplication folding (Intel, "Fast CRC Computation for Generic
// Polynomials Using PCLMULQDQ"): a 16-byte block A followed by D more bytes
// contributes A(x)·x^(8D) to the message polynomial, which is congruent mod P
// to H·(x^(8D+64) mod P) + L·(x^(8D) mod P) for A's halves H and L: two
// carry-less products that fit in 128 bits and are XORed into the block D
// bytes on. The last 16-byte block then goes through the table. In the
// reflected bit order a carry-less product comes out multiplied by x, so the
// constants are x^(N-1) mod P; they are derived here from the polynomial,
// not copied from a paper.
struct FoldConstants {
  uint64_t by16_high;  // x^(128+64-1) mod P, multiplies the first 8 bytes
  uint64_t by16_low;   // x^(128-1) mod P, multiplies the next 8
  uint64_t by64_high;  // x^(512+64-1) mod P
  uint64_t by64_low;   // x^(512-1) mod P
};

constexpr uint64_t ReverseBits(uint64_t value, int width) {
  uint64_t reversed = 0;
  for (int bit = 0; bit < width; ++bit) reversed |= ((value >> bit) & 1) << (width - 1 - bit);
  return reversed;
}

// x^n mod P for the width-bit polynomial P (normal bit order, x^width
// implicit), as a reflected 64-bit operand: bit i is the coefficient of x^(63-i).
constexpr uint64_t ReflectedXPowMod(uint64_t normal_polynomial, int width, int n) {
  const uint64_t top = uint64_t{1} << (width - 1);
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  uint64_t remainder = 1;
  for (int i = 0; i < n; ++i) {
    const bool carry = (remainder & top) != 0;
    remainder = (remainder << 1) & mask;
    if (carry) remainder ^= normal_polynomial;
  }
  return ReverseBits(remainder, 64);
}

constexpr FoldConstants MakeFoldConstants(uint64_t reflected_polynomial, int width) {
  const uint64_t normal = ReverseBits(reflected_polynomial, width);
  return {ReflectedXPowMod(normal, width, 128 + 64 - 1), ReflectedXPowMod(normal, width, 128 - 1),
          ReflectedXPowMod(normal, width, 512 + 64 - 1), ReflectedXPowMod(normal, width, 512 - 1)};
}

constexpr FoldConstants kCrc32Fold = MakeFoldConstants(0xEDB88320u, 32);
constexpr FoldConstants kCrc32cFold = MakeFoldConstants(0x82F63B78u, 32);
constexpr FoldConstants kCrc64NvmeFold = MakeFoldConstants(0x9A6C9329AC4BC9B5ull, 64);

// Below this, setting up the folds costs more than the table.
constexpr size_t kMinFoldBytes = 256;

#if defined(__x86_64__)
__attribute__((target("pclmul,sse2"))) inline __m128i Fold(__m128i block, __m128i constants) {
  return _mm_xor_si128(_mm_clmulepi64_si128(block, constants, 0x00),
                       _mm_clmulepi64_si128(block, constants, 0x11));
}

__attribute__((target("pclmul,sse2"))) inline __m128i Load(const uint8_t* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// REQUIRES: bytes.size() >= 64. `crc` is the raw (already inverted) register.
template <typename T>
__attribute__((target("pclmul,sse2"))) T FoldedCrc(const CrcTables<T>& table,
                                                   const FoldConstants& constants, T crc,
                                                   std::span<const uint8_t> bytes) {
  const uint8_t* p = bytes.data();
  size_t size = bytes.size();
  // The register enters as an XOR into the first bytes of the message.
  __m128i lanes[4] = {_mm_xor_si128(Load(p), _mm_cvtsi64_si128(static_cast<int64_t>(crc))),
                      Load(p + 16), Load(p + 32), Load(p + 48)};
  p += 64;
  size -= 64;
  const __m128i by64 = _mm_set_epi64x(static_cast<int64_t>(constants.by64_low),
                                      static_cast<int64_t>(constants.by64_high));
  for (; size >= 64; p += 64, size -= 64) {
    for (int lane = 0; lane < 4; ++lane) {
      lanes[lane] = _mm_xor_si128(Fold(lanes[lane], by64), Load(p + 16 * lane));
    }
  }
  const __m128i by16 = _mm_set_epi64x(static_cast<int64_t>(constants.by16_low),
                                      static_cast<int64_t>(constants.by16_high));
  __m128i folded = lanes[0];
  for (int lane = 1; lane < 4; ++lane) folded = _mm_xor_si128(Fold(folded, by16), lanes[lane]);
  for (; size >= 16; p += 16, size -= 16) folded = _mm_xor_si128(Fold(folded, by16), Load(p));
  uint8_t last_block[16];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(last_block), folded);
  return RawCrc(table, RawCrc(table, T{0}, last_block), std::span<const uint8_t>(p, size));
}

__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(uint32_t crc,
                                                          std::span<const uint8_t> bytes) {
  uint64_t register_value = static_cast<uint32_t>(~crc);
  const uint8_t* p = bytes.data();
  size_t size = bytes.size();
  for (; size >= 8; p += 8, size -= 8) {
    register_value = _mm_crc32_u64(register_value, LoadLittleEndian64(p));
  }
  uint32_t crc32 = static_cast<uint32_t>(register_value);
  for (; size > 0; --size, ++p) crc32 = _mm_crc32_u8(crc32, *p);
  return ~crc32;
}

bool HasPclmul() { return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2"); }
#endif

// The reflected CRC (pre- and post-inverted) over `bytes`, folded with
// carry-less multiplication when the CPU has it and the input is long enough.
template <typename T>
T FastReflectedCrc(const CrcTables<T>& table, const FoldConstants& constants, T crc,
                   std::span<const uint8_t> bytes) {
#if defined(__x86_64__)
  if (bytes.size() >= kMinFoldBytes && HasPclmul()) {
    return ~FoldedCrc(table, constants, static_cast<T>(~crc), bytes);
  }
#endif
  (void)constants;
  return ReflectedCrc(table, crc, bytes);
}

// Operating failures of OpenSSL's digest calls are allocation failures or a
// broken library; neither is a request error, and carrying on would compute
// a wrong ETag.
void CheckOpenSsl(int result) {
  if (result != 1) std::abort();
}

class EvpHasher : public Hasher {
 public:
  explicit EvpHasher(const EVP_MD* md) : md_(md), context_(EVP_MD_CTX_new()) {
    if (context_ == nullptr) std::abort();
    Reset();
  }
  ~EvpHasher() override { EVP_MD_CTX_free(context_); }
  EvpHasher(const EvpHasher&) = delete;
  EvpHasher& operator=(const EvpHasher&) = delete;

  void Update(std::span<const uint8_t> bytes) override {
    CheckOpenSsl(EVP_DigestUpdate(context_, bytes.data(), bytes.size()));
  }
  std::string Finish() override {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    CheckOpenSsl(EVP_DigestFinal_ex(context_, digest, &size));
    return std::string(reinterpret_cast<const char*>(digest), size);
  }
  void Reset() override { CheckOpenSsl(EVP_DigestInit_ex(context_, md_, nullptr)); }

 private:
  const EVP_MD* md_;
  EVP_MD_CTX* context_;
};

template <typename T, T (*kFunction)(T, std::span<const uint8_t>)>
class CrcHasher : public Hasher {
 public:
  void Update(std::span<const uint8_t> bytes) override { crc_ = kFunction(crc_, bytes); }
  std::string Finish() override {
    std::string digest(sizeof(T), '\0');
    for (size_t i = 0; i < sizeof(T); ++i) {
      digest[i] = static_cast<char>((crc_ >> (8 * (sizeof(T) - 1 - i))) & 0xff);
    }
    return digest;
  }
  void Reset() override { crc_ = 0; }

 private:
  T crc_ = 0;
};

struct AlgorithmSpec {
  ChecksumAlgorithm algorithm;
  std::string_view name;
  size_t digest_size;
};

constexpr std::array kAlgorithms = {
    AlgorithmSpec{ChecksumAlgorithm::kCrc32, "crc32", 4},
    AlgorithmSpec{ChecksumAlgorithm::kCrc32c, "crc32c", 4},
    AlgorithmSpec{ChecksumAlgorithm::kCrc64Nvme, "crc64nvme", 8},
    AlgorithmSpec{ChecksumAlgorithm::kSha1, "sha1", 20},
    AlgorithmSpec{ChecksumAlgorithm::kSha256, "sha256", 32},
};

const AlgorithmSpec& SpecOf(ChecksumAlgorithm algorithm) {
  return kAlgorithms[static_cast<size_t>(algorithm)];
}

constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::optional<ChecksumAlgorithm> ChecksumAlgorithmFromName(std::string_view name) {
  for (const AlgorithmSpec& spec : kAlgorithms) {
    if (absl::EqualsIgnoreCase(absl::string_view(name.data(), name.size()),
                               absl::string_view(spec.name.data(), spec.name.size()))) {
      return spec.algorithm;
    }
  }
  return std::nullopt;
}

std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm) {
  return SpecOf(algorithm).name;
}

size_t ChecksumDigestSize(ChecksumAlgorithm algorithm) { return SpecOf(algorithm).digest_size; }

uint32_t Crc32(uint32_t crc, std::span<const uint8_t> bytes) {
  return FastReflectedCrc(kCrc32Tables, kCrc32Fold, crc, bytes);
}

uint32_t Crc32Software(uint32_t crc, std::span<const uint8_t> bytes) {
  return ReflectedCrc(kCrc32Tables, crc, bytes);
}

uint32_t Crc32cSoftware(uint32_t crc, std::span<const uint8_t> bytes) {
  return ReflectedCrc(kCrc32cTables, crc, bytes);
}

uint32_t Crc32c(uint32_t crc, std::span<const uint8_t> bytes) {
#if defined(__x86_64__)
  if (bytes.size() >= kMinFoldBytes && HasPclmul()) {
    return FastReflectedCrc(kCrc32cTables, kCrc32cFold, crc, bytes);
  }
  if (__builtin_cpu_supports("sse4.2")) return Crc32cHardware(crc, bytes);
#endif
  return Crc32cSoftware(crc, bytes);
}

uint64_t Crc64Nvme(uint64_t crc, std::span<const uint8_t> bytes) {
  return FastReflectedCrc(kCrc64NvmeTables, kCrc64NvmeFold, crc, bytes);
}

uint64_t Crc64NvmeSoftware(uint64_t crc, std::span<const uint8_t> bytes) {
  return ReflectedCrc(kCrc64NvmeTables, crc, bytes);
}

std::unique_ptr<Hasher> NewChecksumHasher(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return std::make_unique<CrcHasher<uint32_t, Crc32>>();
    case ChecksumAlgorithm::kCrc32c:
      return std::make_unique<CrcHasher<uint32_t, Crc32c>>();
    case ChecksumAlgorithm::kCrc64Nvme:
      return std::make_unique<CrcHasher<uint64_t, Crc64Nvme>>();
    case ChecksumAlgorithm::kSha1:
      return std::make_unique<EvpHasher>(EVP_sha1());
    case ChecksumAlgorithm::kSha256:
      return std::make_unique<EvpHasher>(EVP_sha256());
  }
  std::abort();  // every enumerator is handled above
}

std::unique_ptr<Hasher> NewMd5Hasher() { return std::make_unique<EvpHasher>(EVP_md5()); }

std::unique_ptr<Hasher> NewSha256Hasher() { return std::make_unique<EvpHasher>(EVP_sha256()); }

std::string Base64Encode(std::string_view bytes) {
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t group = (uint32_t{static_cast<uint8_t>(bytes[i])} << 16) |
                           (uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8) |
                           uint32_t{static_cast<uint8_t>(bytes[i + 2])};
    for (int shift = 18; shift >= 0; shift -= 6) text += kBase64Alphabet[(group >> shift) & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest == 0) return text;
  uint32_t group = uint32_t{static_cast<uint8_t>(bytes[i])} << 16;
  if (rest == 2) group |= uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8;
  text += kBase64Alphabet[(group >> 18) & 63];
  text += kBase64Alphabet[(group >> 12) & 63];
  text += rest == 2 ? kBase64Alphabet[(group >> 6) & 63] : '=';
  text += '=';
  return text;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 == 0 && !text.empty()) {
    size_t padding = 0;
    while (padding < 2 && text[text.size() - 1 - padding] == '=') ++padding;
    text.remove_suffix(padding);
  }
  if (text.size() % 4 == 1) return std::nullopt;
  std::string bytes;
  bytes.reserve(text.size() * 3 / 4);
  uint32_t accumulator = 0;
  int bits = 0;
  for (char c : text) {
    const int value = Base64Value(c);
    if (value < 0) return std::nullopt;  // includes '=' anywhere but the end
    accumulator = (accumulator << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes += static_cast<char>((accumulator >> bits) & 0xff);
    }
  }
  // Spare bits must be zero, so each byte string has exactly one encoding and
  // a corrupted final character cannot pass for a valid digest.
  if ((accumulator & ((1u << bits) - 1)) != 0) return std::nullopt;
  return bytes;
}

}  // namespace hamster::s3
