#include "src/hash_pipeline.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "src/checksums.h"

namespace hamster::s3 {
namespace {

std::vector<uint8_t> RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<uint8_t> bytes(size);
  for (uint8_t& byte : bytes) byte = static_cast<uint8_t>(random());
  return bytes;
}

std::string DigestInOnePiece(Hasher& hasher, std::span<const uint8_t> bytes) {
  hasher.Reset();
  hasher.Update(bytes);
  return hasher.Finish();
}

// Feeds `bytes` in pieces of random sizes (up to three blocks, so pieces both
// split and straddle the pipeline's blocks) and returns MD5 and CRC32C.
std::pair<std::string, std::string> DigestThroughPipeline(std::span<const uint8_t> bytes,
                                                          uint32_t seed, bool* went_async) {
  std::unique_ptr<Hasher> md5 = NewMd5Hasher();
  std::unique_ptr<Hasher> crc = NewChecksumHasher(ChecksumAlgorithm::kCrc32c);
  HashPipeline pipeline({md5.get(), crc.get()});
  std::mt19937 random(seed);
  std::uniform_int_distribution<size_t> piece(1, 3 * HashPipeline::kBlockBytes);
  while (!bytes.empty()) {
    const size_t take = std::min(bytes.size(), piece(random));
    pipeline.Update(bytes.first(take));
    bytes = bytes.subspan(take);
  }
  pipeline.Drain();
  *went_async = pipeline.went_async();
  return {md5->Finish(), crc->Finish()};
}

TEST_CASE("HashPipeline gives the digests of in-line hashing at every size", "[hash_pipeline]") {
  const std::vector<uint8_t> data = RandomBytes(13 * HashPipeline::kBlockBytes + 12345, 7);
  const size_t size =
      GENERATE(size_t{0}, size_t{1}, HashPipeline::kInlineBytes - 1, HashPipeline::kInlineBytes,
               HashPipeline::kInlineBytes + 1, 5 * HashPipeline::kBlockBytes,
               13 * HashPipeline::kBlockBytes + 12345);
  const uint32_t seed = GENERATE(1u, 2u, 3u);
  const std::span<const uint8_t> bytes(data.data(), size);
  bool went_async = false;
  const auto [md5, crc] = DigestThroughPipeline(bytes, seed, &went_async);
  std::unique_ptr<Hasher> expected_md5 = NewMd5Hasher();
  std::unique_ptr<Hasher> expected_crc = NewChecksumHasher(ChecksumAlgorithm::kCrc32c);
  CHECK(md5 == DigestInOnePiece(*expected_md5, bytes));
  CHECK(crc == DigestInOnePiece(*expected_crc, bytes));
  // Small payloads never start a thread; large ones hash on the worker (the
  // first piece, at most three blocks, is hashed in line).
  if (size <= HashPipeline::kInlineBytes) CHECK_FALSE(went_async);
  if (size > HashPipeline::kInlineBytes + 3 * HashPipeline::kBlockBytes) CHECK(went_async);
}

TEST_CASE("HashPipeline abandoned mid-payload stops its worker", "[hash_pipeline]") {
  const std::vector<uint8_t> data = RandomBytes(6 * HashPipeline::kBlockBytes, 9);
  std::unique_ptr<Hasher> md5 = NewMd5Hasher();
  {
    HashPipeline pipeline({md5.get()});
    const std::span<const uint8_t> bytes(data);
    pipeline.Update(bytes.first(HashPipeline::kInlineBytes));
    pipeline.Update(bytes.subspan(HashPipeline::kInlineBytes));
    CHECK(pipeline.went_async());
  }  // destroyed without Drain(), as when a request fails mid-body
  SUCCEED("the destructor joined the worker");
}

}  // namespace
}  // namespace hamster::s3
