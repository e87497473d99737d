#include "ec_bench.h"

#include <cstring>
#include <memory>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "hamster/ec/checksum.h"
#include "hamster/ec/decoder.h"
#include "hamster/ec/io.h"
#include "hamster/ec/object.h"
#include "hamster/ec/stream_encoder.h"

namespace hamster::bench {
namespace {

class DiscardingShardSink : public ec::ShardSink {
 public:
  absl::Status Append(int, std::span<const uint8_t> bytes) override {
    DoNotOptimize(bytes.data());
    return absl::OkStatus();
  }
};

class DiscardingByteSink : public ec::ByteSink {
 public:
  absl::Status Append(std::span<const uint8_t> bytes) override {
    DoNotOptimize(bytes.data());
    return absl::OkStatus();
  }
};

// One stripe laid out as StreamEncoder lays it out: the k data blocks back to
// back in one buffer, the m parity blocks in another.
struct Stripe {
  Stripe(int k_in, int m_in, uint64_t seed)
      : k(k_in),
        m(m_in),
        data(size_t(k_in) * kEcBlockSizeBytes),
        parity(size_t(m_in) * kEcBlockSizeBytes) {
    FillRandom(data.span(), seed);
    std::memset(parity.data(), 0, parity.size());
    for (int j = 0; j < k; ++j) data_blocks.push_back(data.data() + size_t(j) * kEcBlockSizeBytes);
    for (int j = 0; j < m; ++j) {
      parity_blocks.push_back(parity.data() + size_t(j) * kEcBlockSizeBytes);
    }
  }
  const uint8_t* block(int shard_index) const {
    return shard_index < k ? data_blocks[shard_index] : parity_blocks[shard_index - k];
  }

  int k;
  int m;
  AlignedBuffer data;
  AlignedBuffer parity;
  std::vector<const uint8_t*> data_blocks;
  std::vector<uint8_t*> parity_blocks;
};

Rate MeasureEncodeKernel(const ec::Codec& codec, Stripe& stripe, const MeasureOptions& options) {
  return MeasureRate(
      [&] { codec.EncodeRegions(stripe.data_blocks, stripe.parity_blocks, kEcBlockSizeBytes); },
      stripe.data.size(), options);
}

// What the pipeline computes without hashing: the same kernel calls on the
// same 64 KiB column tiles as StreamEncoder makes, so the pipeline's time
// beyond this is hashing (plus striping and sink calls, measured at ~0).
Rate MeasureEncodeKernelTiled(const ec::Codec& codec, Stripe& stripe,
                              const MeasureOptions& options) {
  const int k = stripe.k;
  const int m = stripe.m;
  return MeasureRate(
      [&] {
        const uint8_t* data[ec::kMaxShardCount];
        uint8_t* parity[ec::kMaxShardCount];
        for (size_t offset = 0; offset < kEcBlockSizeBytes; offset += kEcTileBytes) {
          for (int j = 0; j < k; ++j) data[j] = stripe.data_blocks[j] + offset;
          for (int j = 0; j < m; ++j) parity[j] = stripe.parity_blocks[j] + offset;
          codec.EncodeRegions(std::span<const uint8_t* const>(data, k),
                              std::span<uint8_t* const>(parity, m), kEcTileBytes);
        }
      },
      stripe.data.size(), options);
}

// The producer (a socket read, say) is assumed to fill WritableSpace(): that
// write is not the encoder's cost, so the stripe buffer is filled once and
// every timed operation commits a whole stripe of the bytes already there.
absl::StatusOr<Rate> MeasureEncodePipeline(const Stripe& stripe, ec::Kernel kernel,
                                           const MeasureOptions& options) {
  DiscardingShardSink sink;
  absl::StatusOr<std::unique_ptr<ec::StreamEncoder>> encoder =
      ec::StreamEncoder::Create({.data_shard_count = stripe.k,
                                 .parity_shard_count = stripe.m,
                                 .block_size_bytes = uint32_t(kEcBlockSizeBytes),
                                 .data_id = {},
                                 .kernel = kernel},
                                &sink);
  if (!encoder.ok()) return encoder.status();
  std::span<uint8_t> space = (*encoder)->WritableSpace();
  if (space.size() != stripe.data.size()) {
    return absl::InternalError(
        absl::StrCat("WritableSpace() is ", space.size(), " bytes, expected a whole stripe"));
  }
  std::memcpy(space.data(), stripe.data.data(), space.size());
  absl::Status failure = (*encoder)->Commit(space.size());
  const Rate rate = MeasureRate(
      [&] {
        const absl::Status committed = (*encoder)->Commit((*encoder)->WritableSpace().size());
        if (!committed.ok() && failure.ok()) failure = committed;
      },
      stripe.data.size(), options);
  if (!failure.ok()) return failure;
  absl::StatusOr<ec::EncodeSummary> summary = (*encoder)->Finish();
  if (!summary.ok()) return summary.status();
  return rate;
}

// Loses data shards 0..m-1: the worst case, every lost block is object data.
absl::StatusOr<Rate> MeasureDecodeKernel(const ec::Codec& codec, const Stripe& stripe,
                                         const MeasureOptions& options) {
  const int k = stripe.k;
  const int m = stripe.m;
  std::vector<int> available(k);
  std::iota(available.begin(), available.end(), m);
  std::vector<int> wanted(m);
  std::iota(wanted.begin(), wanted.end(), 0);
  absl::StatusOr<ec::RegionDecoder> decoder = codec.PrepareDecode(available, wanted);
  if (!decoder.ok()) return decoder.status();
  std::vector<const uint8_t*> inputs;
  for (int index : available) inputs.push_back(stripe.block(index));
  AlignedBuffer rebuilt(size_t(m) * kEcBlockSizeBytes);
  std::vector<uint8_t*> outputs;
  for (int w = 0; w < m; ++w) outputs.push_back(rebuilt.data() + size_t(w) * kEcBlockSizeBytes);
  decoder->Apply(inputs, outputs, kEcBlockSizeBytes);
  if (std::memcmp(rebuilt.data(), stripe.data.data(), rebuilt.size()) != 0) {
    return absl::InternalError(absl::StrCat(k, "+", m, ": decoded data blocks differ"));
  }
  return MeasureRate([&] { decoder->Apply(inputs, outputs, kEcBlockSizeBytes); },
                     size_t(k) * kEcBlockSizeBytes, options);
}

Rate MeasureChecksum(const Stripe& stripe, const MeasureOptions& options) {
  const int n = stripe.k + stripe.m;
  return MeasureRate(
      [&] {
        uint64_t combined = 0;
        for (int j = 0; j < n; ++j) {
          combined ^= ec::Checksum64({stripe.block(j), kEcBlockSizeBytes}, uint64_t(j));
        }
        DoNotOptimize(combined);
      },
      size_t(n) * kEcBlockSizeBytes, options);
}

}  // namespace

namespace {

// An object of whole stripes encoded into in-memory shard files, read back
// through ObjectDecoder as a GET would.
class StoredObject {
 public:
  static absl::StatusOr<StoredObject> Create(const Stripe& stripe, int stripe_count,
                                             ec::Kernel kernel) {
    StoredObject object;
    object.k_ = stripe.k;
    object.m_ = stripe.m;
    object.kernel_ = kernel;
    object.bytes_.resize(stripe.data.size() * stripe_count);
    FillRandom(object.bytes_, 7);
    absl::StatusOr<std::vector<ec::ShardFile>> files =
        ec::EncodeObject(object.bytes_, {.data_shard_count = stripe.k,
                                         .parity_shard_count = stripe.m,
                                         .block_size_bytes = uint32_t(kEcBlockSizeBytes),
                                         .data_id = {},
                                         .kernel = kernel});
    if (!files.ok()) return files.status();
    object.files_ = *std::move(files);
    return object;
  }

  // The sources of every shard file except data shards 0 .. lost_count - 1.
  std::vector<std::unique_ptr<ec::MemoryShardSource>> Sources(int lost_count) const {
    std::vector<std::unique_ptr<ec::MemoryShardSource>> sources;
    for (size_t i = size_t(lost_count); i < files_.size(); ++i) {
      sources.push_back(std::make_unique<ec::MemoryShardSource>(files_[i]));
    }
    return sources;
  }

  // One GET of the whole object into `sink`, in `buffers` when given.
  absl::Status ReadAll(const std::vector<std::unique_ptr<ec::MemoryShardSource>>& sources,
                       ec::ByteSink& sink, ec::DecodeBuffers* buffers) const {
    std::vector<ec::ShardSource*> pointers;
    for (const auto& source : sources) pointers.push_back(source.get());
    absl::StatusOr<std::unique_ptr<ec::ObjectDecoder>> decoder =
        ec::ObjectDecoder::Open(std::move(pointers), {.kernel = kernel_, .buffers = buffers});
    if (!decoder.ok()) return decoder.status();
    return (*decoder)->ReadAll(sink);
  }

  // A server keeps one DecodeBuffers per thread, so its GETs reuse block
  // memory; `reuse_buffers` = false gives every GET a decoder of its own.
  absl::StatusOr<Rate> MeasureReadAll(int lost_count, bool reuse_buffers,
                                      const MeasureOptions& options) const {
    const std::vector<std::unique_ptr<ec::MemoryShardSource>> sources = Sources(lost_count);
    ec::DecodeBuffers reused;
    ec::DecodeBuffers* buffers = reuse_buffers ? &reused : nullptr;
    ec::MemoryByteSink check;
    if (absl::Status read = ReadAll(sources, check, buffers); !read.ok()) return read;
    if (check.bytes() != bytes_) {
      return absl::InternalError(absl::StrCat(k_, "+", m_, ": ReadAll without ", lost_count,
                                              " data shards returned other bytes"));
    }
    DiscardingByteSink sink;
    absl::Status failure;
    const Rate rate = MeasureRate(
        [&] {
          const absl::Status read = ReadAll(sources, sink, buffers);
          if (!read.ok() && failure.ok()) failure = read;
        },
        bytes_.size(), options);
    if (!failure.ok()) return failure;
    return rate;
  }

 private:
  int k_ = 0;
  int m_ = 0;
  ec::Kernel kernel_ = ec::Kernel::kAuto;
  std::vector<uint8_t> bytes_;
  std::vector<ec::ShardFile> files_;
};

absl::StatusOr<EcProfileResult> MeasureProfile(const EcProfile& profile,
                                               const EcBenchOptions& options) {
  const int k = profile.data_shard_count;
  const int m = profile.parity_shard_count;
  absl::StatusOr<ec::Codec> codec =
      ec::Codec::Create({.data_shard_count = k, .parity_shard_count = m, .kernel = options.kernel});
  if (!codec.ok()) return codec.status();
  Stripe stripe(k, m, uint64_t(k) * 100 + m);
  const MeasureOptions& measure = options.measure;
  EcProfileResult result;
  result.profile = profile;
  result.memcpy = MeasureMemcpy(stripe.data.data(), stripe.data.size(), measure);
  result.encode_kernel = MeasureEncodeKernel(*codec, stripe, measure);
  result.encode_kernel_tiled = MeasureEncodeKernelTiled(*codec, stripe, measure);
  absl::StatusOr<Rate> pipeline = MeasureEncodePipeline(stripe, options.kernel, measure);
  if (!pipeline.ok()) return pipeline.status();
  result.encode_pipeline = *pipeline;
  absl::StatusOr<Rate> decode_kernel = MeasureDecodeKernel(*codec, stripe, measure);
  if (!decode_kernel.ok()) return decode_kernel.status();
  result.decode_kernel = *decode_kernel;
  result.checksum = MeasureChecksum(stripe, measure);

  absl::StatusOr<StoredObject> object =
      StoredObject::Create(stripe, options.object_stripe_count, options.kernel);
  if (!object.ok()) return object.status();
  absl::StatusOr<Rate> decode_object = object->MeasureReadAll(m, true, measure);
  if (!decode_object.ok()) return decode_object.status();
  result.decode_object = *decode_object;
  absl::StatusOr<Rate> decode_fresh = object->MeasureReadAll(m, false, measure);
  if (!decode_fresh.ok()) return decode_fresh.status();
  result.decode_object_fresh = *decode_fresh;
  absl::StatusOr<Rate> read_healthy = object->MeasureReadAll(0, true, measure);
  if (!read_healthy.ok()) return read_healthy.status();
  result.read_healthy = *read_healthy;
  return result;
}

}  // namespace

double EcProfileResult::stripe_bytes() const {
  return double(profile.data_shard_count) * double(kEcBlockSizeBytes);
}

double EcProfileResult::encode_kernel_seconds() const {
  return stripe_bytes() / (encode_kernel.gigabytes_per_second * kBytesPerGigabyte);
}

double EcProfileResult::encode_pipeline_seconds() const {
  return stripe_bytes() / (encode_pipeline.gigabytes_per_second * kBytesPerGigabyte);
}

double EcProfileResult::encode_kernel_tiled_seconds() const {
  return stripe_bytes() / (encode_kernel_tiled.gigabytes_per_second * kBytesPerGigabyte);
}

double EcProfileResult::checksum_seconds() const {
  const double hashed =
      double(profile.data_shard_count + profile.parity_shard_count) * double(kEcBlockSizeBytes);
  return hashed / (checksum.gigabytes_per_second * kBytesPerGigabyte);
}

absl::StatusOr<EcBenchReport> RunEcBench(const EcBenchOptions& options) {
  if (!ec::KernelAvailable(options.kernel)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "kernel ", std::string(ec::KernelName(options.kernel)), " is not available in this build"));
  }
  absl::StatusOr<ec::Codec> probe =
      ec::Codec::Create({.data_shard_count = 1, .parity_shard_count = 1, .kernel = options.kernel});
  if (!probe.ok()) return probe.status();
  EcBenchReport report{.kernel = std::string(ec::KernelName(probe->kernel())),
                       .checksum_implementation = std::string(ec::ChecksumImplementationName()),
                       .measure = options.measure,
                       .object_stripe_count = options.object_stripe_count,
                       .profiles = {}};
  for (const EcProfile& profile : kEcProfiles) {
    absl::StatusOr<EcProfileResult> result = MeasureProfile(profile, options);
    if (!result.ok()) return result.status();
    report.profiles.push_back(*result);
  }
  return report;
}

}  // namespace hamster::bench
