// ReadAheadReader: the bytes and the error of the reader it runs, in order, whatever the
// sizes on either side; and a reader abandoned midway stops its thread.
#include "src/read_ahead.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace hamster::node {
namespace {

uint8_t PatternByte(size_t i) { return uint8_t(i * 131 + i / 7); }

// Produces `size` pattern bytes in pieces of varying size, then `end` (OK: a clean end).
class PatternReader : public s3::BodyReader {
 public:
  PatternReader(size_t size, absl::Status end) : size_(size), end_(std::move(end)) {}
  absl::StatusOr<size_t> Read(std::span<uint8_t> buffer) override {
    if (position_ == size_) {
      if (!end_.ok()) return end_;
      return 0;
    }
    const size_t piece = 1 + (reads_++ * 7919) % 70'000;
    const size_t n = std::min({buffer.size(), piece, size_ - position_});
    for (size_t i = 0; i < n; ++i) buffer[i] = PatternByte(position_ + i);
    position_ += n;
    return n;
  }

 private:
  const size_t size_;
  const absl::Status end_;
  size_t position_ = 0;
  size_t reads_ = 0;
};

// Reads everything in pieces of `chunk`; returns the bytes and the final status.
std::pair<std::vector<uint8_t>, absl::Status> Drain(s3::BodyReader& reader, size_t chunk) {
  std::vector<uint8_t> all;
  std::vector<uint8_t> buffer(chunk);
  while (true) {
    absl::StatusOr<size_t> n = reader.Read(buffer);
    if (!n.ok()) return {all, n.status()};
    if (*n == 0) return {all, absl::OkStatus()};
    all.insert(all.end(), buffer.begin(), buffer.begin() + *n);
  }
}

bool IsPattern(const std::vector<uint8_t>& bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != PatternByte(i)) return false;
  }
  return true;
}

TEST_CASE("ReadAhead: every byte arrives in order, whatever the buffer sizes", "[node]") {
  for (size_t size : {size_t(0), size_t(1), size_t(4096), size_t(1'000'003)}) {
    for (size_t chunk : {size_t(1), size_t(1000), size_t(65536), size_t(1 << 20)}) {
      if (chunk == 1 && size > 4096) continue;  // slow, and says nothing new
      INFO("size " << size << " chunk " << chunk);
      auto reader = NewReadAheadReader(std::make_unique<PatternReader>(size, absl::OkStatus()),
                                       64 << 10, 2);
      auto [bytes, status] = Drain(*reader, chunk);
      CHECK(status.ok());
      CHECK(bytes.size() == size);
      CHECK(IsPattern(bytes));
      std::vector<uint8_t> more(8);
      CHECK(*reader->Read(more) == 0);  // stays ended
    }
  }
}

TEST_CASE("ReadAhead: an error comes after the bytes before it, and stays", "[node]") {
  auto reader = NewReadAheadReader(
      std::make_unique<PatternReader>(300'000, absl::DataLossError("chunk 4 fails")), 64 << 10, 2);
  auto [bytes, status] = Drain(*reader, 10'000);
  CHECK(bytes.size() == 300'000);
  CHECK(IsPattern(bytes));
  CHECK(status.code() == absl::StatusCode::kDataLoss);
  std::vector<uint8_t> more(8);
  CHECK(reader->Read(more).status().code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("ReadAhead: a reader abandoned midway ends its thread", "[node]") {
  // A caller that stops reading (a client that went away) leaves the producer waiting for
  // room; destroying the reader must wake and join it, not hang.
  for (int i = 0; i < 20; ++i) {
    auto reader = NewReadAheadReader(std::make_unique<PatternReader>(10 << 20, absl::OkStatus()),
                                     64 << 10, 2);
    std::vector<uint8_t> buffer(1000);
    absl::StatusOr<size_t> n = reader->Read(buffer);
    REQUIRE(n.ok());
    buffer.resize(*n);
    CHECK(!buffer.empty());
    CHECK(IsPattern(buffer));
  }
}

}  // namespace
}  // namespace hamster::node
