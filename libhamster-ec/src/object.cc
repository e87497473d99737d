#include "hamster/ec/object.h"

namespace hamster::ec {
namespace {

std::vector<MemoryShardSource> SourcesFor(const std::vector<std::span<const uint8_t>>& files) {
  return std::vector<MemoryShardSource>(files.begin(), files.end());
}

std::vector<ShardSource*> Pointers(std::vector<MemoryShardSource>& sources) {
  std::vector<ShardSource*> pointers;
  for (MemoryShardSource& source : sources) pointers.push_back(&source);
  return pointers;
}

}  // namespace

absl::StatusOr<std::vector<ShardFile>> EncodeObject(std::span<const uint8_t> object,
                                                    const EncoderOptions& options) {
  MemoryShardSink sink(options.data_shard_count + options.parity_shard_count);
  absl::StatusOr<std::unique_ptr<StreamEncoder>> encoder = StreamEncoder::Create(options, &sink);
  if (!encoder.ok()) return encoder.status();
  if (absl::Status s = (*encoder)->Write(object); !s.ok()) return s;
  absl::StatusOr<EncodeSummary> summary = (*encoder)->Finish();
  if (!summary.ok()) return summary.status();
  return std::move(sink.shards());
}

absl::StatusOr<std::vector<uint8_t>> DecodeObject(
    const std::vector<std::span<const uint8_t>>& shard_files, const DecoderOptions& options) {
  std::vector<MemoryShardSource> sources = SourcesFor(shard_files);
  absl::StatusOr<std::unique_ptr<ObjectDecoder>> decoder =
      ObjectDecoder::Open(Pointers(sources), options);
  if (!decoder.ok()) return decoder.status();
  MemoryByteSink sink;
  sink.bytes().reserve((*decoder)->object_size_bytes());
  if (absl::Status s = (*decoder)->ReadAll(sink); !s.ok()) return s;
  return std::move(sink.bytes());
}

absl::StatusOr<std::map<int, ShardFile>> ReconstructShardFiles(
    const std::vector<std::span<const uint8_t>>& shard_files, std::span<const int> shard_indices,
    const DecoderOptions& options) {
  std::vector<MemoryShardSource> sources = SourcesFor(shard_files);
  absl::StatusOr<std::unique_ptr<ObjectDecoder>> decoder =
      ObjectDecoder::Open(Pointers(sources), options);
  if (!decoder.ok()) return decoder.status();
  MemoryShardSink sink((*decoder)->header().shard_count());
  if (absl::Status s = (*decoder)->ReconstructShards(shard_indices, sink); !s.ok()) return s;
  std::map<int, ShardFile> rebuilt;
  for (int index : shard_indices) rebuilt[index] = sink.shards()[index];
  return rebuilt;
}

}  // namespace hamster::ec
