// Encryption at rest through LocalBackend: SSE-S3, bucket default, SSE-C,
// multipart, copies, ranges across sealed chunks, bytes on disk, tampering.
#include <filesystem>
#include <fstream>

#include "hamster/crypto/keyring.h"
#include "hamster/node/master_keys.h"
#include "test_util.h"

namespace hamster::node::testing {
namespace {

using s3::ErrorCode;

constexpr uint32_t kChunkBytes = 1000;  // small, so ranges cross many chunks

crypto::Key KeyOf(uint8_t fill) {
  crypto::Key key;
  key.fill(fill);
  return key;
}

struct EncryptedNode {
  explicit EncryptedNode(uint64_t seed = 1)
      : keys(crypto::Keyring::WithFirstKey(KeyOf(7), 1), nullptr), node(seed, Options(&keys)) {
    REQUIRE(node.backend->CreateBucket("b", "owner").ok());
  }
  static LocalBackendOptions Options(MasterKeys* keys) {
    LocalBackendOptions options;
    options.block_size_bytes = 4096;
    options.master_keys = keys;
    options.encryption_chunk_bytes = kChunkBytes;
    options.min_part_size_bytes = 1;
    return options;
  }
  absl::StatusOr<s3::ObjectInfo> Put(const std::string& key, const std::string& bytes,
                                     s3::EncryptionRequest encryption) {
    s3::PutObjectRequest request{.bucket = "b", .key = key, .owner = "owner"};
    request.size = bytes.size();
    request.encryption = std::move(encryption);
    TestPayload payload(bytes, 777);
    return node.backend->PutObject(request, payload);
  }
  absl::StatusOr<std::string> Get(const std::string& key, uint64_t offset,
                                  std::optional<uint64_t> length,
                                  const std::optional<s3::CustomerKey>& customer_key) {
    absl::StatusOr<std::unique_ptr<s3::ObjectReader>> reader =
        node.backend->OpenObject("b", key, std::nullopt);
    if (!reader.ok()) return reader.status();
    if (customer_key.has_value()) {
      if (absl::Status s = (*reader)->UseCustomerKey(*customer_key); !s.ok()) return s;
    }
    return TestNode::ReadRange(**reader, offset, length.value_or((*reader)->info().size - offset),
                               333);
  }
  // Every byte of every file under the data directory.
  std::string DiskBytes() {
    std::string all;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(node.dir.path())) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), {});
    }
    return all;
  }

  MasterKeys keys;
  TestNode node;
};

s3::EncryptionRequest SseS3() { return {.mode = s3::EncryptionMode::kS3}; }

s3::CustomerKey CustomerKeyOf(char fill) {
  const std::string key(32, fill);
  unsigned char md5[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(key.data(), key.size(), md5, &size, EVP_md5(), nullptr);
  return {.key = key,
          .key_md5_base64 = absl::Base64Escape(std::string(reinterpret_cast<char*>(md5), size))};
}

s3::EncryptionRequest SseC(char fill) {
  return {.mode = s3::EncryptionMode::kCustomer, .customer_key = CustomerKeyOf(fill)};
}

// Text that is easy to find on disk and differs in every chunk.
std::string PatternBytes(size_t size) {
  std::string out;
  for (size_t i = 0; out.size() < size; ++i) out += "PLAINTEXT-PATTERN-" + std::to_string(i) + ";";
  out.resize(size);
  return out;
}

TEST_CASE("Encryption: SSE-S3 objects read back, the disk holds no plaintext", "[node]") {
  EncryptedNode node;
  const std::string bytes = PatternBytes(25'000);
  absl::StatusOr<s3::ObjectInfo> put = node.Put("k", bytes, SseS3());
  REQUIRE(put.ok());
  CHECK(put->etag == Md5Hex(bytes));  // SSE-S3 keeps the MD5 ETag, as S3
  CHECK(put->encryption.mode == s3::EncryptionMode::kS3);
  CHECK(node.Get("k", 0, std::nullopt, std::nullopt).value() == bytes);
  REQUIRE(node.Put("plain", PatternBytes(100), {}).ok());
  const std::string disk = node.DiskBytes();
  CHECK(disk.find("PLAINTEXT-PATTERN-1") != std::string::npos);  // the unencrypted one
  CHECK(disk.find("PLAINTEXT-PATTERN-9") == std::string::npos);
  CHECK(disk.find("PLAINTEXT-PATTERN-300") == std::string::npos);
  auto stat = node.node.backend->StatObject("b", "k", std::nullopt);
  REQUIRE(stat.ok());
  CHECK(stat->size == bytes.size());
  CHECK(stat->encryption.mode == s3::EncryptionMode::kS3);
}

TEST_CASE("Encryption: ranged reads across chunk and block boundaries", "[node]") {
  const uint64_t seed = GENERATE(1, 2, 3);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  EncryptedNode node(seed);
  const std::string bytes = RandomBytes(rng, 20'000 + rng() % 10'000);
  REQUIRE(node.Put("k", bytes, SseS3()).ok());
  const std::vector<std::pair<uint64_t, uint64_t>> fixed = {
      {0, 1}, {999, 2}, {1000, 1000}, {998, 4000}, {bytes.size() - 1, 1}, {0, bytes.size()}};
  for (const auto& [offset, length] : fixed) {
    INFO("offset=" << offset << " length=" << length);
    CHECK(node.Get("k", offset, length, std::nullopt).value() == bytes.substr(offset, length));
  }
  for (int i = 0; i < 40; ++i) {
    const uint64_t offset = rng() % bytes.size();
    const uint64_t length = 1 + rng() % (bytes.size() - offset);
    INFO("offset=" << offset << " length=" << length);
    CHECK(node.Get("k", offset, length, std::nullopt).value() == bytes.substr(offset, length));
  }
}

TEST_CASE("Encryption: a changed ciphertext byte on disk fails the read", "[node]") {
  EncryptedNode node;
  const std::string bytes = PatternBytes(9'000);
  REQUIRE(node.Put("k", bytes, SseS3()).ok());
  std::filesystem::path shard;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(node.node.dir.path() + "/shards")) {
    if (entry.is_regular_file()) shard = entry.path();
  }
  REQUIRE(!shard.empty());
  {
    std::fstream file(shard, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(200);
    char byte = 0;
    file.read(&byte, 1);
    byte ^= 0x20;
    file.seekp(200);
    file.write(&byte, 1);
  }
  absl::StatusOr<std::string> read = node.Get("k", 0, std::nullopt, std::nullopt);
  CHECK(absl::IsDataLoss(read.status()));
}

TEST_CASE("Encryption: the bucket default encrypts writes that ask for nothing", "[node]") {
  EncryptedNode node;
  CHECK(HasCode(node.node.backend->GetBucketEncryption("b").status(),
                ErrorCode::kServerSideEncryptionConfigurationNotFoundError));
  REQUIRE(node.node.backend->PutBucketEncryption("b", {}).ok());
  REQUIRE(node.node.backend->GetBucketEncryption("b").ok());
  auto put = node.Put("k", "hello", {});
  REQUIRE(put.ok());
  CHECK(put->encryption.mode == s3::EncryptionMode::kS3);
  // SSE-C in the request wins over the default.
  auto customer = node.Put("c", "hello", SseC('x'));
  REQUIRE(customer.ok());
  CHECK(customer->encryption.mode == s3::EncryptionMode::kCustomer);
  REQUIRE(node.node.backend->DeleteBucketEncryption("b").ok());
  auto plain = node.Put("p", "hello", {});
  REQUIRE(plain.ok());
  CHECK(plain->encryption.mode == s3::EncryptionMode::kNone);
  CHECK(HasCode(node.node.backend->PutBucketEncryption("nope", {}), ErrorCode::kNoSuchBucket));
}

TEST_CASE("Encryption: SSE-C needs the same key to read, the key is not stored", "[node]") {
  EncryptedNode node;
  const std::string bytes = PatternBytes(5'000);
  absl::StatusOr<s3::ObjectInfo> put = node.Put("k", bytes, SseC('a'));
  REQUIRE(put.ok());
  CHECK(put->etag != Md5Hex(bytes));  // a keyed digest, as S3 does for SSE-C
  CHECK(put->etag.size() == 32);
  CHECK(put->encryption.customer_key_md5_base64 == CustomerKeyOf('a').key_md5_base64);
  CHECK(node.Get("k", 10, 3000, CustomerKeyOf('a')).value() == bytes.substr(10, 3000));
  CHECK(HasCode(node.Get("k", 0, std::nullopt, CustomerKeyOf('b')).status(),
                ErrorCode::kAccessDenied));
  CHECK(HasCode(node.Get("k", 0, std::nullopt, std::nullopt).status(), ErrorCode::kInvalidRequest));
  CHECK(node.DiskBytes().find(std::string(32, 'a')) == std::string::npos);
  // A key for an object without SSE-C is a mistake too.
  REQUIRE(node.Put("plain", "x", {}).ok());
  CHECK(HasCode(node.Get("plain", 0, std::nullopt, CustomerKeyOf('a')).status(),
                ErrorCode::kInvalidRequest));
}

TEST_CASE("Encryption: SSE-S3 needs master keys", "[node]") {
  TestNode plain(1);
  REQUIRE(plain.backend->CreateBucket("b", "owner").ok());
  s3::PutObjectRequest request{.bucket = "b", .key = "k", .owner = "owner"};
  request.encryption = SseS3();
  TestPayload payload("x");
  CHECK(absl::IsFailedPrecondition(plain.backend->PutObject(request, payload).status()));
}

TEST_CASE("Encryption: multipart uploads seal every part under the upload's key", "[node]") {
  const bool customer = GENERATE(false, true);
  INFO("customer=" << customer);
  EncryptedNode node;
  std::mt19937_64 rng(5);
  const std::optional<s3::CustomerKey> key =
      customer ? std::optional<s3::CustomerKey>(CustomerKeyOf('m')) : std::nullopt;
  s3::PutObjectRequest request{.bucket = "b", .key = "mp", .owner = "owner"};
  request.encryption = customer ? SseC('m') : SseS3();
  absl::StatusOr<std::string> upload = node.node.backend->CreateMultipartUpload(request);
  REQUIRE(upload.ok());
  const std::vector<std::string> parts = {RandomBytes(rng, 2500), RandomBytes(rng, 3001),
                                          RandomBytes(rng, 17)};
  std::vector<s3::CompletedPart> completed;
  for (size_t i = 0; i < parts.size(); ++i) {
    TestPayload payload(parts[i]);
    auto part = node.node.backend->UploadPart("b", "mp", *upload, int(i + 1), parts[i].size(),
                                              payload, key);
    REQUIRE(part.ok());
    completed.push_back({int(i + 1), part->etag});
  }
  if (customer) {
    TestPayload payload("x");
    CHECK(HasCode(
        node.node.backend->UploadPart("b", "mp", *upload, 9, 1, payload, std::nullopt).status(),
        ErrorCode::kInvalidRequest));
  }
  auto done = node.node.backend->CompleteMultipartUpload("b", "mp", *upload, completed, {});
  REQUIRE(done.ok());
  CHECK(done->encryption.mode ==
        (customer ? s3::EncryptionMode::kCustomer : s3::EncryptionMode::kS3));
  const std::string all = parts[0] + parts[1] + parts[2];
  CHECK(node.Get("mp", 0, std::nullopt, key).value() == all);
  CHECK(node.Get("mp", 2400, 3000, key).value() == all.substr(2400, 3000));
  CHECK(node.Get("mp", all.size() - 20, 20, key).value() == all.substr(all.size() - 20));
}

TEST_CASE("Encryption: copies share data when encrypted alike, else re-encrypt", "[node]") {
  EncryptedNode node;
  const std::string bytes = PatternBytes(4'000);
  REQUIRE(node.Put("plain", bytes, {}).ok());
  REQUIRE(node.Put("s3", bytes, SseS3()).ok());
  REQUIRE(node.Put("c", bytes, SseC('k')).ok());
  const size_t files_before = node.node.ShardFileCount();
  const auto copy = [&](const std::string& from, const std::string& to,
                        s3::EncryptionRequest encryption,
                        std::optional<s3::CustomerKey> source_key) {
    auto info = node.node.backend->StatObject("b", from, std::nullopt);
    REQUIRE(info.ok());
    s3::CopyObjectRequest request{.source_bucket = "b",
                                  .source_key = from,
                                  .source_etag = info->etag,
                                  .bucket = "b",
                                  .key = to,
                                  .owner = "owner",
                                  .encryption = std::move(encryption),
                                  .source_customer_key = std::move(source_key)};
    return node.node.backend->CopyObject(request);
  };
  REQUIRE(copy("s3", "s3-copy", SseS3(), std::nullopt).ok());
  CHECK(node.node.ShardFileCount() == files_before);  // shared
  REQUIRE(copy("plain", "now-s3", SseS3(), std::nullopt).ok());
  REQUIRE(copy("s3", "now-plain", {}, std::nullopt).ok());
  CHECK(HasCode(copy("c", "x", SseS3(), std::nullopt).status(), ErrorCode::kInvalidRequest));
  CHECK(HasCode(copy("c", "x", SseS3(), CustomerKeyOf('z')).status(), ErrorCode::kAccessDenied));
  REQUIRE(copy("c", "c-to-s3", SseS3(), CustomerKeyOf('k')).ok());
  REQUIRE(copy("s3", "s3-to-c", SseC('q'), std::nullopt).ok());
  CHECK(node.node.ShardFileCount() == files_before + 4);
  for (const char* key : {"s3-copy", "now-s3", "now-plain", "c-to-s3"}) {
    INFO(key);
    CHECK(node.Get(key, 0, std::nullopt, std::nullopt).value() == bytes);
  }
  CHECK(node.Get("s3-to-c", 0, std::nullopt, CustomerKeyOf('q')).value() == bytes);
  CHECK(node.node.backend->StatObject("b", "now-plain", std::nullopt)->encryption.mode ==
        s3::EncryptionMode::kNone);
  CHECK(node.DiskBytes().find("PLAINTEXT-PATTERN-20") != std::string::npos);  // plain, now-plain
}

}  // namespace
}  // namespace hamster::node::testing
