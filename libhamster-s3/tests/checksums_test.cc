#include "src/checksums.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "hamster/s3/sigv4.h"

namespace hamster::s3 {
namespace {

std::span<const uint8_t> Bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

std::vector<uint8_t> RandomBytes(std::mt19937_64& rng, size_t size) {
  std::vector<uint8_t> bytes(size);
  for (uint8_t& byte : bytes) byte = static_cast<uint8_t>(rng());
  return bytes;
}

std::string DigestHex(ChecksumAlgorithm algorithm, std::string_view data) {
  std::unique_ptr<Hasher> hasher = NewChecksumHasher(algorithm);
  hasher->Update(Bytes(data));
  return HexEncode(hasher->Finish());
}

TEST_CASE("Checksums: CRC check values of \"123456789\"", "[s3][checksums]") {
  // The catalogued check value of each CRC model (CRC-32/ISO-HDLC,
  // CRC-32/ISCSI, CRC-64/NVME): what every conforming implementation returns.
  const std::string_view check = "123456789";
  CHECK(Crc32(0, Bytes(check)) == 0xCBF43926u);
  CHECK(Crc32c(0, Bytes(check)) == 0xE3069283u);
  CHECK(Crc32cSoftware(0, Bytes(check)) == 0xE3069283u);
  CHECK(Crc64Nvme(0, Bytes(check)) == 0xAE8B14860A799888ull);
}

TEST_CASE("Checksums: CRCs of nothing are zero and differ for one flipped bit", "[s3][checksums]") {
  CHECK(Crc32(0, {}) == 0);
  CHECK(Crc32c(0, {}) == 0);
  CHECK(Crc64Nvme(0, {}) == 0);
  CHECK(Crc32(0, Bytes("a")) != Crc32(0, Bytes("c")));
  CHECK(Crc64Nvme(0, Bytes("a")) != Crc64Nvme(0, Bytes("c")));
}

TEST_CASE("Checksums: digests travel big-endian, as S3 sends them", "[s3][checksums]") {
  CHECK(DigestHex(ChecksumAlgorithm::kCrc32, "123456789") == "cbf43926");
  CHECK(DigestHex(ChecksumAlgorithm::kCrc32c, "123456789") == "e3069283");
  CHECK(DigestHex(ChecksumAlgorithm::kCrc64Nvme, "123456789") == "ae8b14860a799888");
  CHECK(Base64Encode(std::string("\xcb\xf4\x39\x26", 4)) == "y/Q5Jg==");
  // FIPS 180 "abc" vectors.
  CHECK(DigestHex(ChecksumAlgorithm::kSha1, "abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(DigestHex(ChecksumAlgorithm::kSha256, "abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("Checksums: CRC32C of the AWS trailer example (66560 x 'a') is sOO8/Q==",
          "[s3][checksums]") {
  const std::string data(66560, 'a');
  std::unique_ptr<Hasher> hasher = NewChecksumHasher(ChecksumAlgorithm::kCrc32c);
  hasher->Update(Bytes(data));
  CHECK(Base64Encode(hasher->Finish()) == "sOO8/Q==");
}

TEST_CASE("Checksums: MD5 vectors (RFC 1321)", "[s3][checksums]") {
  std::unique_ptr<Hasher> md5 = NewMd5Hasher();
  CHECK(HexEncode(md5->Finish()) == "d41d8cd98f00b204e9800998ecf8427e");
  md5->Reset();
  md5->Update(Bytes("abc"));
  CHECK(HexEncode(md5->Finish()) == "900150983cd24fb0d6963f7d28e17f72");
  md5->Reset();
  md5->Update(Bytes("message digest"));
  CHECK(HexEncode(md5->Finish()) == "f96b697d7cb7938d525a2f31aaf161d0");
}

TEST_CASE("Checksums: streaming in any split equals one shot", "[s3][checksums]") {
  const uint64_t seed = GENERATE(1, 2, 3, 4);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  const std::vector<uint8_t> data = RandomBytes(rng, 1 + rng() % 5000);
  for (ChecksumAlgorithm algorithm :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
        ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
    INFO("algorithm=" << ChecksumAlgorithmName(algorithm));
    std::unique_ptr<Hasher> whole = NewChecksumHasher(algorithm);
    whole->Update(data);
    const std::string expected = whole->Finish();
    CHECK(expected.size() == ChecksumDigestSize(algorithm));
    std::unique_ptr<Hasher> pieces = NewChecksumHasher(algorithm);
    for (int round = 0; round < 2; ++round) {  // the second round checks Reset()
      size_t offset = 0;
      while (offset < data.size()) {
        const size_t size = std::min<size_t>(data.size() - offset, rng() % 17);
        pieces->Update(std::span(data).subspan(offset, size));
        offset += size;
      }
      CHECK(pieces->Finish() == expected);
      pieces->Reset();
    }
  }
}

TEST_CASE("Checksums: accelerated CRCs equal the portable tables at every length and alignment",
          "[s3][checksums]") {
  const uint64_t seed = GENERATE(11, 12, 13);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  const std::vector<uint8_t> data = RandomBytes(rng, 70000);
  std::vector<size_t> sizes = {0, 1, 7, 8, 9, 63, 64, 65, 255, 256, 257, 319, 320, 321, 65536};
  for (int i = 0; i < 40; ++i) sizes.push_back(rng() % 3000);
  for (size_t offset = 0; offset < 16; ++offset) {
    for (size_t size : sizes) {
      INFO("offset=" << offset << " size=" << size);
      const auto piece = std::span(data).subspan(offset, size);
      const uint64_t start = rng();
      CHECK(Crc32(static_cast<uint32_t>(start), piece) ==
            Crc32Software(static_cast<uint32_t>(start), piece));
      CHECK(Crc32c(static_cast<uint32_t>(start), piece) ==
            Crc32cSoftware(static_cast<uint32_t>(start), piece));
      CHECK(Crc64Nvme(start, piece) == Crc64NvmeSoftware(start, piece));
    }
  }
}

TEST_CASE("Checksums: CRC-64/NVME of 32 zero bytes", "[s3][checksums]") {
  // A second published vector for the 64-bit CRC, on input long enough to
  // exercise more than the byte loop.
  const std::vector<uint8_t> zeros(32, 0);
  CHECK(Crc64Nvme(0, zeros) == 0xCF3473434D4ECF3Bull);
  const std::vector<uint8_t> long_zeros(4096, 0);
  CHECK(Crc64Nvme(0, long_zeros) == Crc64NvmeSoftware(0, long_zeros));
}

TEST_CASE("Checksums: algorithm names", "[s3][checksums]") {
  CHECK(ChecksumAlgorithmFromName("crc32") == ChecksumAlgorithm::kCrc32);
  CHECK(ChecksumAlgorithmFromName("CRC32C") == ChecksumAlgorithm::kCrc32c);
  CHECK(ChecksumAlgorithmFromName("crc64nvme") == ChecksumAlgorithm::kCrc64Nvme);
  CHECK(ChecksumAlgorithmFromName("sha1") == ChecksumAlgorithm::kSha1);
  CHECK(ChecksumAlgorithmFromName("SHA256") == ChecksumAlgorithm::kSha256);
  CHECK_FALSE(ChecksumAlgorithmFromName("md5").has_value());
  CHECK_FALSE(ChecksumAlgorithmFromName("").has_value());
  CHECK_FALSE(ChecksumAlgorithmFromName("crc3").has_value());
  CHECK(ChecksumAlgorithmName(ChecksumAlgorithm::kCrc64Nvme) == "crc64nvme");
}

TEST_CASE("Checksums: base64 vectors of RFC 4648", "[s3][checksums]") {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    CHECK(Base64Encode(plain) == encoded);
    CHECK(Base64Decode(encoded) == plain);
  }
  CHECK(Base64Decode("Zm8") == "fo");  // unpadded input is accepted
  const std::string all_bytes = [] {
    std::string bytes;
    for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
    return bytes;
  }();
  CHECK(Base64Decode(Base64Encode(all_bytes)) == all_bytes);
}

TEST_CASE("Checksums: base64 rejects what is not canonical base64", "[s3][checksums]") {
  for (std::string_view bad : {"Z", "Zg=", "Zg===", "=Zm9", "Zm=v", "Zm9v!A==", "Zh==", "Zm9=",
                               "Zm 9v", "Zm9v\n", "Zm9v-_==", "12345"}) {
    INFO("input=" << bad);
    CHECK_FALSE(Base64Decode(bad).has_value());
  }
}

}  // namespace
}  // namespace hamster::s3
