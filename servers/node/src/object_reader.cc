#include "src/object_reader.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "hamster/ec/decoder.h"
#include "src/encryption.h"
#include "src/records.h"

namespace hamster::node {
namespace {

// Appends decoded bytes into a caller's buffer.
class SpanSink : public ec::ByteSink {
 public:
  explicit SpanSink(std::span<uint8_t> out) : out_(out) {}
  absl::Status Append(std::span<const uint8_t> bytes) override {
    if (bytes.size() > out_.size() - used_) return absl::InternalError("decoder overran a range");
    std::memcpy(out_.data() + used_, bytes.data(), bytes.size());
    used_ += bytes.size();
    return absl::OkStatus();
  }
  size_t used() const { return used_; }

 private:
  std::span<uint8_t> out_;
  size_t used_ = 0;
};

// Checks that the shard file is the one the metadata describes, so a file
// swapped or rewritten under the same name is refused rather than served.
absl::Status CheckShardMatches(ec::ShardSource& source, const meta::Segment& segment,
                               const ec::DataId& data_id) {
  absl::StatusOr<ec::ShardInfo> info = ec::ReadShardInfo(source);
  if (!info.ok()) return info.status();
  const bool matches = info->header.data_id == data_id && info->header.shard_index == 0 &&
                       uint32_t(info->header.data_shard_count) == segment.data_shard_count() &&
                       uint32_t(info->header.parity_shard_count) == segment.parity_shard_count() &&
                       info->header.block_size_bytes == segment.block_size_bytes() &&
                       info->footer.object_size_bytes == segment.size() &&
                       segment.blocks_digests_size() > 0 &&
                       info->footer.blocks_digest == segment.blocks_digests(0);
  if (!matches) {
    return absl::DataLossError(
        absl::StrCat("shard of data ", ec::DataIdToHex(data_id), " differs from its metadata"));
  }
  return absl::OkStatus();
}

// Object bytes [offset, offset + length) streamed across the object's
// segments. At most one block is buffered: each Read() decodes the rest of
// the current block (or, when the caller's buffer holds it, straight into the
// buffer), so only the blocks covering the range are read and verified.
class RangeReader : public s3::BodyReader {
 public:
  RangeReader(std::shared_ptr<const meta::ObjectVersionRecord> record, ShardStore* shards,
              std::shared_ptr<PinnedData> pinned, uint64_t offset, uint64_t length)
      : record_(std::move(record)),
        segments_(record_->segments()),
        shards_(shards),
        pinned_(std::move(pinned)),
        position_(offset),
        end_(offset + length) {}

  absl::StatusOr<size_t> Read(std::span<uint8_t> buffer) override {
    if (buffered_offset_ < buffered_.size()) return CopyBuffered(buffer);
    if (position_ >= end_ || buffer.empty()) return 0;
    if (absl::Status s = SeekSegment(); !s.ok()) return s;
    const meta::Segment& segment = segments_[segment_index_];
    const uint64_t in_segment = position_ - segment_start_;
    const uint64_t block = segment.block_size_bytes();
    const uint64_t window =
        std::min({block - in_segment % block, segment.size() - in_segment, end_ - position_});
    if (buffer.size() >= window) {
      SpanSink sink(buffer.first(size_t(window)));
      if (absl::Status s = decoder_->ReadRange(in_segment, window, sink); !s.ok()) return s;
      position_ += window;
      return size_t(window);
    }
    buffered_.resize(size_t(window));
    buffered_offset_ = 0;
    SpanSink sink(buffered_);
    if (absl::Status s = decoder_->ReadRange(in_segment, window, sink); !s.ok()) return s;
    position_ += window;
    return CopyBuffered(buffer);
  }

 private:
  size_t CopyBuffered(std::span<uint8_t> buffer) {
    const size_t n = std::min(buffer.size(), buffered_.size() - buffered_offset_);
    std::memcpy(buffer.data(), buffered_.data() + buffered_offset_, n);
    buffered_offset_ += n;
    return n;
  }

  // Makes decoder_ the decoder of the segment holding position_.
  absl::Status SeekSegment() {
    while (segment_index_ < size_t(segments_.size()) &&
           position_ >= segment_start_ + segments_[segment_index_].size()) {
      segment_start_ += segments_[segment_index_].size();
      ++segment_index_;
      decoder_.reset();
      source_.reset();
    }
    if (segment_index_ >= size_t(segments_.size())) {
      return absl::DataLossError("object segments end before the object size");
    }
    if (decoder_ != nullptr) return absl::OkStatus();
    absl::StatusOr<SegmentDecoder> opened = OpenSegmentDecoder(*shards_, segments_[segment_index_]);
    if (!opened.ok()) return opened.status();
    source_ = std::move(opened->source);
    decoder_ = std::move(opened->decoder);
    return absl::OkStatus();
  }

  std::shared_ptr<const meta::ObjectVersionRecord> record_;
  const google::protobuf::RepeatedPtrField<meta::Segment>& segments_;
  ShardStore* shards_;
  std::shared_ptr<PinnedData> pinned_;
  uint64_t position_;
  const uint64_t end_;
  size_t segment_index_ = 0;
  uint64_t segment_start_ = 0;  // object offset of segments_[segment_index_]
  std::unique_ptr<ec::ShardSource> source_;
  std::unique_ptr<ec::ObjectDecoder> decoder_;
  std::vector<uint8_t> buffered_;
  size_t buffered_offset_ = 0;
};

class LocalObjectReader : public s3::ObjectReader {
 public:
  LocalObjectReader(const meta::ObjectVersionRecord& record, ShardStore* shards,
                    MasterKeys* master_keys, std::shared_ptr<PinnedData> pinned)
      : record_(std::make_shared<const meta::ObjectVersionRecord>(record)),
        info_(ToObjectInfo(record)),
        shards_(shards),
        master_keys_(master_keys),
        pinned_(std::move(pinned)) {}

  const s3::ObjectInfo& info() const override { return info_; }

  absl::Status UseCustomerKey(const s3::CustomerKey& key) override {
    absl::StatusOr<crypto::Key> data_key = StoredDataKey(record_->encryption(), master_keys_, key);
    if (!data_key.ok()) return data_key.status();
    data_key_ = *data_key;
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<s3::BodyReader>> OpenRange(uint64_t offset,
                                                            uint64_t length) override {
    if (offset > info_.size || length > info_.size - offset) {
      return absl::OutOfRangeError(
          absl::StrCat("range ", offset, "+", length, " past the object's ", info_.size, " bytes"));
    }
    if (!record_->has_encryption()) {
      return std::unique_ptr<s3::BodyReader>(
          new RangeReader(record_, shards_, pinned_, offset, length));
    }
    if (!data_key_.has_value()) {
      // SSE-S3 keys unwrap here; SSE-C ones come from UseCustomerKey().
      absl::StatusOr<crypto::Key> data_key =
          StoredDataKey(record_->encryption(), master_keys_, std::nullopt);
      if (!data_key.ok()) return data_key.status();
      data_key_ = *data_key;
    }
    return NewSealedRangeReader(record_, shards_, pinned_, *data_key_, offset, length);
  }

 private:
  std::shared_ptr<const meta::ObjectVersionRecord> record_;
  s3::ObjectInfo info_;
  ShardStore* shards_;
  MasterKeys* master_keys_;
  std::shared_ptr<PinnedData> pinned_;
  std::optional<crypto::Key> data_key_;
};

}  // namespace

absl::StatusOr<SegmentDecoder> OpenSegmentDecoder(ShardStore& shards,
                                                  const meta::Segment& segment) {
  absl::StatusOr<ec::DataId> data_id = SegmentDataId(segment);
  if (!data_id.ok()) return data_id.status();
  absl::StatusOr<std::unique_ptr<ec::ShardSource>> source = shards.Open(*data_id, 0);
  if (!source.ok()) {
    return absl::DataLossError(absl::StrCat("shard of data ", ec::DataIdToHex(*data_id),
                                            " unreadable: ", source.status().message()));
  }
  SegmentDecoder opened;
  opened.source = *std::move(source);
  if (absl::Status s = CheckShardMatches(*opened.source, segment, *data_id); !s.ok()) return s;
  absl::StatusOr<std::unique_ptr<ec::ObjectDecoder>> decoder =
      ec::ObjectDecoder::Open({opened.source.get()});
  if (!decoder.ok()) return decoder.status();
  opened.decoder = *std::move(decoder);
  return opened;
}

std::unique_ptr<s3::ObjectReader> NewObjectReader(const meta::ObjectVersionRecord& record,
                                                  ShardStore* shards, MasterKeys* master_keys,
                                                  std::shared_ptr<PinnedData> pinned) {
  return std::make_unique<LocalObjectReader>(record, shards, master_keys, std::move(pinned));
}

}  // namespace hamster::node
