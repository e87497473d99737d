#include "hamster/ec/decoder.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "decoder_state.h"
#include "shard_writer.h"

namespace hamster::ec {

using internal::LoadChecksum;
using internal::ReadRecord;
using internal::WithContext;

namespace {

// The data-block slices of one stripe that cover object bytes [begin, end).
std::vector<BlockSlice> StripeSlices(const ObjectGeometry& geometry, uint64_t stripe,
                                     uint64_t begin, uint64_t end) {
  std::vector<BlockSlice> slices;
  const uint64_t stripe_start = geometry.stripe_object_offset(stripe);
  const uint64_t lo = std::max(begin, stripe_start) - stripe_start;
  const uint64_t hi =
      std::min(end, stripe_start + geometry.stripe_data_size_bytes(stripe)) - stripe_start;
  const uint32_t block = geometry.stripe_block_size_bytes(stripe);
  for (uint64_t j = lo / block; j * block < hi; ++j) {
    const uint64_t from = std::max(lo, j * block);
    const uint64_t to = std::min(hi, (j + 1) * block);
    slices.push_back(BlockSlice{.stripe_index = stripe,
                                .shard_index = int(j),
                                .record_offset = geometry.block_record_offset(stripe),
                                .block_size_bytes = block,
                                .offset_in_block = uint32_t(from - j * block),
                                .length = uint32_t(to - from)});
  }
  return slices;
}

absl::Status CheckRange(const ObjectGeometry& geometry, uint64_t offset, uint64_t length) {
  const uint64_t size = geometry.object_size_bytes();
  if (offset > size || length > size - offset) {
    return absl::OutOfRangeError(absl::StrCat("range [", offset, ", +", length,
                                              ") ends past the object's ", size, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ShardInfo> ReadShardInfo(ShardSource& source) {
  absl::StatusOr<uint64_t> size = source.SizeBytes();
  if (!size.ok()) return size.status();
  uint8_t header_bytes[kShardHeaderSizeBytes];
  const size_t header_read = std::min<uint64_t>(*size, kShardHeaderSizeBytes);
  if (absl::Status s = source.ReadAt(0, {header_bytes, header_read}); !s.ok()) return s;
  absl::StatusOr<ShardHeader> header = ParseHeader({header_bytes, header_read});
  if (!header.ok()) return header.status();
  if (*size < kShardHeaderSizeBytes + kShardFooterSizeBytes) {
    return absl::DataLossError(
        absl::StrCat("truncated shard: ", *size, " bytes, too short for header and footer"));
  }
  uint8_t footer_bytes[kShardFooterSizeBytes];
  if (absl::Status s = source.ReadAt(*size - kShardFooterSizeBytes, footer_bytes); !s.ok()) {
    return s;
  }
  absl::StatusOr<ShardFooter> footer = ParseFooter(*header, footer_bytes);
  if (!footer.ok()) return footer.status();
  ShardInfo info{.header = *header, .footer = *footer, .file_size_bytes = *size};
  const uint64_t expected = info.geometry().shard_file_size_bytes();
  if (expected != *size) {
    return absl::DataLossError(absl::StrCat("shard file is ", *size, " bytes but its header and ",
                                            "footer imply ", expected, " (truncated or spliced)"));
  }
  return info;
}

absl::StatusOr<VerifyReport> VerifyShard(ShardSource& source) {
  absl::StatusOr<ShardInfo> info = ReadShardInfo(source);
  if (!info.ok()) return info.status();
  VerifyReport report{.info = *info, .corrupt_stripes = {}, .blocks_digest_matches = true};
  const ObjectGeometry geometry = info->geometry();
  const size_t record_bytes = size_t(info->header.block_size_bytes) + kBlockChecksumSizeBytes;
  internal::AlignedBuffer scratch;
  uint64_t digest = kEmptyBlocksDigest;
  for (uint64_t stripe = 0; stripe < geometry.stripe_count(); ++stripe) {
    const uint32_t block = geometry.stripe_block_size_bytes(stripe);
    absl::StatusOr<const uint8_t*> record =
        ReadRecord(source, geometry.block_record_offset(stripe), block + kBlockChecksumSizeBytes,
                   scratch, record_bytes);
    if (!record.ok()) return WithContext(record.status(), absl::StrCat("stripe ", stripe, ": "));
    const uint64_t stored = LoadChecksum(*record + block);
    digest = ExtendBlocksDigest(digest, stored);
    if (BlockChecksum(info->header, stripe, {*record, block}) != stored) {
      report.corrupt_stripes.push_back(stripe);
    }
  }
  report.blocks_digest_matches = digest == info->footer.blocks_digest;
  return report;
}

absl::StatusOr<std::vector<BlockSlice>> PlanRange(const ObjectGeometry& geometry, uint64_t offset,
                                                  uint64_t length) {
  if (absl::Status s = CheckRange(geometry, offset, length); !s.ok()) return s;
  std::vector<BlockSlice> plan;
  if (length == 0) return plan;
  const uint64_t stripe_bytes = geometry.full_stripe_size_bytes();
  for (uint64_t stripe = offset / stripe_bytes; stripe <= (offset + length - 1) / stripe_bytes;
       ++stripe) {
    std::vector<BlockSlice> slices = StripeSlices(geometry, stripe, offset, offset + length);
    plan.insert(plan.end(), slices.begin(), slices.end());
  }
  return plan;
}

absl::StatusOr<std::unique_ptr<ObjectDecoder>> ObjectDecoder::Open(
    std::vector<ShardSource*> sources, const DecoderOptions& options) {
  auto state = std::make_unique<State>();
  std::vector<std::pair<size_t, ShardInfo>> usable;
  for (size_t position = 0; position < sources.size(); ++position) {
    absl::StatusOr<ShardInfo> info = ReadShardInfo(*sources[position]);
    if (info.ok()) {
      usable.emplace_back(position, *info);
    } else {
      state->excluded.push_back({position, info.status()});
    }
  }
  // " (#0: why; #3: why)" naming every excluded shard, or nothing.
  auto describe_exclusions = [&]() -> std::string {
    if (state->excluded.empty()) return "";
    std::vector<std::string> reasons;
    for (const ExcludedShard& e : state->excluded) {
      reasons.push_back(absl::StrCat("shard file #", e.source_position, ": ", e.reason.message()));
    }
    return absl::StrCat(" (", absl::StrJoin(reasons, "; "), ")");
  };
  if (usable.empty()) {
    return absl::DataLossError(absl::StrCat("no usable shard files", describe_exclusions()));
  }
  const auto& [first_position, first] = usable.front();
  auto profile = [](const ShardInfo& i) {
    return absl::StrCat("data id ", DataIdToHex(i.header.data_id), ", ", i.header.data_shard_count,
                        "+", i.header.parity_shard_count, ", block ", i.header.block_size_bytes,
                        ", size ", i.footer.object_size_bytes);
  };
  state->header = first.header;
  state->by_index.assign(first.header.shard_count(), nullptr);
  std::vector<size_t> position_of_index(first.header.shard_count(), 0);
  for (const auto& [position, info] : usable) {
    if (profile(info) != profile(first)) {
      return absl::InvalidArgumentError(
          absl::StrCat("shard files belong to different objects or profiles: #", first_position,
                       " has ", profile(first), "; #", position, " has ", profile(info)));
    }
    const int index = info.header.shard_index;
    if (state->by_index[index] != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("shard files #", position_of_index[index],
                                                     " and #", position, " both hold shard index ",
                                                     index));
    }
    state->by_index[index] = sources[position];
    position_of_index[index] = position;
  }
  const int k = first.header.data_shard_count;
  if (int(usable.size()) < k) {
    return absl::DataLossError(absl::StrCat("need k=", k, " usable shard files, have ",
                                            usable.size(), describe_exclusions()));
  }
  absl::StatusOr<Codec> codec =
      Codec::Create({.data_shard_count = k,
                     .parity_shard_count = first.header.parity_shard_count,
                     .kernel = options.kernel});
  if (!codec.ok()) return codec.status();
  state->codec = *std::move(codec);
  state->geometry = first.geometry();
  state->record_bytes = size_t(first.header.block_size_bytes) + kBlockChecksumSizeBytes;
  if (options.buffers != nullptr) state->buffers = options.buffers;
  return std::unique_ptr<ObjectDecoder>(new ObjectDecoder(std::move(state)));
}

ObjectDecoder::ObjectDecoder(std::unique_ptr<State> state) : state_(std::move(state)) {}
ObjectDecoder::~ObjectDecoder() = default;

const ShardHeader& ObjectDecoder::header() const { return state_->header; }
const ObjectGeometry& ObjectDecoder::geometry() const { return state_->geometry; }
const std::vector<ExcludedShard>& ObjectDecoder::excluded() const { return state_->excluded; }
const DecoderStats& ObjectDecoder::stats() const { return state_->stats; }

absl::Status ObjectDecoder::ReadRange(uint64_t offset, uint64_t length, ByteSink& out) {
  State& s = *state_;
  if (absl::Status valid = CheckRange(s.geometry, offset, length); !valid.ok()) return valid;
  if (length == 0) return absl::OkStatus();
  const uint64_t stripe_bytes = s.geometry.full_stripe_size_bytes();
  const uint64_t end = offset + length;
  for (uint64_t stripe = offset / stripe_bytes; stripe <= (end - 1) / stripe_bytes; ++stripe) {
    const std::vector<BlockSlice> slices = StripeSlices(s.geometry, stripe, offset, end);
    std::vector<int> needed;
    for (const BlockSlice& slice : slices) needed.push_back(slice.shard_index);
    absl::StatusOr<std::vector<int>> good = s.LoadAndDecode(stripe, needed, false);
    if (!good.ok()) return good.status();
    for (const BlockSlice& slice : slices) {
      const uint8_t* block = s.blocks[slice.shard_index];
      if (absl::Status a = out.Append({block + slice.offset_in_block, slice.length}); !a.ok()) {
        return a;
      }
    }
  }
  return absl::OkStatus();
}

absl::Status ObjectDecoder::ReconstructShards(std::span<const int> shard_indices, ShardSink& out) {
  State& s = *state_;
  std::vector<int> wanted(shard_indices.begin(), shard_indices.end());
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  for (int index : wanted) {
    if (index < 0 || index >= s.header.shard_count()) {
      return absl::InvalidArgumentError(
          absl::StrCat("shard index ", index, " out of range for k+m=", s.header.shard_count()));
    }
  }
  internal::ShardFileWriter writer(s.header, wanted, &out);
  if (absl::Status w = writer.WriteHeaders(); !w.ok()) return w;
  for (uint64_t stripe = 0; stripe < s.geometry.stripe_count(); ++stripe) {
    absl::StatusOr<std::vector<int>> good = s.LoadAndDecode(stripe, wanted, true);
    if (!good.ok()) return good.status();
    const uint32_t block = s.geometry.stripe_block_size_bytes(stripe);
    for (size_t p = 0; p < wanted.size(); ++p) {
      const int index = wanted[p];
      const std::span<const uint8_t> bytes(s.blocks[index], block);
      // A block read from its own shard keeps the checksum it was verified
      // against, and the one-pass path hashed what it rebuilt.
      const bool loaded = std::find(good->begin(), good->end(), index) != good->end();
      absl::Status w = loaded ? writer.WriteBlock(p, stripe, bytes, s.stored_checksums[index])
                       : s.rebuilt_hashed[index]
                           ? writer.WriteBlock(p, stripe, bytes, s.rebuilt_checksums[index])
                           : writer.WriteBlock(p, stripe, bytes);
      if (!w.ok()) return w;
    }
  }
  return writer.WriteFooters(s.geometry.object_size_bytes(), s.geometry.stripe_count());
}

}  // namespace hamster::ec
