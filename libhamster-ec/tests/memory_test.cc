// Invariant 6 at scale: a 1 GiB stream is encoded in bounded memory, and the
// streaming path writes exactly what the whole-buffer path writes. Built as
// its own executable so peak RSS measures nothing but this, and kept out of
// sanitizer runs, whose shadow memory and quarantine make RSS meaningless.

#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "hamster/ec/object.h"

namespace hamster::ec {
namespace {

constexpr uint64_t kObjectSizeBytes = uint64_t{1} << 30;
constexpr uint64_t kPeakLimitBytes = uint64_t{64} << 20;

// Deterministic bytes as a function of their offset in the object, so any
// chunking of the stream produces the same object.
uint64_t GeneratedWord(uint64_t word_index) {
  uint64_t z = (word_index + 1) * 0x9e3779b97f4a7c15ull;  // splitmix64
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void FillGenerated(uint64_t object_offset, std::span<uint8_t> out) {
  size_t i = 0;
  while (i < out.size()) {
    const uint64_t position = object_offset + i;
    const uint64_t word = GeneratedWord(position / 8);
    const size_t skip = position % 8;
    const size_t n = std::min<size_t>(8 - skip, out.size() - i);
    std::memcpy(out.data() + i, reinterpret_cast<const uint8_t*>(&word) + skip, n);
    i += n;
  }
}

// Stores nothing: counts bytes, or compares them against expected shard files.
class CheckingSink : public ShardSink {
 public:
  explicit CheckingSink(const std::vector<ShardFile>* expected) : expected_(expected) {}
  absl::Status Append(int shard_index, std::span<const uint8_t> bytes) override {
    uint64_t& offset = offsets_[shard_index];
    if (expected_ != nullptr) {
      const ShardFile& file = (*expected_)[shard_index];
      if (offset + bytes.size() > file.size() ||
          std::memcmp(file.data() + offset, bytes.data(), bytes.size()) != 0) {
        return absl::InternalError("streamed bytes differ from the whole-buffer shard");
      }
    }
    offset += bytes.size();
    return absl::OkStatus();
  }
  uint64_t offset(int shard_index) const { return offsets_[shard_index]; }

 private:
  const std::vector<ShardFile>* expected_;
  uint64_t offsets_[kMaxShardCount] = {};
};

const EncoderOptions kOptions{.data_shard_count = 4,
                              .parity_shard_count = 2,
                              .block_size_bytes = kDefaultBlockSizeBytes,
                              .data_id = {1, 2, 3}};

absl::StatusOr<EncodeSummary> StreamGenerated(ShardSink* sink) {
  auto encoder = StreamEncoder::Create(kOptions, sink);
  if (!encoder.ok()) return encoder.status();
  uint64_t written = 0;
  while (written < kObjectSizeBytes) {
    // Odd-sized fills, as a socket would deliver them.
    std::span<uint8_t> space = (*encoder)->WritableSpace();
    const size_t n = std::min<uint64_t>({space.size(), 300007, kObjectSizeBytes - written});
    FillGenerated(written, space.first(n));
    if (absl::Status s = (*encoder)->Commit(n); !s.ok()) return s;
    written += n;
  }
  return (*encoder)->Finish();
}

uint64_t PeakRssBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return uint64_t(usage.ru_maxrss) * 1024;
}

TEST_CASE("StreamEncoder: a 1 GiB stream encodes in under 64 MiB of peak memory", "[ec][memory]") {
  CheckingSink sink(nullptr);
  absl::StatusOr<EncodeSummary> summary = StreamGenerated(&sink);
  REQUIRE(summary.ok());
  CHECK(summary->object_size_bytes == kObjectSizeBytes);
  CHECK(summary->stripe_count == kObjectSizeBytes / (4 * kDefaultBlockSizeBytes));
  for (int i = 0; i < 6; ++i) CHECK(sink.offset(i) == summary->shard_file_size_bytes);
  const uint64_t peak = PeakRssBytes();
  INFO("peak RSS " << (peak >> 20) << " MiB");
  CHECK(peak < kPeakLimitBytes);
}

TEST_CASE("StreamEncoder: a 1 GiB stream gives the same shard files as the whole-buffer API",
          "[ec][memory]") {
  std::vector<uint8_t> object(kObjectSizeBytes);
  FillGenerated(0, object);
  absl::StatusOr<std::vector<ShardFile>> whole = EncodeObject(object, kOptions);
  REQUIRE(whole.ok());
  object = {};
  CheckingSink sink(&*whole);
  absl::StatusOr<EncodeSummary> summary = StreamGenerated(&sink);
  REQUIRE(summary.ok());
  for (int i = 0; i < 6; ++i) CHECK(sink.offset(i) == (*whole)[i].size());
}

}  // namespace
}  // namespace hamster::ec
