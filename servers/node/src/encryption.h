// Encryption at rest in the node runtime (docs/encryption.md): which data key
// a write uses (request, else the bucket default), recovering a stored data
// key (unwrap under its master key, or the SSE-C key presented), and the
// geometry of encrypted segments.
#ifndef HAMSTER_NODE_SRC_ENCRYPTION_H_
#define HAMSTER_NODE_SRC_ENCRYPTION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "hamster/crypto/segment_cipher.h"
#include "hamster/node/env.h"
#include "hamster/node/master_keys.h"
#include "hamster/proto/metadata.pb.h"
#include "hamster/s3/backend.h"

namespace hamster::node {

// A data key and how to store it.
struct DataKey {
  meta::EncryptionInfo info;
  crypto::Key key{};
};

// The encryption of a new write: `request` if it asks for one, else the
// bucket's default; nullopt for none. SSE-S3 makes a random data key wrapped
// under the active master key (kFailedPrecondition without master keys);
// SSE-C uses the customer's key as the data key.
absl::StatusOr<std::optional<DataKey>> NewDataKey(const s3::EncryptionRequest& request,
                                                  const meta::BucketRecord& bucket,
                                                  uint32_t chunk_bytes, MasterKeys* master_keys,
                                                  Random& random);

// What NewDataKey would choose, without a key: the algorithm and, for SSE-C,
// the customer key's MD5; algorithm NONE for no encryption.
absl::StatusOr<meta::EncryptionInfo> WantedProtection(const s3::EncryptionRequest& request,
                                                      const meta::BucketRecord& bucket);

// The data key of stored `info`: unwrapped (kDataLoss if its master key is
// gone or it does not unwrap), or the SSE-C key, which must be given
// (kInvalidRequest) and match (kAccessDenied).
absl::StatusOr<crypto::Key> StoredDataKey(const meta::EncryptionInfo& info, MasterKeys* master_keys,
                                          const std::optional<s3::CustomerKey>& customer_key);

// The SSE-C checks alone: kInvalidRequest when a key is missing or given for
// an object without SSE-C, kAccessDenied when it is not the object's.
absl::Status CheckCustomerKey(const meta::EncryptionInfo& info,
                              const std::optional<s3::CustomerKey>& customer_key);

// True when data sealed under `a` reads correctly as `b` wants it: both in
// the clear, both SSE-S3, or SSE-C under the same key.
bool SameProtection(const meta::EncryptionInfo* a, const meta::EncryptionInfo* b);

s3::ObjectEncryption ToObjectEncryption(const meta::EncryptionInfo& info);

// An SSE-C object's ETag: not the MD5 of its bytes (which would let anyone
// without the key test guesses), but a keyed digest of it, as S3 does.
std::string CustomerEtag(const crypto::Key& key, const std::string& md5_hex);

// Shard block size for segments sealed in `chunk_bytes` chunks: whole sealed
// chunks per block (so a chunk never straddles two blocks), near
// `preferred_block_bytes`, and a multiple of the shard format's alignment.
uint32_t EncryptedBlockSize(uint32_t chunk_bytes, uint32_t preferred_block_bytes);

}  // namespace hamster::node

#endif  // HAMSTER_NODE_SRC_ENCRYPTION_H_
