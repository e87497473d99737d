// Encryption at rest of object data (docs/encryption.md): the bytes stored
// under one data id (a segment) are cut into fixed-size plaintext chunks, and
// each chunk is sealed with AES-256-GCM into chunk || 16-byte tag. A ranged
// read decrypts only the chunks it covers; a changed, swapped, reordered or
// truncated chunk fails authentication instead of yielding wrong bytes.
//
//   segment key  = HKDF-Expand-SHA256(data key, "hamster-sse-1" || data id, 32)
//   nonce(i)     = 0x00000000 || BE64(i)          (unique: one key per segment)
//   aad(i)       = "hamster-sse-1" || data id || BE64(i) || final flag byte
//
// The data id is random per segment, so no two segments share a key even
// when they share a data key (multipart parts, SSE-C), and the final flag
// makes dropping trailing chunks detectable from the ciphertext alone.
//
// Thread safety: a SegmentCipher is used by one thread at a time; the free
// functions are pure.
#ifndef HAMSTER_CRYPTO_SEGMENT_CIPHER_H_
#define HAMSTER_CRYPTO_SEGMENT_CIPHER_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hamster::crypto {

inline constexpr size_t kKeyBytes = 32;
inline constexpr size_t kTagBytes = 16;
inline constexpr uint32_t kDefaultChunkBytes = 64 * 1024;
inline constexpr uint32_t kMaxChunkBytes = 16 * 1024 * 1024;

using Key = std::array<uint8_t, kKeyBytes>;

// Stored bytes of `plaintext_bytes` sealed in chunks of `chunk_bytes`.
uint64_t CiphertextSize(uint64_t plaintext_bytes, uint32_t chunk_bytes);
// The inverse; nullopt when no plaintext size seals to `ciphertext_bytes`.
std::optional<uint64_t> PlaintextSize(uint64_t ciphertext_bytes, uint32_t chunk_bytes);

class SegmentCipher {
 public:
  // kInvalidArgument unless 1 <= chunk_bytes <= kMaxChunkBytes and the data
  // id is not empty; kInternal if OpenSSL fails.
  static absl::StatusOr<std::unique_ptr<SegmentCipher>> Create(const Key& data_key,
                                                               std::span<const uint8_t> data_id,
                                                               uint32_t chunk_bytes);
  ~SegmentCipher();
  SegmentCipher(const SegmentCipher&) = delete;
  SegmentCipher& operator=(const SegmentCipher&) = delete;

  uint32_t chunk_bytes() const { return chunk_bytes_; }

  // Seals chunk `index` into `out` (plaintext then tag).
  // REQUIRES: 1 <= plaintext.size() <= chunk_bytes(), and
  // out.size() == plaintext.size() + kTagBytes.
  absl::Status Seal(uint64_t index, bool final, std::span<const uint8_t> plaintext,
                    std::span<uint8_t> out);
  // Opens a sealed chunk into `out`; kDataLoss if it does not authenticate
  // (tampered, another chunk's or segment's, a final flag that differs).
  // REQUIRES: out.size() + kTagBytes == sealed.size(), out not empty.
  absl::Status Open(uint64_t index, bool final, std::span<const uint8_t> sealed,
                    std::span<uint8_t> out);

 private:
  struct Contexts;
  SegmentCipher(std::unique_ptr<Contexts> contexts, std::span<const uint8_t> data_id,
                uint32_t chunk_bytes);
  void MakeNonceAndAad(uint64_t index, bool final);

  std::unique_ptr<Contexts> contexts_;
  std::vector<uint8_t> aad_;  // prefix || data id || index || flag; the tail is rewritten
  std::array<uint8_t, 12> nonce_{};
  uint32_t chunk_bytes_;
};

}  // namespace hamster::crypto

#endif  // HAMSTER_CRYPTO_SEGMENT_CIPHER_H_
