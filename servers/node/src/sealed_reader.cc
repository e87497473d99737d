// Encryption at rest, the read side: plaintext ranges of sealed segments.
#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "hamster/crypto/segment_cipher.h"
#include "src/object_reader.h"
#include "src/read_ahead.h"
#include "src/records.h"

namespace hamster::node {
namespace {

constexpr uint64_t kReadAheadMinBytes = 2 << 20;
constexpr size_t kReadAheadBufferBytes = 256 << 10;
constexpr size_t kReadAheadBuffers = 2;

class VectorSink : public ec::ByteSink {
 public:
  explicit VectorSink(std::vector<uint8_t>& out) : out_(out) {}
  absl::Status Append(std::span<const uint8_t> bytes) override {
    out_.insert(out_.end(), bytes.begin(), bytes.end());
    return absl::OkStatus();
  }

 private:
  std::vector<uint8_t>& out_;
};

// Position in a segment's plaintext, as sealed chunks.
struct SealedGeometry {
  uint64_t chunk_bytes;
  uint64_t plaintext_bytes;
  uint64_t sealed_chunk_bytes() const { return chunk_bytes + crypto::kTagBytes; }
  uint64_t chunk_count() const { return (plaintext_bytes + chunk_bytes - 1) / chunk_bytes; }
  uint64_t ChunkPlaintextBytes(uint64_t index) const {
    return std::min(chunk_bytes, plaintext_bytes - index * chunk_bytes);
  }
};

class SealedRangeReader : public s3::BodyReader {
 public:
  SealedRangeReader(std::shared_ptr<const meta::ObjectVersionRecord> record, ShardStore* shards,
                    std::shared_ptr<PinnedData> pinned, const crypto::Key& data_key,
                    uint64_t offset, uint64_t length)
      : record_(std::move(record)),
        shards_(shards),
        pinned_(std::move(pinned)),
        data_key_(data_key),
        position_(offset),
        end_(offset + length) {}

  ~SealedRangeReader() override { std::fill(data_key_.begin(), data_key_.end(), 0); }

  absl::StatusOr<size_t> Read(std::span<uint8_t> buffer) override {
    if (plain_offset_ < plain_.size()) return CopyPlain(buffer);
    if (position_ >= end_ || buffer.empty()) return 0;
    if (absl::Status s = SeekSegment(); !s.ok()) return s;
    const uint64_t in_segment = position_ - segment_start_;
    const uint64_t index = in_segment / geometry_.chunk_bytes;
    const uint64_t skip = in_segment - index * geometry_.chunk_bytes;
    const uint64_t chunk_size = geometry_.ChunkPlaintextBytes(index);
    const uint64_t wanted = std::min(chunk_size - skip, end_ - position_);
    // The window runs to the end of the request (LoadWindow stops at a shard
    // block): reading one chunk at a time would make the decoder read and
    // verify a whole block per chunk.
    const uint64_t request_end = std::min(end_ - segment_start_, geometry_.plaintext_bytes);
    if (absl::Status s = LoadWindow(index, request_end); !s.ok()) return s;
    const uint64_t sealed_offset = (index - window_first_chunk_) * geometry_.sealed_chunk_bytes();
    const std::span<const uint8_t> sealed(window_.data() + sealed_offset,
                                          chunk_size + crypto::kTagBytes);
    const bool final = index + 1 == geometry_.chunk_count();
    // Whole chunks wanted in full open straight into the caller's buffer.
    if (skip == 0 && wanted == chunk_size && buffer.size() >= chunk_size) {
      if (absl::Status s = cipher_->Open(index, final, sealed, buffer.first(chunk_size)); !s.ok()) {
        return s;
      }
      position_ += chunk_size;
      return size_t(chunk_size);
    }
    plain_.resize(chunk_size);
    if (absl::Status s = cipher_->Open(index, final, sealed, plain_); !s.ok()) return s;
    plain_.resize(skip + wanted);
    plain_offset_ = skip;
    position_ += wanted;
    return CopyPlain(buffer);
  }

 private:
  size_t CopyPlain(std::span<uint8_t> buffer) {
    const size_t n = std::min(buffer.size(), plain_.size() - plain_offset_);
    std::memcpy(buffer.data(), plain_.data() + plain_offset_, n);
    plain_offset_ += n;
    return n;
  }

  // Makes the segment holding position_ current: its decoder and cipher.
  absl::Status SeekSegment() {
    const auto& segments = record_->segments();
    const uint32_t chunk_bytes = record_->encryption().chunk_size_bytes();
    while (segment_index_ < size_t(segments.size())) {
      std::optional<uint64_t> plaintext =
          crypto::PlaintextSize(segments[segment_index_].size(), chunk_bytes);
      if (!plaintext.has_value()) {
        return absl::DataLossError("a sealed segment's size fits no plaintext size");
      }
      if (position_ < segment_start_ + *plaintext) {
        geometry_ = {.chunk_bytes = chunk_bytes, .plaintext_bytes = *plaintext};
        break;
      }
      segment_start_ += *plaintext;
      ++segment_index_;
      opened_.reset();
    }
    if (segment_index_ >= size_t(segments.size())) {
      return absl::DataLossError("object segments end before the object size");
    }
    if (opened_.has_value()) return absl::OkStatus();
    const meta::Segment& segment = segments[segment_index_];
    absl::StatusOr<SegmentDecoder> opened = OpenSegmentDecoder(*shards_, segment);
    if (!opened.ok()) return opened.status();
    absl::StatusOr<std::unique_ptr<crypto::SegmentCipher>> cipher = crypto::SegmentCipher::Create(
        data_key_,
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(segment.data_id().data()),
                                 segment.data_id().size()),
        chunk_bytes);
    if (!cipher.ok()) return cipher.status();
    opened_ = *std::move(opened);
    cipher_ = *std::move(cipher);
    chunks_per_block_ =
        std::max<uint64_t>(1, segment.block_size_bytes() / geometry_.sealed_chunk_bytes());
    window_.clear();
    window_chunk_count_ = 0;
    return absl::OkStatus();
  }

  // Reads sealed chunks from `first` up to the one holding plaintext byte
  // `until` - 1 of the segment, stopping at a shard block boundary, unless
  // the window already holds `first`.
  absl::Status LoadWindow(uint64_t first, uint64_t until) {
    const uint64_t sealed = geometry_.sealed_chunk_bytes();
    if (first >= window_first_chunk_ && first < window_first_chunk_ + window_chunk_count_) {
      return absl::OkStatus();
    }
    const uint64_t last_wanted = (until - 1) / geometry_.chunk_bytes;
    const uint64_t block_last = (first / chunks_per_block_ + 1) * chunks_per_block_ - 1;
    const uint64_t last = std::min({last_wanted, block_last, geometry_.chunk_count() - 1});
    const uint64_t begin = first * sealed;
    const uint64_t end = last * sealed + geometry_.ChunkPlaintextBytes(last) + crypto::kTagBytes;
    window_.clear();
    window_.reserve(size_t(end - begin));
    VectorSink sink(window_);
    if (absl::Status s = opened_->decoder->ReadRange(begin, end - begin, sink); !s.ok()) return s;
    window_first_chunk_ = first;
    window_chunk_count_ = last - first + 1;
    return absl::OkStatus();
  }

  std::shared_ptr<const meta::ObjectVersionRecord> record_;
  ShardStore* shards_;
  std::shared_ptr<PinnedData> pinned_;
  crypto::Key data_key_;
  uint64_t position_;
  const uint64_t end_;
  size_t segment_index_ = 0;
  uint64_t segment_start_ = 0;  // plaintext offset of the current segment
  SealedGeometry geometry_{1, 0};
  std::optional<SegmentDecoder> opened_;
  std::unique_ptr<crypto::SegmentCipher> cipher_;
  uint64_t chunks_per_block_ = 1;
  std::vector<uint8_t> window_;  // sealed chunks from window_first_chunk_
  uint64_t window_first_chunk_ = 0;
  uint64_t window_chunk_count_ = 0;
  std::vector<uint8_t> plain_;  // one opened chunk, served from plain_offset_
  size_t plain_offset_ = 0;
};

}  // namespace

std::unique_ptr<s3::BodyReader> NewSealedRangeReader(
    std::shared_ptr<const meta::ObjectVersionRecord> record, ShardStore* shards,
    std::shared_ptr<PinnedData> pinned, const crypto::Key& data_key, uint64_t offset,
    uint64_t length) {
  auto reader = std::make_unique<SealedRangeReader>(std::move(record), shards, std::move(pinned),
                                                    data_key, offset, length);
  // A second thread a few buffers ahead overlaps reading and decrypting with sending: an
  // encrypted GET from disk is then as fast as a plain one (docs/benchmarks.md). Small
  // reads keep to one thread: a thread per request would cost them more than it saves.
  if (length < kReadAheadMinBytes) return reader;
  return NewReadAheadReader(std::move(reader), kReadAheadBufferBytes, kReadAheadBuffers);
}

}  // namespace hamster::node
