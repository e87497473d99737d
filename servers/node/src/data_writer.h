// Writes a request payload into a new 1+0 shard file and makes it durable.
#ifndef HAMSTER_NODE_SRC_DATA_WRITER_H_
#define HAMSTER_NODE_SRC_DATA_WRITER_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "hamster/crypto/segment_cipher.h"
#include "hamster/ec/shard_format.h"
#include "hamster/node/shard_store.h"
#include "hamster/proto/metadata.pb.h"
#include "hamster/s3/body.h"

namespace hamster::node {

// Encryption at rest: the payload is sealed chunk by chunk
// (hamster/crypto/segment_cipher.h) under this key before it reaches the
// shard; the segment's size is then the sealed size.
struct SegmentSealing {
  crypto::Key data_key{};
  uint32_t chunk_bytes = crypto::kDefaultChunkBytes;
};

struct WrittenData {
  uint64_t size = 0;  // payload bytes (plaintext)
  std::string md5_hex;
  // The durable shard's description; absent for an empty payload, which is
  // stored as metadata alone.
  std::optional<meta::Segment> segment;
};

// Reads `body` to its end while encoding it into shard 0 of `data_id`, then
// commits the shard (invariant 8). Errors: the body's, kIncompleteBody when
// it ends before `declared_size`, kInvalidRequest when it runs past it, and
// the store's I/O errors; nothing stays behind on error. With `sealing`, the
// shard holds the sealed payload in blocks of EncryptedBlockSize().
absl::StatusOr<WrittenData> WritePayload(ShardStore& shards, const ec::DataId& data_id,
                                         uint32_t block_size_bytes, s3::PayloadReader& body,
                                         std::optional<uint64_t> declared_size,
                                         const std::optional<SegmentSealing>& sealing);

}  // namespace hamster::node

#endif  // HAMSTER_NODE_SRC_DATA_WRITER_H_
