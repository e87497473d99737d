#include "hamster/crypto/segment_cipher.h"

#include <catch2/catch.hpp>
#include <random>

#include "hamster/crypto/key_wrap.h"

namespace hamster::crypto {
namespace {

Key RandomKey(std::mt19937_64& rng) {
  Key key;
  for (uint8_t& byte : key) byte = uint8_t(rng());
  return key;
}

std::vector<uint8_t> RandomBytes(std::mt19937_64& rng, size_t size) {
  std::vector<uint8_t> bytes(size);
  for (uint8_t& byte : bytes) byte = uint8_t(rng());
  return bytes;
}

// Seals `plaintext` chunk by chunk as the data writer does.
std::vector<uint8_t> SealAll(SegmentCipher& cipher, const std::vector<uint8_t>& plaintext) {
  std::vector<uint8_t> sealed(CiphertextSize(plaintext.size(), cipher.chunk_bytes()));
  const size_t chunk = cipher.chunk_bytes();
  for (size_t offset = 0, index = 0; offset < plaintext.size(); offset += chunk, ++index) {
    const size_t n = std::min(chunk, plaintext.size() - offset);
    const bool final = offset + n == plaintext.size();
    REQUIRE(cipher
                .Seal(index, final, {plaintext.data() + offset, n},
                      {sealed.data() + index * (chunk + kTagBytes), n + kTagBytes})
                .ok());
  }
  return sealed;
}

const uint8_t kDataId[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
const uint8_t kOtherDataId[16] = {16, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 1};

TEST_CASE("SegmentCipher: sizes map both ways", "[crypto]") {
  CHECK(CiphertextSize(0, 64) == 0);
  CHECK(CiphertextSize(1, 64) == 17);
  CHECK(CiphertextSize(64, 64) == 80);
  CHECK(CiphertextSize(65, 64) == 97);
  for (uint64_t p = 0; p < 1000; ++p) CHECK(PlaintextSize(CiphertextSize(p, 64), 64) == p);
  CHECK_FALSE(PlaintextSize(16, 64).has_value());  // a tag alone
  CHECK_FALSE(PlaintextSize(81, 64).has_value());  // a full chunk plus a bare tag byte
  CHECK_FALSE(PlaintextSize(10, 0).has_value());
}

TEST_CASE("SegmentCipher: round trip and ciphertext differs from plaintext", "[crypto]") {
  const uint64_t seed = GENERATE(1, 2, 3);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  const Key key = RandomKey(rng);
  const std::vector<uint8_t> plaintext = RandomBytes(rng, 1000 + rng() % 5000);
  auto cipher = SegmentCipher::Create(key, kDataId, 256);
  REQUIRE(cipher.ok());
  const std::vector<uint8_t> sealed = SealAll(**cipher, plaintext);
  CHECK(std::search(sealed.begin(), sealed.end(), plaintext.begin(), plaintext.begin() + 32) ==
        sealed.end());
  const size_t chunks = (plaintext.size() + 255) / 256;
  for (size_t index = 0; index < chunks; ++index) {
    const size_t n = std::min<size_t>(256, plaintext.size() - index * 256);
    std::vector<uint8_t> out(n);
    REQUIRE(
        (*cipher)
            ->Open(index, index + 1 == chunks, {sealed.data() + index * 272, n + kTagBytes}, out)
            .ok());
    CHECK(std::equal(out.begin(), out.end(), plaintext.begin() + index * 256));
  }
}

TEST_CASE("SegmentCipher: tampering, swapping and truncation fail authentication", "[crypto]") {
  std::mt19937_64 rng(7);
  const Key key = RandomKey(rng);
  const std::vector<uint8_t> plaintext = RandomBytes(rng, 3 * 256);
  auto cipher = SegmentCipher::Create(key, kDataId, 256);
  REQUIRE(cipher.ok());
  std::vector<uint8_t> sealed = SealAll(**cipher, plaintext);
  std::vector<uint8_t> out(256);
  const auto chunk = [&](size_t index) {
    return std::span<const uint8_t>(sealed.data() + index * 272, 272);
  };
  REQUIRE((*cipher)->Open(1, false, chunk(1), out).ok());
  // Chunk 0 presented as chunk 1 (reordering).
  CHECK(absl::IsDataLoss((*cipher)->Open(1, false, chunk(0), out)));
  // Chunk 1 presented as the last one (truncation of chunk 2).
  CHECK(absl::IsDataLoss((*cipher)->Open(1, true, chunk(1), out)));
  // The same chunk under another segment (swapped between objects).
  auto other = SegmentCipher::Create(key, kOtherDataId, 256);
  REQUIRE(other.ok());
  CHECK(absl::IsDataLoss((*other)->Open(1, false, chunk(1), out)));
  // Another key.
  auto wrong_key = SegmentCipher::Create(RandomKey(rng), kDataId, 256);
  REQUIRE(wrong_key.ok());
  CHECK(absl::IsDataLoss((*wrong_key)->Open(1, false, chunk(1), out)));
  // One flipped bit in the data, then in the tag: no bytes come out.
  for (size_t position : {size_t{272 + 5}, size_t{272 + 260}}) {
    sealed[position] ^= 0x01;
    CHECK(absl::IsDataLoss((*cipher)->Open(1, false, chunk(1), out)));
    CHECK(std::all_of(out.begin(), out.end(), [](uint8_t b) { return b == 0; }));
    sealed[position] ^= 0x01;
  }
  REQUIRE((*cipher)->Open(1, false, chunk(1), out).ok());
}

TEST_CASE("SegmentCipher: bad parameters are refused", "[crypto]") {
  const Key key{};
  CHECK(absl::IsInvalidArgument(SegmentCipher::Create(key, kDataId, 0).status()));
  CHECK(absl::IsInvalidArgument(SegmentCipher::Create(key, kDataId, kMaxChunkBytes + 1).status()));
  CHECK(absl::IsInvalidArgument(SegmentCipher::Create(key, {}, 64).status()));
}

TEST_CASE("KeyWrap: round trip, bound to the master key and its id", "[crypto]") {
  std::mt19937_64 rng(11);
  const Key master = RandomKey(rng);
  const Key data_key = RandomKey(rng);
  WrapNonce nonce{};
  nonce[0] = 9;
  auto wrapped = WrapKey(master, "key-1", data_key, nonce);
  REQUIRE(wrapped.ok());
  CHECK(wrapped->size() == kWrappedKeyBytes);
  auto unwrapped = UnwrapKey(master, "key-1", *wrapped);
  REQUIRE(unwrapped.ok());
  CHECK(*unwrapped == data_key);
  CHECK(absl::IsDataLoss(UnwrapKey(master, "key-2", *wrapped).status()));
  CHECK(absl::IsDataLoss(UnwrapKey(RandomKey(rng), "key-1", *wrapped).status()));
  CHECK(absl::IsDataLoss(UnwrapKey(master, "key-1", wrapped->substr(1)).status()));
  std::string tampered = *wrapped;
  tampered[20] ^= 0x40;
  CHECK(absl::IsDataLoss(UnwrapKey(master, "key-1", tampered).status()));
}

}  // namespace
}  // namespace hamster::crypto
