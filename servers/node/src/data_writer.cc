#include "src/data_writer.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "hamster/ec/stream_encoder.h"
#include "hamster/s3/errors.h"
#include "src/records.h"

namespace hamster::node {
namespace {

// The encoder's only shard (1+0), created at the first byte, so an empty
// payload leaves no file.
class SingleShardSink : public ec::ShardSink {
 public:
  SingleShardSink(ShardStore& shards, const ec::DataId& data_id)
      : shards_(shards), data_id_(data_id) {}

  absl::Status Append(int shard_index, std::span<const uint8_t> bytes) override {
    if (shard_index != 0) return absl::InternalError("1+0 encoder wrote a second shard");
    if (shard_ == nullptr) {
      absl::StatusOr<std::unique_ptr<PendingShard>> shard = shards_.Create(data_id_, 0);
      if (!shard.ok()) return shard.status();
      shard_ = *std::move(shard);
    }
    return shard_->Append(bytes);
  }

  absl::Status Commit() { return shard_->Commit(); }

 private:
  ShardStore& shards_;
  ec::DataId data_id_;
  std::unique_ptr<PendingShard> shard_;
};

// Reads the whole payload into the encoder; returns its size.
absl::StatusOr<uint64_t> ReadInto(ec::StreamEncoder& encoder, s3::PayloadReader& body,
                                  std::optional<uint64_t> declared_size) {
  uint64_t size = 0;
  for (;;) {
    // Zero-copy: the payload is decoded straight into the encoder's stripe.
    std::span<uint8_t> space = encoder.WritableSpace();
    absl::StatusOr<size_t> n = body.Read(space);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    size += *n;
    if (declared_size && size > *declared_size) {
      return s3::Error(
          s3::ErrorCode::kInvalidRequest,
          absl::StrCat("the body is longer than the declared ", *declared_size, " bytes"));
    }
    if (absl::Status s = encoder.Commit(*n); !s.ok()) return s;
  }
  if (declared_size && size < *declared_size) {
    return s3::Error(
        s3::ErrorCode::kIncompleteBody,
        absl::StrCat("the body ended after ", size, " of ", *declared_size, " declared bytes"));
  }
  return size;
}

}  // namespace

absl::StatusOr<WrittenData> WritePayload(ShardStore& shards, const ec::DataId& data_id,
                                         uint32_t block_size_bytes, s3::PayloadReader& body,
                                         std::optional<uint64_t> declared_size) {
  SingleShardSink sink(shards, data_id);
  ec::EncoderOptions options;
  options.data_shard_count = 1;
  options.parity_shard_count = 0;
  options.block_size_bytes = block_size_bytes;
  options.data_id = data_id;
  absl::StatusOr<std::unique_ptr<ec::StreamEncoder>> encoder =
      ec::StreamEncoder::Create(options, &sink);
  if (!encoder.ok()) return encoder.status();
  absl::StatusOr<uint64_t> size = ReadInto(**encoder, body, declared_size);
  if (!size.ok()) return size.status();
  WrittenData written;
  written.size = *size;
  written.md5_hex = std::string(body.md5_hex());
  if (*size == 0) return written;

  absl::StatusOr<ec::EncodeSummary> summary = (*encoder)->Finish();
  if (!summary.ok()) return summary.status();
  if (absl::Status s = sink.Commit(); !s.ok()) return s;
  meta::Segment& segment = written.segment.emplace();
  segment.set_data_id(DataIdBytes(data_id));
  segment.set_size(*size);
  segment.set_data_shard_count(1);
  segment.set_parity_shard_count(0);
  segment.set_block_size_bytes(block_size_bytes);
  segment.set_shard_file_size_bytes(summary->shard_file_size_bytes);
  for (uint64_t digest : summary->blocks_digests) segment.add_blocks_digests(digest);
  return written;
}

}  // namespace hamster::node
