#ifndef HAMSTER_EC_DECODER_H_
#define HAMSTER_EC_DECODER_H_

// Reading shard files: verify one shard, plan which blocks cover a byte range,
// and decode an object (or any range of it) or rebuild lost shards from any k
// shards. Every block is checked against its checksum before it is used as a
// source; a corrupt or unreadable block makes the decoder fall back to another
// shard for that stripe, and a stripe with fewer than k good blocks fails with
// DataLoss naming the stripe and each shard's problem (invariant 5). Memory use
// is bounded by one stripe of blocks, whatever the object size (invariant 6),
// and is nothing beyond the rebuilt blocks when the sources hold the shards in
// memory (ShardSource::View) and the kernel is ISA-L; DecodeBuffers lets
// consecutive decoders share it.
//
// Thread safety: an ObjectDecoder is used by one thread at a time.

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/ec/codec.h"
#include "hamster/ec/io.h"
#include "hamster/ec/shard_format.h"

namespace hamster::ec {

struct ShardInfo {
  ShardHeader header;
  ShardFooter footer;
  uint64_t file_size_bytes = 0;
  ObjectGeometry geometry() const {
    return ObjectGeometry(header.data_shard_count, header.block_size_bytes,
                          footer.object_size_bytes);
  }
};

// Reads and checks the header and footer, and that the file is exactly as long
// as they imply. Errors are ParseHeader's and ParseFooter's, and DataLoss for
// a truncated or overlong file.
absl::StatusOr<ShardInfo> ReadShardInfo(ShardSource& source);

struct VerifyReport {
  ShardInfo info;
  std::vector<uint64_t> corrupt_stripes;  // stripe (= block) indices whose checksum failed
  // Checksum64 of the block checksums actually stored, compared with the footer.
  bool blocks_digest_matches = true;
  bool ok() const { return corrupt_stripes.empty() && blocks_digest_matches; }
};

// Reads every block and checks its checksum, one block in memory at a time.
// Fails only when the header, footer or size is unusable, or a read fails.
absl::StatusOr<VerifyReport> VerifyShard(ShardSource& source);

// One block read a healthy ranged GET needs: bytes [offset_in_block,
// offset_in_block + length) of the block of `stripe_index` in shard
// `shard_index`, whose record starts at `record_offset` in the shard file.
struct BlockSlice {
  uint64_t stripe_index = 0;
  int shard_index = 0;
  uint64_t record_offset = 0;
  uint32_t block_size_bytes = 0;
  uint32_t offset_in_block = 0;
  uint32_t length = 0;
};

// The data blocks covering object bytes [offset, offset + length), in object
// order. Returns OutOfRange if the range ends past the object.
absl::StatusOr<std::vector<BlockSlice>> PlanRange(const ObjectGeometry& geometry, uint64_t offset,
                                                  uint64_t length);

// Scratch memory an ObjectDecoder holds blocks in while it works on a stripe:
// one block (with its checksum) per block it reads through ReadAt rather than
// in place through ShardSource::View(), one per lost block it rebuilds (at
// most m), and with the jerasure kernel a copy of each decode source that is
// not kRegionAlignmentBytes-aligned in place. A GET reads at most k blocks of
// a stripe, so it needs at most k + m blocks; ReconstructShards asked for
// shards that are present may need up to k + 2m. Each block is allocated on
// first need and kept, so a DecodeBuffers given to decoder after decoder
// (DecoderOptions::buffers) lets a stream of GETs run without allocating or
// page-faulting block memory. It keeps the most any decoder needed of it
// until destroyed.
//
// Thread safety: one decoder call at a time may use it.
class DecodeBuffers {
 public:
  DecodeBuffers();
  ~DecodeBuffers();
  DecodeBuffers(DecodeBuffers&&) noexcept;
  DecodeBuffers& operator=(DecodeBuffers&&) noexcept;

  // Bytes of block memory held.
  size_t capacity_bytes() const;

 private:
  friend class ObjectDecoder;
  struct Blocks;
  std::unique_ptr<Blocks> blocks_;
};

struct DecoderOptions {
  Kernel kernel = Kernel::kAuto;
  // Borrowed scratch memory to reuse, which must outlive the decoder; with
  // nullptr the decoder allocates its own and frees it with itself.
  DecodeBuffers* buffers = nullptr;
};

// A shard the decoder refused to use at all, and why.
struct ExcludedShard {
  size_t source_position = 0;  // position in the vector given to Open()
  absl::Status reason;
};

struct DecoderStats {
  uint64_t blocks_read = 0;
  uint64_t blocks_corrupt = 0;
  uint64_t stripes_decoded = 0;  // stripes that needed parity arithmetic
};

class ObjectDecoder {
 public:
  // Opens the given shards of one object. Shards whose header, footer or size
  // is unusable are excluded (see excluded()) and the rest used. Returns
  // InvalidArgument if usable shards disagree on data id, k, m, block size or
  // object size (shards of different objects) or two have the same index, and
  // DataLoss if fewer than k usable shards remain, naming why each was excluded.
  // Sources must outlive the decoder.
  static absl::StatusOr<std::unique_ptr<ObjectDecoder>> Open(std::vector<ShardSource*> sources,
                                                             const DecoderOptions& options = {});
  ~ObjectDecoder();

  const ShardHeader& header() const;  // of one usable shard; shard_index is meaningless
  const ObjectGeometry& geometry() const;
  uint64_t object_size_bytes() const { return geometry().object_size_bytes(); }
  const std::vector<ExcludedShard>& excluded() const;
  const DecoderStats& stats() const;

  // Appends object bytes [offset, offset + length) to `out`, reading only the
  // blocks that cover the range (their data shards on the healthy path).
  // Returns OutOfRange for a range past the end, DataLoss when some stripe has
  // fewer than k verified blocks, and the sink's errors.
  absl::Status ReadRange(uint64_t offset, uint64_t length, ByteSink& out);
  absl::Status ReadAll(ByteSink& out) { return ReadRange(0, object_size_bytes(), out); }

  // Rebuilds complete shard files for `shard_indices` from verified blocks of
  // the others, byte-identical to what the encoder wrote. Returns
  // InvalidArgument for an index out of range, DataLoss as ReadRange.
  absl::Status ReconstructShards(std::span<const int> shard_indices, ShardSink& out);

 private:
  struct State;
  explicit ObjectDecoder(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace hamster::ec

#endif  // HAMSTER_EC_DECODER_H_
