#ifndef HAMSTER_EC_OBJECT_H_
#define HAMSTER_EC_OBJECT_H_

// Whole-buffer convenience API over StreamEncoder and ObjectDecoder: encode an
// object held in memory into k + m shard files held in memory, decode it from
// any k of them, rebuild chosen lost ones. The shard files are exactly those
// the streaming API writes.

#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "hamster/ec/decoder.h"
#include "hamster/ec/stream_encoder.h"

namespace hamster::ec {

using ShardFile = std::vector<uint8_t>;

// Returns the k + m shard files, indexed by shard index. Errors as StreamEncoder::Create.
absl::StatusOr<std::vector<ShardFile>> EncodeObject(std::span<const uint8_t> object,
                                                    const EncoderOptions& options);

// Decodes the object from any k (or more) of its shard files, in any order.
// Errors as ObjectDecoder::Open and ReadAll.
absl::StatusOr<std::vector<uint8_t>> DecodeObject(
    const std::vector<std::span<const uint8_t>>& shard_files, const DecoderOptions& options = {});

// Rebuilds the shard files with the given indices from the available ones.
absl::StatusOr<std::map<int, ShardFile>> ReconstructShardFiles(
    const std::vector<std::span<const uint8_t>>& shard_files, std::span<const int> shard_indices,
    const DecoderOptions& options = {});

}  // namespace hamster::ec

#endif  // HAMSTER_EC_OBJECT_H_
