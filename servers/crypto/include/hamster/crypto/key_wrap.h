// Data keys stored wrapped by a master key: AES-256-GCM of the 32-byte data
// key under the master key, with the master key's id bound as associated data
// so a wrapped key cannot be presented as another master key's.
//
//   wrapped = nonce (12) || ciphertext (32) || tag (16)     (60 bytes)
//
// The nonce is random per wrap (passed in: the caller owns randomness); with
// 96-bit random nonces one master key stays safe for far more than 2^32
// wraps' worth of objects only if it is rotated, which rotation does.
// Thread safety: pure functions.
#ifndef HAMSTER_CRYPTO_KEY_WRAP_H_
#define HAMSTER_CRYPTO_KEY_WRAP_H_

#include <array>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "hamster/crypto/segment_cipher.h"

namespace hamster::crypto {

inline constexpr size_t kWrapNonceBytes = 12;
inline constexpr size_t kWrappedKeyBytes = kWrapNonceBytes + kKeyBytes + kTagBytes;

using WrapNonce = std::array<uint8_t, kWrapNonceBytes>;

// kInternal only if OpenSSL fails.
absl::StatusOr<std::string> WrapKey(const Key& master_key, std::string_view master_key_id,
                                    const Key& data_key, const WrapNonce& nonce);
// kDataLoss if `wrapped` is malformed or does not authenticate under
// (master_key, master_key_id).
absl::StatusOr<Key> UnwrapKey(const Key& master_key, std::string_view master_key_id,
                              std::string_view wrapped);

// HKDF-Expand-SHA256(key, info) truncated to 32 bytes.
Key ExpandKey(const Key& key, std::span<const uint8_t> info);

}  // namespace hamster::crypto

#endif  // HAMSTER_CRYPTO_KEY_WRAP_H_
