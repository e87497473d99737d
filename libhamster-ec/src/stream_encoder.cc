#include "hamster/ec/stream_encoder.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "aligned_buffer.h"
#include "hamster/ec/checksum.h"
#include "kernel.h"
#include "shard_writer.h"

namespace hamster::ec {

struct StreamEncoder::State {
  State(Codec codec_in, const ShardHeader& header_in, ShardSink* sink)
      : codec(std::move(codec_in)),
        header(header_in),
        writer(header_in, AllShardIndices(codec.shard_count()), sink),
        stripe(size_t(codec.data_shard_count()) * header_in.block_size_bytes),
        parity(size_t(codec.parity_shard_count()) * header_in.block_size_bytes),
        checksums(codec.shard_count()) {}

  static std::vector<int> AllShardIndices(int shard_count) {
    std::vector<int> indices(shard_count);
    std::iota(indices.begin(), indices.end(), 0);
    return indices;
  }

  // Computes the m parity blocks of `blocks` (k data, then m parity) and the
  // checksums of all k + m into `checksums`, in one pass over the tiles:
  // hashing each tile right after the kernel wrote or read it, while it is in
  // L2. Hashing whole blocks after encoding the whole stripe re-read its
  // (k + m) MiB from L3 and took about as long as encoding (docs/benchmarks.md).
  void EncodeAndHash(std::span<uint8_t* const> blocks, size_t block_size_bytes);

  Codec codec;
  ShardHeader header;
  internal::ShardFileWriter writer;
  internal::AlignedBuffer stripe;           // the k data blocks of the stripe being filled
  internal::AlignedBuffer parity;           // the m parity blocks computed from it
  std::vector<Checksum64Stream> checksums;  // of the stripe's blocks, by shard index
  size_t filled_bytes = 0;
  uint64_t stripe_index = 0;
  uint64_t object_size_bytes = 0;
  absl::Status failure;  // first sink error; sticky
  bool finished = false;
};

absl::StatusOr<std::unique_ptr<StreamEncoder>> StreamEncoder::Create(const EncoderOptions& options,
                                                                     ShardSink* sink) {
  absl::StatusOr<Codec> codec = Codec::Create({.data_shard_count = options.data_shard_count,
                                               .parity_shard_count = options.parity_shard_count,
                                               .kernel = options.kernel});
  if (!codec.ok()) return codec.status();
  ShardHeader header;
  header.data_shard_count = options.data_shard_count;
  header.parity_shard_count = options.parity_shard_count;
  header.block_size_bytes = options.block_size_bytes;
  header.data_id = options.data_id;
  if (absl::Status valid = ValidateHeader(header); !valid.ok()) return valid;
  auto state = std::make_unique<State>(*std::move(codec), header, sink);
  if (absl::Status s = state->writer.WriteHeaders(); !s.ok()) return s;
  return std::unique_ptr<StreamEncoder>(new StreamEncoder(std::move(state)));
}

StreamEncoder::StreamEncoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
StreamEncoder::~StreamEncoder() = default;

const ShardHeader& StreamEncoder::header_template() const { return state_->header; }

std::span<uint8_t> StreamEncoder::WritableSpace() {
  if (state_->finished) return {};
  return state_->stripe.span().subspan(state_->filled_bytes);
}

absl::Status StreamEncoder::Commit(size_t byte_count) {
  State& s = *state_;
  if (!s.failure.ok()) return s.failure;
  if (s.finished) return absl::FailedPreconditionError("encoder already finished");
  assert(byte_count <= s.stripe.size() - s.filled_bytes);
  s.filled_bytes += byte_count;
  s.object_size_bytes += byte_count;
  if (s.filled_bytes < s.stripe.size()) return absl::OkStatus();
  return EmitStripe(s.filled_bytes);
}

absl::Status StreamEncoder::Write(std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    std::span<uint8_t> space = WritableSpace();
    if (space.empty()) return absl::FailedPreconditionError("encoder already finished");
    const size_t n = std::min(space.size(), bytes.size());
    std::memcpy(space.data(), bytes.data(), n);
    if (absl::Status s = Commit(n); !s.ok()) return s;
    bytes = bytes.subspan(n);
  }
  return absl::OkStatus();
}

void StreamEncoder::State::EncodeAndHash(std::span<uint8_t* const> blocks,
                                         size_t block_size_bytes) {
  const size_t k = size_t(codec.data_shard_count());
  for (size_t j = 0; j < blocks.size(); ++j) {
    checksums[j].Reset(writer.BlockSeed(j, stripe_index));
  }
  uint8_t* tiles[kMaxShardCount];
  for (size_t offset = 0; offset < block_size_bytes; offset += internal::kCacheTileBytes) {
    // A multiple of kRegionAlignmentBytes, as block sizes are.
    const size_t length = std::min(internal::kCacheTileBytes, block_size_bytes - offset);
    for (size_t j = 0; j < blocks.size(); ++j) tiles[j] = blocks[j] + offset;
    codec.EncodeRegions(std::span<const uint8_t* const>(tiles, k),
                        std::span<uint8_t* const>(tiles + k, blocks.size() - k), length);
    for (size_t j = 0; j < blocks.size(); ++j) checksums[j].Update({tiles[j], length});
  }
}

absl::Status StreamEncoder::EmitStripe(uint64_t data_size_bytes) {
  State& s = *state_;
  const int k = s.codec.data_shard_count();
  const int m = s.codec.parity_shard_count();
  // Same rule as ObjectGeometry: a short last stripe has shorter blocks.
  const ObjectGeometry geometry(k, s.header.block_size_bytes,
                                s.stripe_index * s.stripe.size() + data_size_bytes);
  const size_t block = geometry.stripe_block_size_bytes(s.stripe_index);
  std::memset(s.stripe.data() + data_size_bytes, 0, size_t(k) * block - data_size_bytes);
  uint8_t* blocks[kMaxShardCount];  // data blocks, then parity blocks
  for (int j = 0; j < k; ++j) blocks[j] = s.stripe.data() + size_t(j) * block;
  for (int j = 0; j < m; ++j) blocks[k + j] = s.parity.data() + size_t(j) * block;
  s.EncodeAndHash(std::span<uint8_t* const>(blocks, k + m), block);
  for (int j = 0; j < k + m; ++j) {
    absl::Status written =
        s.writer.WriteBlock(j, s.stripe_index, {blocks[j], block}, s.checksums[j].Digest());
    if (!written.ok()) {
      s.failure = written;
      return written;
    }
  }
  ++s.stripe_index;
  s.filled_bytes = 0;
  return absl::OkStatus();
}

absl::StatusOr<EncodeSummary> StreamEncoder::Finish() {
  State& s = *state_;
  if (!s.failure.ok()) return s.failure;
  if (s.finished) return absl::FailedPreconditionError("encoder already finished");
  if (s.filled_bytes > 0) {
    if (absl::Status emitted = EmitStripe(s.filled_bytes); !emitted.ok()) return emitted;
  }
  s.finished = true;
  if (absl::Status written = s.writer.WriteFooters(s.object_size_bytes, s.stripe_index);
      !written.ok()) {
    s.failure = written;
    return written;
  }
  const ObjectGeometry geometry(s.codec.data_shard_count(), s.header.block_size_bytes,
                                s.object_size_bytes);
  assert(geometry.stripe_count() == s.stripe_index);
  return EncodeSummary{.object_size_bytes = s.object_size_bytes,
                       .stripe_count = s.stripe_index,
                       .shard_file_size_bytes = geometry.shard_file_size_bytes(),
                       .blocks_digests = s.writer.blocks_digests()};
}

}  // namespace hamster::ec
