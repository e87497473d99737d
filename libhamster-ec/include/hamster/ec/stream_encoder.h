#ifndef HAMSTER_EC_STREAM_ENCODER_H_
#define HAMSTER_EC_STREAM_ENCODER_H_

// A StreamEncoder turns a byte stream of unknown length into k + m shard files
// (shard_format.h), stripe by stripe. Memory use is one stripe: (k + m) blocks,
// independent of the object size (invariant 6).
//
// Feed bytes with Write() (copies), or zero-copy: fill WritableSpace() and
// Commit() what was filled, e.g. by reading a socket straight into it. Each
// full stripe is encoded and appended to the sink at once: shard i receives its
// header on the first stripe, then one block record per stripe, then its footer
// on Finish().
//
// Thread safety: one thread at a time.

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/ec/codec.h"
#include "hamster/ec/io.h"
#include "hamster/ec/shard_format.h"

namespace hamster::ec {

struct EncoderOptions {
  int data_shard_count = 4;    // k
  int parity_shard_count = 2;  // m
  uint32_t block_size_bytes = kDefaultBlockSizeBytes;
  DataId data_id{};
  Kernel kernel = Kernel::kAuto;
};

// What a finished encode wrote, for metadata to record.
struct EncodeSummary {
  uint64_t object_size_bytes = 0;
  uint64_t stripe_count = 0;
  uint64_t shard_file_size_bytes = 0;
  std::vector<uint64_t> blocks_digests;  // ShardFooter::blocks_digest, per shard index
};

class StreamEncoder {
 public:
  // Returns InvalidArgument for k, m, block size or kernel out of range.
  // `sink` must outlive the encoder.
  static absl::StatusOr<std::unique_ptr<StreamEncoder>> Create(const EncoderOptions& options,
                                                               ShardSink* sink);
  ~StreamEncoder();

  // Appends `bytes` to the object. Errors come from the sink; after one, the
  // encoder refuses further calls with FailedPrecondition.
  absl::Status Write(std::span<const uint8_t> bytes);

  // The unfilled rest of the current stripe; never empty before Finish().
  std::span<uint8_t> WritableSpace();
  // Declares the first `byte_count` bytes of WritableSpace() filled.
  // REQUIRES: byte_count <= WritableSpace().size().
  absl::Status Commit(size_t byte_count);

  // Encodes the last, partial stripe and writes the footers. Further calls
  // return FailedPrecondition.
  absl::StatusOr<EncodeSummary> Finish();

  const ShardHeader& header_template() const;

 private:
  struct State;
  explicit StreamEncoder(std::unique_ptr<State> state);
  absl::Status EmitStripe(uint64_t data_size_bytes);
  std::unique_ptr<State> state_;
};

}  // namespace hamster::ec

#endif  // HAMSTER_EC_STREAM_ENCODER_H_
