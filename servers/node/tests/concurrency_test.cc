// Many threads writing, reading, copying and deleting overlapping keys while
// the collector runs: every read returns exactly one value some writer wrote,
// and nothing referenced is ever collected. Meant for the TSan build too.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/test_util.h"

namespace hamster::node {
namespace {

using s3::ErrorCode;
using testing::HasCode;
using testing::TestNode;

// A value that proves its own integrity: "<writer>:<seq>:<length>:" then
// bytes derived from the prefix.
std::string MakeValue(int writer, int seq, size_t length) {
  std::string value = absl::StrCat(writer, ":", seq, ":", length, ":");
  for (size_t i = 0; i < length; ++i) value.push_back(char('a' + (writer * 7 + seq + i) % 26));
  return value;
}

bool IsValidValue(const std::string& value) {
  std::vector<std::string> fields = absl::StrSplit(value, absl::MaxSplits(':', 3));
  if (fields.size() != 4) return false;
  int writer = 0, seq = 0;
  size_t length = 0;
  if (!absl::SimpleAtoi(fields[0], &writer) || !absl::SimpleAtoi(fields[1], &seq) ||
      !absl::SimpleAtoi(fields[2], &length)) {
    return false;
  }
  return value == MakeValue(writer, seq, length);
}

TEST_CASE("Concurrency: parallel PUT, GET, copy, delete and GC stay consistent", "[node]") {
  const uint64_t seed = GENERATE(1, 2);
  INFO("seed=" << seed);
  TestNode node(seed, {.block_size_bytes = 512});
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  constexpr int kThreads = 8, kOperations = 60, kKeys = 5;
  std::atomic<bool> done{false};
  std::atomic<int> bad_reads{0}, errors{0};
  std::thread collector([&] {
    while (!done) {
      if (!node.backend->CollectGarbage().ok()) ++errors;
    }
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < kThreads; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937_64 rng(seed * 100 + uint64_t(t));
      for (int i = 0; i < kOperations; ++i) {
        const std::string key = absl::StrCat("k", rng() % kKeys);
        const uint64_t action = rng() % 8;
        if (action < 3) {
          if (!node.Put("b", key, MakeValue(t, i, rng() % 3000)).ok()) ++errors;
        } else if (action < 6) {
          absl::StatusOr<std::string> value = node.Get("b", key, 0, std::nullopt, 200);
          if (value.ok() && !IsValidValue(*value)) ++bad_reads;
          if (!value.ok() && !HasCode(value.status(), ErrorCode::kNoSuchKey)) ++errors;
        } else if (action == 6) {
          if (!node.backend->DeleteObject("b", key, std::nullopt).ok()) ++errors;
        } else {
          absl::StatusOr<s3::ObjectInfo> source = node.backend->StatObject("b", key, std::nullopt);
          if (!source.ok()) continue;
          s3::CopyObjectRequest copy{.source_bucket = "b",
                                     .source_key = key,
                                     .source_etag = source->etag,
                                     .bucket = "b",
                                     .key = absl::StrCat("k", rng() % kKeys)};
          absl::Status copied = node.backend->CopyObject(copy).status();
          // The source may change or vanish between Stat and Copy.
          if (!copied.ok() && !HasCode(copied, ErrorCode::kPreconditionFailed) &&
              !HasCode(copied, ErrorCode::kNoSuchKey)) {
            ++errors;
          }
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  done = true;
  collector.join();
  CHECK(bad_reads == 0);
  CHECK(errors == 0);
  REQUIRE(node.backend->CollectGarbage().ok());
  // Every key still listed reads back whole after collection and a restart.
  node.Reopen();
  REQUIRE(node.backend->RemoveOrphans().ok());
  absl::StatusOr<std::vector<s3::ObjectInfo>> objects = node.backend->ScanObjects({.bucket = "b"});
  REQUIRE(objects.ok());
  for (const s3::ObjectInfo& object : *objects) {
    absl::StatusOr<std::string> value = node.Get("b", object.key);
    REQUIRE(value.ok());
    CHECK(IsValidValue(*value));
  }
}

}  // namespace
}  // namespace hamster::node
