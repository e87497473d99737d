#ifndef HAMSTER_EC_CODEC_H_
#define HAMSTER_EC_CODEC_H_

// A Codec cuts a stripe into k data shards and m parity shards with a
// systematic Reed-Solomon code over GF(2^8), and rebuilds lost shards from any
// k of them. The generator matrix is Hamster's (a Cauchy matrix computed with
// jerasure, see docs/adr/0002); the region arithmetic runs on a kernel: Intel
// ISA-L when the build found it, jerasure + gf-complete otherwise. Both kernels
// produce byte-identical shards, so shards written with one decode with the
// other.
//
// Thread safety: a Codec is immutable after Create(); share it freely. So is a
// RegionDecoder after PrepareDecode().

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hamster::ec {

enum class Kernel {
  kAuto,      // ISA-L when available, else jerasure
  kIsal,      // Intel ISA-L ec_encode_data with Hamster's matrix
  kJerasure,  // jerasure + gf-complete region multiply
};

std::string_view KernelName(Kernel kernel);
// kAuto and kJerasure are always available; kIsal only when the build found ISA-L.
bool KernelAvailable(Kernel kernel);

struct CodecOptions {
  int data_shard_count = 4;    // k
  int parity_shard_count = 2;  // m
  Kernel kernel = Kernel::kAuto;
};

// Region pointers handed to a Codec must be aligned to this many bytes and
// region sizes must be a multiple of it: gf-complete aborts the process on
// misaligned regions, and the SIMD kernels run fastest on whole cache lines.
// With Kernel::kIsal pointers may have any alignment (sizes may not): ISA-L
// loads and stores unaligned, which lets the decoder use blocks in place.
inline constexpr size_t kRegionAlignmentBytes = 64;
inline constexpr int kMaxShardCount = 32;

using Shard = std::vector<uint8_t>;

// Returns InvalidArgument, naming k and m, unless k >= 1, m >= 0 and k + m <= 32.
absl::Status ValidateProfile(int data_shard_count, int parity_shard_count);

namespace internal {
struct PreparedMatrix;
}

// Rebuilds a fixed set of wanted shards from a fixed set of k available ones;
// prepared once per erasure pattern, applied to every stripe that shares it.
class RegionDecoder {
 public:
  // Shard indices, in the order Apply() takes its inputs and outputs.
  const std::vector<int>& available() const { return available_; }
  const std::vector<int>& wanted() const { return wanted_; }

  // outputs[i] receives shard wanted()[i], computed from inputs[j] holding
  // shard available()[j]. Inputs and outputs must not overlap.
  // REQUIRES: inputs.size() == available().size(), outputs.size() ==
  // wanted().size(), every pointer kRegionAlignmentBytes-aligned (any with
  // the ISA-L kernel), region_size_bytes a multiple of kRegionAlignmentBytes.
  void Apply(std::span<const uint8_t* const> inputs, std::span<uint8_t* const> outputs,
             size_t region_size_bytes) const;

 private:
  friend class Codec;
  std::vector<int> available_;
  std::vector<int> wanted_;
  std::shared_ptr<const internal::PreparedMatrix> matrix_;
};

class Codec {
 public:
  // Returns InvalidArgument unless k >= 1, m >= 0 and k + m <= 32, or when the
  // requested kernel is not available in this build.
  static absl::StatusOr<Codec> Create(const CodecOptions& options);

  int data_shard_count() const { return k_; }
  int parity_shard_count() const { return m_; }
  int shard_count() const { return k_ + m_; }
  // The kernel in use: never kAuto.
  Kernel kernel() const { return kernel_; }
  // Row-major m x k coefficients of the parity rows of the generator matrix.
  const std::vector<uint8_t>& parity_matrix() const { return parity_matrix_; }

  // Computes the m parity regions of one stripe from its k data regions.
  // REQUIRES: data.size() == k, parity.size() == m, alignment as RegionDecoder.
  void EncodeRegions(std::span<const uint8_t* const> data, std::span<uint8_t* const> parity,
                     size_t region_size_bytes) const;

  // Prepares rebuilding `wanted` from the first k shard indices of `available`.
  // Returns DataLoss if fewer than k are available, InvalidArgument for an
  // index outside [0, k + m) or listed twice.
  absl::StatusOr<RegionDecoder> PrepareDecode(std::span<const int> available,
                                              std::span<const int> wanted) const;

  // Size of each shard Encode() returns for a stripe of `stripe_size_bytes`:
  // ceil(stripe / k) rounded up to kRegionAlignmentBytes.
  size_t ShardSizeBytes(size_t stripe_size_bytes) const;

  // Splits `stripe` into k data shards then m parity shards, each
  // ShardSizeBytes(stripe.size()) long; the tail of the data is zero-padded.
  std::vector<Shard> Encode(std::span<const uint8_t> stripe) const;

  // Fills in every std::nullopt among the k + m `shards`. Returns DataLoss if
  // fewer than k are present, InvalidArgument if shards.size() != k + m or the
  // present shards' sizes differ or are not a multiple of kRegionAlignmentBytes.
  absl::Status Reconstruct(std::vector<std::optional<Shard>>& shards) const;

 private:
  Codec() = default;

  int k_ = 0;
  int m_ = 0;
  Kernel kernel_ = Kernel::kJerasure;
  std::vector<uint8_t> parity_matrix_;
  std::shared_ptr<const internal::PreparedMatrix> encode_matrix_;
};

}  // namespace hamster::ec

#endif  // HAMSTER_EC_CODEC_H_
