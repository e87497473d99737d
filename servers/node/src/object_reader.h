// The ObjectReader LocalBackend hands out, and the ranged byte stream it opens.
#ifndef HAMSTER_NODE_SRC_OBJECT_READER_H_
#define HAMSTER_NODE_SRC_OBJECT_READER_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "hamster/ec/decoder.h"
#include "hamster/ec/shard_format.h"
#include "hamster/node/master_keys.h"
#include "hamster/node/shard_store.h"
#include "hamster/proto/metadata.pb.h"
#include "hamster/s3/backend.h"
#include "src/pin_table.h"

namespace hamster::node {

// Unpins its data ids when the last reader or stream using them is gone.
class PinnedData {
 public:
  PinnedData(PinTable* pins, std::vector<ec::DataId> data_ids)
      : pins_(pins), data_ids_(std::move(data_ids)) {}
  ~PinnedData() { pins_->Unpin(data_ids_); }
  PinnedData(const PinnedData&) = delete;
  PinnedData& operator=(const PinnedData&) = delete;

 private:
  PinTable* pins_;
  std::vector<ec::DataId> data_ids_;
};

// `record`'s data ids must already be pinned by `pinned`; `shards`,
// `master_keys` (may be null: no SSE-S3 objects are readable) and the pin
// table outlive the reader and every stream it opens.
std::unique_ptr<s3::ObjectReader> NewObjectReader(const meta::ObjectVersionRecord& record,
                                                  ShardStore* shards, MasterKeys* master_keys,
                                                  std::shared_ptr<PinnedData> pinned);

// The verified decoder of a segment's shard: kDataLoss if the shard is
// missing or is not the one the metadata describes.
struct SegmentDecoder {
  std::unique_ptr<ec::ShardSource> source;
  std::unique_ptr<ec::ObjectDecoder> decoder;
};
absl::StatusOr<SegmentDecoder> OpenSegmentDecoder(ShardStore& shards, const meta::Segment& segment);

// Encryption at rest: plaintext [offset, offset + length) of a record whose
// segments are sealed under `data_key` (sealed_reader.cc). Reads and opens
// only the sealed chunks covering the range, at most one shard block at a
// time (invariant 6); a chunk that fails authentication is kDataLoss.
std::unique_ptr<s3::BodyReader> NewSealedRangeReader(
    std::shared_ptr<const meta::ObjectVersionRecord> record, ShardStore* shards,
    std::shared_ptr<PinnedData> pinned, const crypto::Key& data_key, uint64_t offset,
    uint64_t length);

}  // namespace hamster::node

#endif  // HAMSTER_NODE_SRC_OBJECT_READER_H_
