// Digests a request payload is checked against: the x-amz-checksum-*
// algorithms (CRC32 with zlib's polynomial, CRC32C, CRC64NVME, SHA-1,
// SHA-256), MD5 for ETags and Content-MD5, and the base64 they travel in.
// Every hasher streams: Update() any number of times, then Finish().
// Thread safety: a Hasher is used by one thread at a time; the free
// functions are pure.
#ifndef HAMSTER_S3_SRC_CHECKSUMS_H_
#define HAMSTER_S3_SRC_CHECKSUMS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace hamster::s3 {

enum class ChecksumAlgorithm { kCrc32, kCrc32c, kCrc64Nvme, kSha1, kSha256 };

// "crc32", "crc32c", "crc64nvme", "sha1", "sha256": the suffix of the
// x-amz-checksum-<name> header. Lookup is case-insensitive.
std::optional<ChecksumAlgorithm> ChecksumAlgorithmFromName(std::string_view name);
std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm);
// Bytes of the raw digest (4 for CRC32, 8 for CRC64NVME, 32 for SHA-256...).
size_t ChecksumDigestSize(ChecksumAlgorithm algorithm);

class Hasher {
 public:
  virtual ~Hasher() = default;
  virtual void Update(std::span<const uint8_t> bytes) = 0;
  // The raw digest of everything since construction or Reset(); CRCs are
  // big-endian, as S3 sends them. Call Reset() before hashing again.
  virtual std::string Finish() = 0;
  virtual void Reset() = 0;
};

std::unique_ptr<Hasher> NewChecksumHasher(ChecksumAlgorithm algorithm);
std::unique_ptr<Hasher> NewMd5Hasher();
std::unique_ptr<Hasher> NewSha256Hasher();

// One-shot CRCs; `crc` continues a previous result (0 to start). They use
// carry-less multiplication (PCLMULQDQ) or the CRC32 instruction when the CPU
// has them. The *Software versions are the portable table path, exposed so
// tests can compare the two.
uint32_t Crc32(uint32_t crc, std::span<const uint8_t> bytes);
uint32_t Crc32c(uint32_t crc, std::span<const uint8_t> bytes);
uint64_t Crc64Nvme(uint64_t crc, std::span<const uint8_t> bytes);
uint32_t Crc32Software(uint32_t crc, std::span<const uint8_t> bytes);
uint32_t Crc32cSoftware(uint32_t crc, std::span<const uint8_t> bytes);
uint64_t Crc64NvmeSoftware(uint64_t crc, std::span<const uint8_t> bytes);

// Standard base64 (RFC 4648 section 4) with padding.
std::string Base64Encode(std::string_view bytes);
// Accepts padded or unpadded input; nullopt for characters outside the
// alphabet, misplaced padding, an impossible length or non-zero spare bits.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace hamster::s3

#endif  // HAMSTER_S3_SRC_CHECKSUMS_H_
