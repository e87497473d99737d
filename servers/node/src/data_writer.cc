#include "src/data_writer.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "hamster/ec/stream_encoder.h"
#include "hamster/s3/errors.h"
#include "src/encryption.h"
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

absl::Status CheckDeclaredSize(uint64_t size, std::optional<uint64_t> declared_size, bool ended) {
  if (declared_size && size > *declared_size) {
    return s3::Error(
        s3::ErrorCode::kInvalidRequest,
        absl::StrCat("the body is longer than the declared ", *declared_size, " bytes"));
  }
  if (ended && declared_size && size < *declared_size) {
    return s3::Error(
        s3::ErrorCode::kIncompleteBody,
        absl::StrCat("the body ended after ", size, " of ", *declared_size, " declared bytes"));
  }
  return absl::OkStatus();
}

// Fills `buffer` from the payload; fewer bytes only at its end.
absl::StatusOr<size_t> ReadFull(s3::PayloadReader& body, std::span<uint8_t> buffer) {
  size_t filled = 0;
  while (filled < buffer.size()) {
    absl::StatusOr<size_t> n = body.Read(buffer.subspan(filled));
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    filled += *n;
  }
  return filled;
}

// Reads the whole payload, seals it chunk by chunk and feeds the sealed
// chunks to the encoder; returns the plaintext size. A full chunk is held
// back until the next read shows whether it is the last (its final flag).
absl::StatusOr<uint64_t> SealInto(ec::StreamEncoder& encoder, s3::PayloadReader& body,
                                  std::optional<uint64_t> declared_size,
                                  crypto::SegmentCipher& cipher) {
  const size_t chunk = cipher.chunk_bytes();
  std::vector<uint8_t> pending(chunk), next(chunk), sealed(chunk + crypto::kTagBytes);
  absl::StatusOr<size_t> pending_size = ReadFull(body, pending);
  if (!pending_size.ok()) return pending_size.status();
  uint64_t size = *pending_size;
  for (uint64_t index = 0; *pending_size > 0; ++index) {
    if (absl::Status s = CheckDeclaredSize(size, declared_size, false); !s.ok()) return s;
    absl::StatusOr<size_t> next_size =
        *pending_size == chunk ? ReadFull(body, next) : absl::StatusOr<size_t>(0);
    if (!next_size.ok()) return next_size.status();
    const size_t sealed_size = *pending_size + crypto::kTagBytes;
    // Sealed straight into the stripe when it fits (the usual case: blocks
    // hold whole sealed chunks), else through a buffer.
    std::span<uint8_t> space = encoder.WritableSpace();
    const bool direct = space.size() >= sealed_size;
    std::span<uint8_t> out = direct ? space.first(sealed_size) : std::span<uint8_t>(sealed);
    if (absl::Status s = cipher.Seal(index, *next_size == 0,
                                     std::span<const uint8_t>(pending).first(*pending_size),
                                     out.first(sealed_size));
        !s.ok()) {
      return s;
    }
    absl::Status fed = direct ? encoder.Commit(sealed_size) : encoder.Write(out.first(sealed_size));
    if (!fed.ok()) return fed;
    std::swap(pending, next);
    pending_size = *next_size;
    size += *next_size;
  }
  if (absl::Status s = CheckDeclaredSize(size, declared_size, true); !s.ok()) return s;
  return size;
}

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
                                         std::optional<uint64_t> declared_size,
                                         const std::optional<SegmentSealing>& sealing) {
  if (sealing) block_size_bytes = EncryptedBlockSize(sealing->chunk_bytes, block_size_bytes);
  SingleShardSink sink(shards, data_id);
  ec::EncoderOptions options;
  options.data_shard_count = 1;
  options.parity_shard_count = 0;
  options.block_size_bytes = block_size_bytes;
  options.data_id = data_id;
  absl::StatusOr<std::unique_ptr<ec::StreamEncoder>> encoder =
      ec::StreamEncoder::Create(options, &sink);
  if (!encoder.ok()) return encoder.status();
  absl::StatusOr<uint64_t> size;
  if (sealing) {
    absl::StatusOr<std::unique_ptr<crypto::SegmentCipher>> cipher =
        crypto::SegmentCipher::Create(sealing->data_key, data_id, sealing->chunk_bytes);
    if (!cipher.ok()) return cipher.status();
    size = SealInto(**encoder, body, declared_size, **cipher);
  } else {
    size = ReadInto(**encoder, body, declared_size);
  }
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
  segment.set_size(summary->object_size_bytes);
  segment.set_data_shard_count(1);
  segment.set_parity_shard_count(0);
  segment.set_block_size_bytes(block_size_bytes);
  segment.set_shard_file_size_bytes(summary->shard_file_size_bytes);
  for (uint64_t digest : summary->blocks_digests) segment.add_blocks_digests(digest);
  return written;
}

}  // namespace hamster::node
