#include "hamster/crypto/segment_cipher.h"

#include <openssl/evp.h>

#include <cassert>
#include <cstring>
#include <string_view>

#include "hamster/crypto/key_wrap.h"

namespace hamster::crypto {
namespace {

constexpr std::string_view kDomain = "hamster-sse-1";

void PutBigEndian64(uint64_t value, uint8_t* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = uint8_t(value);
    value >>= 8;
  }
}

}  // namespace

uint64_t CiphertextSize(uint64_t plaintext_bytes, uint32_t chunk_bytes) {
  const uint64_t chunks = (plaintext_bytes + chunk_bytes - 1) / chunk_bytes;
  return plaintext_bytes + chunks * kTagBytes;
}

std::optional<uint64_t> PlaintextSize(uint64_t ciphertext_bytes, uint32_t chunk_bytes) {
  if (chunk_bytes == 0) return std::nullopt;
  const uint64_t sealed_chunk = uint64_t{chunk_bytes} + kTagBytes;
  const uint64_t chunks = (ciphertext_bytes + sealed_chunk - 1) / sealed_chunk;
  // Every chunk holds at least one byte besides its tag.
  if (ciphertext_bytes < chunks * (kTagBytes + 1) && ciphertext_bytes != 0) return std::nullopt;
  const uint64_t plaintext = ciphertext_bytes - chunks * kTagBytes;
  if (CiphertextSize(plaintext, chunk_bytes) != ciphertext_bytes) return std::nullopt;
  return plaintext;
}

struct SegmentCipher::Contexts {
  EVP_CIPHER_CTX* seal = nullptr;
  EVP_CIPHER_CTX* open = nullptr;
  ~Contexts() {
    EVP_CIPHER_CTX_free(seal);
    EVP_CIPHER_CTX_free(open);
  }
};

absl::StatusOr<std::unique_ptr<SegmentCipher>> SegmentCipher::Create(
    const Key& data_key, std::span<const uint8_t> data_id, uint32_t chunk_bytes) {
  if (chunk_bytes == 0 || chunk_bytes > kMaxChunkBytes) {
    return absl::InvalidArgumentError("encryption chunk size out of range");
  }
  if (data_id.empty()) return absl::InvalidArgumentError("encryption needs a data id");
  std::vector<uint8_t> info(kDomain.begin(), kDomain.end());
  info.insert(info.end(), data_id.begin(), data_id.end());
  const Key segment_key = ExpandKey(data_key, info);
  auto contexts = std::make_unique<Contexts>();
  contexts->seal = EVP_CIPHER_CTX_new();
  contexts->open = EVP_CIPHER_CTX_new();
  // The key schedule is computed once; each chunk only sets its nonce.
  if (contexts->seal == nullptr || contexts->open == nullptr ||
      EVP_EncryptInit_ex(contexts->seal, EVP_aes_256_gcm(), nullptr, segment_key.data(), nullptr) !=
          1 ||
      EVP_DecryptInit_ex(contexts->open, EVP_aes_256_gcm(), nullptr, segment_key.data(), nullptr) !=
          1) {
    return absl::InternalError("OpenSSL could not set up AES-256-GCM");
  }
  return std::unique_ptr<SegmentCipher>(
      new SegmentCipher(std::move(contexts), data_id, chunk_bytes));
}

SegmentCipher::SegmentCipher(std::unique_ptr<Contexts> contexts, std::span<const uint8_t> data_id,
                             uint32_t chunk_bytes)
    : contexts_(std::move(contexts)), chunk_bytes_(chunk_bytes) {
  aad_.assign(kDomain.begin(), kDomain.end());
  aad_.insert(aad_.end(), data_id.begin(), data_id.end());
  aad_.resize(aad_.size() + 9);
}

SegmentCipher::~SegmentCipher() = default;

void SegmentCipher::MakeNonceAndAad(uint64_t index, bool final) {
  nonce_.fill(0);
  PutBigEndian64(index, nonce_.data() + 4);
  uint8_t* tail = aad_.data() + aad_.size() - 9;
  PutBigEndian64(index, tail);
  tail[8] = final ? 1 : 0;
}

absl::Status SegmentCipher::Seal(uint64_t index, bool final, std::span<const uint8_t> plaintext,
                                 std::span<uint8_t> out) {
  assert(!plaintext.empty() && plaintext.size() <= chunk_bytes_);
  assert(out.size() == plaintext.size() + kTagBytes);
  MakeNonceAndAad(index, final);
  EVP_CIPHER_CTX* ctx = contexts_->seal;
  int length = 0;
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce_.data()) != 1 ||
      EVP_EncryptUpdate(ctx, nullptr, &length, aad_.data(), int(aad_.size())) != 1 ||
      EVP_EncryptUpdate(ctx, out.data(), &length, plaintext.data(), int(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx, out.data() + length, &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, int(kTagBytes),
                          out.data() + plaintext.size()) != 1) {
    return absl::InternalError("AES-256-GCM encryption failed");
  }
  return absl::OkStatus();
}

absl::Status SegmentCipher::Open(uint64_t index, bool final, std::span<const uint8_t> sealed,
                                 std::span<uint8_t> out) {
  assert(!out.empty() && out.size() + kTagBytes == sealed.size());
  MakeNonceAndAad(index, final);
  EVP_CIPHER_CTX* ctx = contexts_->open;
  int length = 0;
  uint8_t tag[kTagBytes];
  std::memcpy(tag, sealed.data() + out.size(), kTagBytes);
  const bool opened =
      EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, nonce_.data()) == 1 &&
      EVP_DecryptUpdate(ctx, nullptr, &length, aad_.data(), int(aad_.size())) == 1 &&
      EVP_DecryptUpdate(ctx, out.data(), &length, sealed.data(), int(out.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, int(kTagBytes), tag) == 1 &&
      EVP_DecryptFinal_ex(ctx, out.data() + length, &length) == 1;
  if (!opened) {
    // Never hand out bytes that did not authenticate.
    std::memset(out.data(), 0, out.size());
    return absl::DataLossError("encrypted chunk " + std::to_string(index) +
                               " failed authentication (tampered or not this object's)");
  }
  return absl::OkStatus();
}

}  // namespace hamster::crypto
