#include "src/write_behind.h"

#include <catch2/catch.hpp>
#include <random>

#include "hamster/ec/io.h"

namespace hamster::env {
namespace {

// Records what it is given; fails from the `fail_at`-th append on.
class RecordingSink : public ec::ByteSink {
 public:
  explicit RecordingSink(int fail_at = -1) : fail_at_(fail_at) {}
  absl::Status Append(std::span<const uint8_t> bytes) override {
    if (fail_at_ >= 0 && appends_ >= fail_at_) return absl::UnavailableError("disk full");
    ++appends_;
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    return absl::OkStatus();
  }
  std::vector<uint8_t> bytes_;

 private:
  int fail_at_;
  int appends_ = 0;
};

TEST_CASE("WriteBehind: writes every byte in order", "[env]") {
  const uint64_t seed = GENERATE(1, 2, 3);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> expected(1 + rng() % 200000);
  for (uint8_t& b : expected) b = uint8_t(rng());
  RecordingSink sink;
  WriteBehind writer(&sink, 4096, 3);
  for (size_t offset = 0; offset < expected.size();) {
    const size_t n = std::min<size_t>(1 + rng() % 10000, expected.size() - offset);
    REQUIRE(writer.Append(std::span(expected).subspan(offset, n)).ok());
    offset += n;
  }
  REQUIRE(writer.Finish().ok());
  CHECK(sink.bytes_ == expected);
}

TEST_CASE("WriteBehind: a failed write reaches the producer", "[env]") {
  RecordingSink sink(/*fail_at=*/2);
  WriteBehind writer(&sink, 1024, 2);
  const std::vector<uint8_t> block(1024, 7);
  absl::Status status;
  // The producer learns of the failure at a later Append() or at Finish().
  for (int i = 0; i < 100 && status.ok(); ++i) status = writer.Append(block);
  if (status.ok()) status = writer.Finish();
  CHECK(absl::IsUnavailable(status));
  CHECK(sink.bytes_.size() == 2048);
}

TEST_CASE("WriteBehind: destroyed without Finish, it stops cleanly", "[env]") {
  RecordingSink sink;
  {
    WriteBehind writer(&sink, 1024, 2);
    const std::vector<uint8_t> block(4096, 7);
    REQUIRE(writer.Append(block).ok());
  }
  CHECK(sink.bytes_.size() <= 4096);
}

}  // namespace
}  // namespace hamster::env
