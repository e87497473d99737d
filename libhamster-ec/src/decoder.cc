#include "hamster/ec/decoder.h"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "aligned_buffer.h"
#include "hamster/ec/checksum.h"
#include "shard_writer.h"

namespace hamster::ec {
namespace {

uint64_t LoadChecksum(const uint8_t* bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < kBlockChecksumSizeBytes; ++i) value |= uint64_t(bytes[i]) << (8 * i);
  return value;
}

absl::Status WithContext(const absl::Status& status, const std::string& context) {
  return absl::Status(status.code(), absl::StrCat(context, status.message()));
}

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
  internal::AlignedBuffer record(size_t(info->header.block_size_bytes) + kBlockChecksumSizeBytes);
  uint64_t digest = kEmptyBlocksDigest;
  for (uint64_t stripe = 0; stripe < geometry.stripe_count(); ++stripe) {
    const uint32_t block = geometry.stripe_block_size_bytes(stripe);
    std::span<uint8_t> bytes = record.span().first(block + kBlockChecksumSizeBytes);
    if (absl::Status s = source.ReadAt(geometry.block_record_offset(stripe), bytes); !s.ok()) {
      return WithContext(s, absl::StrCat("stripe ", stripe, ": "));
    }
    const uint64_t stored = LoadChecksum(bytes.data() + block);
    digest = ExtendBlocksDigest(digest, stored);
    if (BlockChecksum(info->header, stripe, bytes.first(block)) != stored) {
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

struct ObjectDecoder::State {
  ShardHeader header;
  ObjectGeometry geometry{1, kMinBlockSizeBytes, 0};
  std::optional<Codec> codec;
  std::vector<ShardSource*> by_index;  // k + m slots; nullptr where no usable shard
  std::vector<ExcludedShard> excluded;
  DecoderStats stats;
  // One record slot (block + checksum) per shard index, and one output block
  // per shard index for decoded blocks: the stripe-sized memory bound.
  internal::AlignedBuffer records;
  internal::AlignedBuffer decoded;
  size_t slot_bytes = 0;
  std::optional<RegionDecoder> last_decoder;  // reused while the erasure pattern repeats

  uint8_t* record(int shard_index) { return records.data() + size_t(shard_index) * slot_bytes; }
  uint8_t* output(int shard_index) { return decoded.data() + size_t(shard_index) * slot_bytes; }

  absl::Status LoadBlock(uint64_t stripe, int shard_index);
  absl::StatusOr<std::vector<int>> LoadStripe(uint64_t stripe, std::span<const int> needed);
  absl::Status DecodeMissing(uint64_t stripe, const std::vector<int>& good,
                             std::span<const int> needed);
  const uint8_t* Block(int shard_index, const std::vector<int>& good) {
    return std::find(good.begin(), good.end(), shard_index) != good.end() ? record(shard_index)
                                                                          : output(shard_index);
  }
};

absl::Status ObjectDecoder::State::LoadBlock(uint64_t stripe, int shard_index) {
  ShardSource* source = by_index[shard_index];
  if (source == nullptr) return absl::NotFoundError("no shard file");
  const uint32_t block = geometry.stripe_block_size_bytes(stripe);
  std::span<uint8_t> bytes(record(shard_index), block + kBlockChecksumSizeBytes);
  ++stats.blocks_read;
  if (absl::Status s = source->ReadAt(geometry.block_record_offset(stripe), bytes); !s.ok()) {
    return WithContext(s, "read failed: ");
  }
  ShardHeader shard_header = header;
  shard_header.shard_index = shard_index;
  if (BlockChecksum(shard_header, stripe, bytes.first(block)) != LoadChecksum(&bytes[block])) {
    ++stats.blocks_corrupt;
    return absl::DataLossError("checksum mismatch");
  }
  return absl::OkStatus();
}

// Loads verified blocks of `stripe`: every needed one if possible, otherwise
// any k, data shards first. Returns the indices loaded.
absl::StatusOr<std::vector<int>> ObjectDecoder::State::LoadStripe(uint64_t stripe,
                                                                  std::span<const int> needed) {
  const int k = header.data_shard_count;
  const int n = header.shard_count();
  std::vector<int> good;
  std::vector<bool> tried(n, false);
  std::vector<std::string> problems;
  auto try_load = [&](int index) {
    tried[index] = true;
    absl::Status s = LoadBlock(stripe, index);
    if (s.ok()) {
      good.push_back(index);
    } else {
      problems.push_back(absl::StrCat("shard ", index, ": ", s.message()));
    }
  };
  for (int index : needed) try_load(index);
  if (good.size() == needed.size()) return good;
  for (int index = 0; index < n && int(good.size()) < k; ++index) {
    if (!tried[index]) try_load(index);
  }
  if (int(good.size()) < k) {
    return absl::DataLossError(absl::StrCat("stripe ", stripe, ": only ", good.size(),
                                            " of the k=", k, " blocks needed verify (",
                                            absl::StrJoin(problems, "; "), ")"));
  }
  return good;
}

absl::Status ObjectDecoder::State::DecodeMissing(uint64_t stripe, const std::vector<int>& good,
                                                 std::span<const int> needed) {
  const int k = header.data_shard_count;
  std::vector<int> available(good.begin(), good.end());
  std::sort(available.begin(), available.end());
  available.resize(k);
  std::vector<int> wanted;
  for (int index : needed) {
    if (std::find(good.begin(), good.end(), index) == good.end()) wanted.push_back(index);
  }
  if (wanted.empty()) return absl::OkStatus();
  if (!last_decoder || last_decoder->available() != available || last_decoder->wanted() != wanted) {
    absl::StatusOr<RegionDecoder> prepared = codec->PrepareDecode(available, wanted);
    if (!prepared.ok()) return prepared.status();
    last_decoder = *std::move(prepared);
  }
  const uint8_t* inputs[kMaxShardCount];
  uint8_t* outputs[kMaxShardCount];
  for (int j = 0; j < k; ++j) inputs[j] = record(available[j]);
  for (size_t w = 0; w < wanted.size(); ++w) outputs[w] = output(wanted[w]);
  last_decoder->Apply(std::span<const uint8_t* const>(inputs, k),
                      std::span<uint8_t* const>(outputs, wanted.size()),
                      geometry.stripe_block_size_bytes(stripe));
  ++stats.stripes_decoded;
  return absl::OkStatus();
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
  state->slot_bytes = internal::AlignUp(
      size_t(first.header.block_size_bytes) + kBlockChecksumSizeBytes, kRegionAlignmentBytes);
  state->records = internal::AlignedBuffer(state->slot_bytes * first.header.shard_count());
  state->decoded = internal::AlignedBuffer(state->slot_bytes * first.header.shard_count());
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
    absl::StatusOr<std::vector<int>> good = s.LoadStripe(stripe, needed);
    if (!good.ok()) return good.status();
    if (absl::Status d = s.DecodeMissing(stripe, *good, needed); !d.ok()) return d;
    for (const BlockSlice& slice : slices) {
      const uint8_t* block = s.Block(slice.shard_index, *good);
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
    absl::StatusOr<std::vector<int>> good = s.LoadStripe(stripe, wanted);
    if (!good.ok()) return good.status();
    if (absl::Status d = s.DecodeMissing(stripe, *good, wanted); !d.ok()) return d;
    const uint32_t block = s.geometry.stripe_block_size_bytes(stripe);
    for (size_t p = 0; p < wanted.size(); ++p) {
      if (absl::Status w = writer.WriteBlock(p, stripe, {s.Block(wanted[p], *good), block});
          !w.ok()) {
        return w;
      }
    }
  }
  return writer.WriteFooters(s.geometry.object_size_bytes(), s.geometry.stripe_count());
}

}  // namespace hamster::ec
