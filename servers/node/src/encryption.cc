#include "src/encryption.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <numeric>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "hamster/crypto/key_wrap.h"
#include "hamster/ec/codec.h"
#include "hamster/ec/shard_format.h"
#include "hamster/s3/errors.h"

namespace hamster::node {
namespace {

using s3::Error;
using s3::ErrorCode;

std::string Md5Base64(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr);
  return absl::Base64Escape(absl::string_view(reinterpret_cast<const char*>(digest), length));
}

absl::StatusOr<crypto::Key> CustomerKeyBytes(const s3::CustomerKey& customer_key) {
  if (customer_key.key.size() != crypto::kKeyBytes) {
    return Error(ErrorCode::kInvalidArgument, "an SSE-C key must be 256 bits");
  }
  crypto::Key key;
  std::memcpy(key.data(), customer_key.key.data(), key.size());
  return key;
}

}  // namespace

absl::StatusOr<std::optional<DataKey>> NewDataKey(const s3::EncryptionRequest& request,
                                                  const meta::BucketRecord& bucket,
                                                  uint32_t chunk_bytes, MasterKeys* master_keys,
                                                  Random& random) {
  s3::EncryptionMode mode = request.mode;
  if (mode == s3::EncryptionMode::kNone &&
      bucket.default_encryption().algorithm() == meta::ENCRYPTION_SSE_S3) {
    mode = s3::EncryptionMode::kS3;
  }
  if (mode == s3::EncryptionMode::kNone) return std::optional<DataKey>();
  DataKey data_key;
  data_key.info.set_format_version(1);
  data_key.info.set_chunk_size_bytes(chunk_bytes);
  if (mode == s3::EncryptionMode::kCustomer) {
    if (!request.customer_key.has_value()) {
      return Error(ErrorCode::kInvalidRequest, "SSE-C needs the customer key");
    }
    absl::StatusOr<crypto::Key> key = CustomerKeyBytes(*request.customer_key);
    if (!key.ok()) return key.status();
    data_key.key = *key;
    data_key.info.set_algorithm(meta::ENCRYPTION_SSE_C);
    data_key.info.set_customer_key_md5(Md5Base64(request.customer_key->key));
    return std::optional<DataKey>(std::move(data_key));
  }
  if (master_keys == nullptr) {
    return absl::FailedPreconditionError("this node has no master keys for SSE-S3");
  }
  const crypto::MasterKey master = master_keys->Active();
  random.Fill(data_key.key);
  crypto::WrapNonce nonce;
  random.Fill(nonce);
  absl::StatusOr<std::string> wrapped = crypto::WrapKey(master.key, master.id, data_key.key, nonce);
  if (!wrapped.ok()) return wrapped.status();
  data_key.info.set_algorithm(meta::ENCRYPTION_SSE_S3);
  data_key.info.set_wrapped_data_key(*wrapped);
  data_key.info.set_master_key_id(master.id);
  return std::optional<DataKey>(std::move(data_key));
}

absl::StatusOr<meta::EncryptionInfo> WantedProtection(const s3::EncryptionRequest& request,
                                                      const meta::BucketRecord& bucket) {
  meta::EncryptionInfo info;
  if (request.mode == s3::EncryptionMode::kCustomer) {
    if (!request.customer_key.has_value()) {
      return Error(ErrorCode::kInvalidRequest, "SSE-C needs the customer key");
    }
    info.set_algorithm(meta::ENCRYPTION_SSE_C);
    info.set_customer_key_md5(Md5Base64(request.customer_key->key));
  } else if (request.mode == s3::EncryptionMode::kS3 ||
             bucket.default_encryption().algorithm() == meta::ENCRYPTION_SSE_S3) {
    info.set_algorithm(meta::ENCRYPTION_SSE_S3);
  }
  return info;
}

absl::Status CheckCustomerKey(const meta::EncryptionInfo& info,
                              const std::optional<s3::CustomerKey>& customer_key) {
  if (info.algorithm() != meta::ENCRYPTION_SSE_C) {
    if (customer_key.has_value()) {
      return Error(ErrorCode::kInvalidRequest,
                   "The encryption parameters are not applicable to this object.");
    }
    return absl::OkStatus();
  }
  if (!customer_key.has_value()) {
    return Error(ErrorCode::kInvalidRequest,
                 "The object was stored using a form of Server Side Encryption. The correct "
                 "parameters must be provided to retrieve the object.");
  }
  if (Md5Base64(customer_key->key) != info.customer_key_md5()) {
    return Error(ErrorCode::kAccessDenied,
                 "The provided customer key is not the key this object was stored with.");
  }
  return absl::OkStatus();
}

absl::StatusOr<crypto::Key> StoredDataKey(const meta::EncryptionInfo& info, MasterKeys* master_keys,
                                          const std::optional<s3::CustomerKey>& customer_key) {
  if (absl::Status s = CheckCustomerKey(info, customer_key); !s.ok()) return s;
  if (info.algorithm() == meta::ENCRYPTION_SSE_C) return CustomerKeyBytes(*customer_key);
  if (info.algorithm() != meta::ENCRYPTION_SSE_S3) {
    return absl::DataLossError("stored encryption info names an unknown algorithm");
  }
  std::optional<crypto::MasterKey> master =
      master_keys == nullptr ? std::nullopt : master_keys->Find(info.master_key_id());
  if (!master.has_value()) {
    return absl::DataLossError(
        absl::StrCat("master key ", info.master_key_id(), " is not in this node's keyring"));
  }
  return crypto::UnwrapKey(master->key, master->id, info.wrapped_data_key());
}

bool SameProtection(const meta::EncryptionInfo* a, const meta::EncryptionInfo* b) {
  const auto algorithm = [](const meta::EncryptionInfo* info) {
    return info == nullptr ? meta::ENCRYPTION_NONE : info->algorithm();
  };
  if (algorithm(a) != algorithm(b)) return false;
  if (algorithm(a) == meta::ENCRYPTION_SSE_C) {
    return a->customer_key_md5() == b->customer_key_md5();
  }
  return true;
}

s3::ObjectEncryption ToObjectEncryption(const meta::EncryptionInfo& info) {
  s3::ObjectEncryption encryption;
  switch (info.algorithm()) {
    case meta::ENCRYPTION_SSE_S3:
      encryption.mode = s3::EncryptionMode::kS3;
      break;
    case meta::ENCRYPTION_SSE_C:
      encryption.mode = s3::EncryptionMode::kCustomer;
      encryption.customer_key_md5_base64 = info.customer_key_md5();
      break;
    default:
      break;
  }
  return encryption;
}

std::string CustomerEtag(const crypto::Key& key, const std::string& md5_hex) {
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const std::string message = absl::StrCat("hamster-sse-c-etag-1:", md5_hex);
  HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const uint8_t*>(message.data()),
       message.size(), digest, &length);
  // 32 hex digits like an MD5, so clients that parse ETags keep working.
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), 16));
}

uint32_t EncryptedBlockSize(uint32_t chunk_bytes, uint32_t preferred_block_bytes) {
  const uint64_t sealed = uint64_t{chunk_bytes} + crypto::kTagBytes;
  const uint64_t alignment = ec::kRegionAlignmentBytes;
  const uint64_t step = alignment / std::gcd(sealed, alignment);  // chunks per aligned unit
  uint64_t chunks = (preferred_block_bytes + sealed / 2) / sealed;
  chunks = std::max<uint64_t>(step, (chunks + step - 1) / step * step);
  while (chunks > step && chunks * sealed > ec::kMaxBlockSizeBytes) chunks -= step;
  return uint32_t(chunks * sealed);
}

}  // namespace hamster::node
