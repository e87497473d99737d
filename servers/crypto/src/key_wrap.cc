#include "hamster/crypto/key_wrap.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <memory>

namespace hamster::crypto {
namespace {

constexpr std::string_view kWrapDomain = "hamster-dek-1";

struct CipherContext {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherContext() { EVP_CIPHER_CTX_free(ctx); }
};

std::string WrapAad(std::string_view master_key_id) {
  return std::string(kWrapDomain) + '\0' + std::string(master_key_id);
}

}  // namespace

Key ExpandKey(const Key& key, std::span<const uint8_t> info) {
  // HKDF-Expand with one output block: T(1) = HMAC(PRK, info || 0x01).
  std::vector<uint8_t> message(info.begin(), info.end());
  message.push_back(0x01);
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()), message.data(), message.size(), digest, &length);
  Key out;
  std::memcpy(out.data(), digest, out.size());
  return out;
}

absl::StatusOr<std::string> WrapKey(const Key& master_key, std::string_view master_key_id,
                                    const Key& data_key, const WrapNonce& nonce) {
  CipherContext context;
  const std::string aad = WrapAad(master_key_id);
  std::string wrapped(kWrappedKeyBytes, '\0');
  auto* out = reinterpret_cast<uint8_t*>(wrapped.data());
  std::memcpy(out, nonce.data(), nonce.size());
  int length = 0;
  if (context.ctx == nullptr ||
      EVP_EncryptInit_ex(context.ctx, EVP_aes_256_gcm(), nullptr, master_key.data(),
                         nonce.data()) != 1 ||
      EVP_EncryptUpdate(context.ctx, nullptr, &length, reinterpret_cast<const uint8_t*>(aad.data()),
                        int(aad.size())) != 1 ||
      EVP_EncryptUpdate(context.ctx, out + kWrapNonceBytes, &length, data_key.data(),
                        int(data_key.size())) != 1 ||
      EVP_EncryptFinal_ex(context.ctx, out + kWrapNonceBytes + length, &length) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.ctx, EVP_CTRL_GCM_GET_TAG, int(kTagBytes),
                          out + kWrapNonceBytes + kKeyBytes) != 1) {
    return absl::InternalError("AES-256-GCM key wrap failed");
  }
  return wrapped;
}

absl::StatusOr<Key> UnwrapKey(const Key& master_key, std::string_view master_key_id,
                              std::string_view wrapped) {
  if (wrapped.size() != kWrappedKeyBytes) {
    return absl::DataLossError("a wrapped data key has the wrong length");
  }
  CipherContext context;
  const std::string aad = WrapAad(master_key_id);
  const auto* in = reinterpret_cast<const uint8_t*>(wrapped.data());
  uint8_t tag[kTagBytes];
  std::memcpy(tag, in + kWrapNonceBytes + kKeyBytes, kTagBytes);
  Key data_key;
  int length = 0;
  const bool opened =
      context.ctx != nullptr &&
      EVP_DecryptInit_ex(context.ctx, EVP_aes_256_gcm(), nullptr, master_key.data(), in) == 1 &&
      EVP_DecryptUpdate(context.ctx, nullptr, &length, reinterpret_cast<const uint8_t*>(aad.data()),
                        int(aad.size())) == 1 &&
      EVP_DecryptUpdate(context.ctx, data_key.data(), &length, in + kWrapNonceBytes,
                        int(kKeyBytes)) == 1 &&
      EVP_CIPHER_CTX_ctrl(context.ctx, EVP_CTRL_GCM_SET_TAG, int(kTagBytes), tag) == 1 &&
      EVP_DecryptFinal_ex(context.ctx, data_key.data() + length, &length) == 1;
  if (!opened) {
    data_key.fill(0);
    return absl::DataLossError(std::string("a wrapped data key does not unwrap under master key ") +
                               std::string(master_key_id));
  }
  return data_key;
}

}  // namespace hamster::crypto
