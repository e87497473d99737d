#include "hamster/ec/codec.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "aligned_buffer.h"
#include "kernel.h"

namespace hamster::ec {

std::string_view KernelName(Kernel kernel) {
  switch (kernel) {
    case Kernel::kAuto:
      return "auto";
    case Kernel::kIsal:
      return "isal";
    case Kernel::kJerasure:
      return "jerasure";
  }
  return "unknown";
}

bool KernelAvailable(Kernel kernel) {
#ifdef HAMSTER_HAVE_ISAL
  (void)kernel;
  return true;
#else
  return kernel != Kernel::kIsal;
#endif
}

void RegionDecoder::Apply(std::span<const uint8_t* const> inputs, std::span<uint8_t* const> outputs,
                          size_t region_size_bytes) const {
  internal::MultiplyRegions(*matrix_, inputs, outputs, region_size_bytes);
}

absl::Status ValidateProfile(int data_shard_count, int parity_shard_count) {
  const int k = data_shard_count;
  const int m = parity_shard_count;
  if (k < 1 || m < 0 || k + m > kMaxShardCount) {
    return absl::InvalidArgumentError(
        absl::StrCat("erasure profile k=", k, " m=", m,
                     " out of range: need k >= 1, m >= 0, k + m <= ", kMaxShardCount));
  }
  return absl::OkStatus();
}

absl::StatusOr<Codec> Codec::Create(const CodecOptions& options) {
  const int k = options.data_shard_count;
  const int m = options.parity_shard_count;
  if (absl::Status valid = ValidateProfile(k, m); !valid.ok()) return valid;
  if (!KernelAvailable(options.kernel)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "kernel ", std::string(KernelName(options.kernel)), " is not available in this build"));
  }
  internal::EnsureGaloisFieldReady();
  Codec codec;
  codec.k_ = k;
  codec.m_ = m;
  codec.kernel_ = internal::ResolveKernel(options.kernel);
  codec.parity_matrix_ = internal::CauchyGoodParityRows(k, m);
  codec.encode_matrix_ = std::make_shared<const internal::PreparedMatrix>(
      internal::PrepareMatrix(codec.kernel_, m, k, codec.parity_matrix_));
  return codec;
}

void Codec::EncodeRegions(std::span<const uint8_t* const> data, std::span<uint8_t* const> parity,
                          size_t region_size_bytes) const {
  internal::MultiplyRegions(*encode_matrix_, data, parity, region_size_bytes);
}

absl::StatusOr<RegionDecoder> Codec::PrepareDecode(std::span<const int> available,
                                                   std::span<const int> wanted) const {
  const int n = shard_count();
  std::vector<bool> seen(n, false);
  for (int index : available) {
    if (index < 0 || index >= n) {
      return absl::InvalidArgumentError(
          absl::StrCat("shard index ", index, " out of range for k+m=", n));
    }
    if (seen[index]) {
      return absl::InvalidArgumentError(absl::StrCat("shard index ", index, " given twice"));
    }
    seen[index] = true;
  }
  for (int index : wanted) {
    if (index < 0 || index >= n) {
      return absl::InvalidArgumentError(
          absl::StrCat("wanted shard index ", index, " out of range for k+m=", n));
    }
  }
  if (available.size() < size_t(k_)) {
    return absl::DataLossError(
        absl::StrCat("need k=", k_, " shards to decode, have ", available.size()));
  }

  // Rows of the generator matrix for the k sources; their inverse maps the
  // sources back to the data shards, and generator rows map data to anything.
  auto generator_row = [&](int index, int column) -> uint8_t {
    if (index < k_) return index == column ? 1 : 0;
    return parity_matrix_[size_t(index - k_) * k_ + column];
  };
  std::vector<uint8_t> sources(size_t(k_) * k_);
  for (int r = 0; r < k_; ++r) {
    for (int c = 0; c < k_; ++c) sources[size_t(r) * k_ + c] = generator_row(available[r], c);
  }
  std::optional<std::vector<uint8_t>> inverse = internal::InvertMatrix(sources, k_);
  if (!inverse.has_value()) {
    return absl::InternalError("decoding matrix is singular: the code is not MDS");
  }
  std::vector<uint8_t> rows(wanted.size() * k_, 0);
  for (size_t w = 0; w < wanted.size(); ++w) {
    for (int c = 0; c < k_; ++c) {
      uint8_t value = 0;
      for (int j = 0; j < k_; ++j) {
        value ^= internal::GfMultiply(generator_row(wanted[w], j), (*inverse)[size_t(j) * k_ + c]);
      }
      rows[w * k_ + c] = value;
    }
  }
  RegionDecoder decoder;
  decoder.available_.assign(available.begin(), available.begin() + k_);
  decoder.wanted_.assign(wanted.begin(), wanted.end());
  decoder.matrix_ = std::make_shared<const internal::PreparedMatrix>(
      internal::PrepareMatrix(kernel_, int(wanted.size()), k_, std::move(rows)));
  return decoder;
}

size_t Codec::ShardSizeBytes(size_t stripe_size_bytes) const {
  return internal::AlignUp((stripe_size_bytes + k_ - 1) / k_, kRegionAlignmentBytes);
}

std::vector<Shard> Codec::Encode(std::span<const uint8_t> stripe) const {
  const size_t shard_size = ShardSizeBytes(stripe.size());
  // Kernels need aligned regions, which std::vector does not promise.
  internal::AlignedBuffer buffer(shard_size * shard_count());
  std::memset(buffer.data(), 0, buffer.size());
  if (!stripe.empty()) std::memcpy(buffer.data(), stripe.data(), stripe.size());
  std::vector<const uint8_t*> data(k_);
  std::vector<uint8_t*> parity(m_);
  for (int i = 0; i < k_; ++i) data[i] = buffer.data() + size_t(i) * shard_size;
  for (int i = 0; i < m_; ++i) parity[i] = buffer.data() + size_t(k_ + i) * shard_size;
  EncodeRegions(data, parity, shard_size);
  std::vector<Shard> shards;
  shards.reserve(shard_count());
  for (int i = 0; i < shard_count(); ++i) {
    const uint8_t* begin = buffer.data() + size_t(i) * shard_size;
    shards.emplace_back(begin, begin + shard_size);
  }
  return shards;
}

absl::Status Codec::Reconstruct(std::vector<std::optional<Shard>>& shards) const {
  if (shards.size() != size_t(shard_count())) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected k+m=", shard_count(), " shard slots, got ", shards.size()));
  }
  std::vector<int> available;
  std::vector<int> wanted;
  std::optional<size_t> shard_size;
  for (int i = 0; i < shard_count(); ++i) {
    if (!shards[i].has_value()) {
      wanted.push_back(i);
      continue;
    }
    if (shard_size.has_value() && shards[i]->size() != *shard_size) {
      return absl::InvalidArgumentError(
          absl::StrCat("shard ", i, " is ", shards[i]->size(), " bytes, others ", *shard_size));
    }
    shard_size = shards[i]->size();
    available.push_back(i);
  }
  if (wanted.empty()) return absl::OkStatus();
  if (shard_size.has_value() && *shard_size % kRegionAlignmentBytes != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("shard size ", *shard_size, " is not a multiple of ", kRegionAlignmentBytes));
  }
  absl::StatusOr<RegionDecoder> decoder = PrepareDecode(available, wanted);
  if (!decoder.ok()) return decoder.status();

  const size_t size = *shard_size;
  internal::AlignedBuffer inputs(size * k_);
  internal::AlignedBuffer outputs(size * wanted.size());
  std::vector<const uint8_t*> in(k_);
  std::vector<uint8_t*> out(wanted.size());
  for (int j = 0; j < k_; ++j) {
    in[j] = inputs.data() + size_t(j) * size;
    if (size > 0) std::memcpy(inputs.data() + size_t(j) * size, shards[available[j]]->data(), size);
  }
  for (size_t w = 0; w < wanted.size(); ++w) out[w] = outputs.data() + w * size;
  decoder->Apply(in, out, size);
  for (size_t w = 0; w < wanted.size(); ++w) {
    shards[wanted[w]] = Shard(out[w], out[w] + size);
  }
  return absl::OkStatus();
}

}  // namespace hamster::ec
