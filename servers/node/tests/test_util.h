// Helpers shared by the node tests: a temporary data directory, a test Env
// (fixed clock, seeded randomness, real shard files), payloads with MD5.
#ifndef HAMSTER_NODE_TESTS_TEST_UTIL_H_
#define HAMSTER_NODE_TESTS_TEST_UTIL_H_

#include <openssl/evp.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "hamster/env/file_shard_store.h"
#include "hamster/env/rocksdb_meta_store.h"
#include "hamster/node/env.h"
#include "hamster/node/local_backend.h"
#include "hamster/s3/errors.h"

namespace hamster::node::testing {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hamster-node-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

class FixedClock : public Clock {
 public:
  absl::Time Now() override {
    std::lock_guard lock(mu_);
    now_ += absl::Milliseconds(1);  // distinct, increasing times
    return now_;
  }
  // Moves the clock forward (object lock retention expiring).
  void Advance(absl::Duration duration) {
    std::lock_guard lock(mu_);
    now_ += duration;
  }

 private:
  std::mutex mu_;  // not absl::Mutex, which TSan cannot see here
  absl::Time now_ = absl::FromUnixSeconds(1700000000);
};

class SeededRandom : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : rng_(seed) {}
  void Fill(std::span<uint8_t> out) override {
    std::lock_guard lock(mu_);
    for (uint8_t& byte : out) byte = uint8_t(rng_());
  }

 private:
  std::mutex mu_;  // not absl::Mutex, which TSan cannot see here
  std::mt19937_64 rng_;
};

inline std::string Md5Hex(const std::string& bytes) {
  unsigned char md5[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  REQUIRE(EVP_Digest(bytes.data(), bytes.size(), md5, &size, EVP_md5(), nullptr) == 1);
  return absl::BytesToHexString(std::string(reinterpret_cast<const char*>(md5), size));
}

// A payload of `bytes`, handed out at most `chunk` bytes per Read(), with its
// MD5 computed as it is read (as the S3 layer's payload does). With
// `fail_at_end`, the Read() that reaches the end returns that error instead
// of 0 (an integrity check failing).
class TestPayload : public s3::PayloadReader {
 public:
  explicit TestPayload(std::string bytes, size_t chunk = 1 << 16,
                       absl::Status fail_at_end = absl::OkStatus(),
                       std::map<std::string, std::string> checksums = {})
      : bytes_(std::move(bytes)),
        chunk_(chunk),
        fail_at_end_(std::move(fail_at_end)),
        checksums_(std::move(checksums)) {
    context_ = EVP_MD_CTX_new();
    EVP_DigestInit_ex(context_, EVP_md5(), nullptr);
  }
  ~TestPayload() override { EVP_MD_CTX_free(context_); }

  absl::StatusOr<size_t> Read(std::span<uint8_t> buffer) override {
    const size_t n = std::min({buffer.size(), chunk_, bytes_.size() - offset_});
    if (n == 0) {
      if (!fail_at_end_.ok()) return fail_at_end_;
      if (md5_hex_.empty()) {
        unsigned char md5[EVP_MAX_MD_SIZE];
        unsigned int size = 0;
        EVP_DigestFinal_ex(context_, md5, &size);
        md5_hex_ = absl::BytesToHexString(std::string(reinterpret_cast<char*>(md5), size));
        verified_ = checksums_;  // known only at the end, as in the S3 layer
      }
      return 0;
    }
    std::memcpy(buffer.data(), bytes_.data() + offset_, n);
    EVP_DigestUpdate(context_, bytes_.data() + offset_, n);
    offset_ += n;
    return n;
  }
  std::string_view md5_hex() const override { return md5_hex_; }
  const std::map<std::string, std::string>& verified_checksums() const override {
    return verified_;
  }

 private:
  std::string bytes_;
  size_t chunk_;
  absl::Status fail_at_end_;
  std::map<std::string, std::string> checksums_;
  std::map<std::string, std::string> verified_;
  size_t offset_ = 0;
  EVP_MD_CTX* context_;
  std::string md5_hex_;
};

inline std::string RandomBytes(std::mt19937_64& rng, size_t size) {
  std::string out(size, '\0');
  for (char& c : out) c = char(rng());
  return out;
}

inline bool HasCode(const absl::Status& status, s3::ErrorCode code) {
  return s3::ErrorCodeOf(status) == code;
}

// A LocalBackend on a temporary directory: RocksDB metadata, shard files.
struct TestNode {
  explicit TestNode(uint64_t seed = 1, LocalBackendOptions options = {})
      : random(seed), backend_options(std::move(options)) {
    Reopen();
  }

  // Closes and reopens the backend and its stores on the same directory.
  void Reopen() {
    backend.reset();
    shards.reset();
    meta.reset();
    absl::StatusOr<std::unique_ptr<env::RocksDbMetaStore>> opened_meta =
        env::RocksDbMetaStore::Open(dir.path() + "/meta");
    REQUIRE(opened_meta.ok());
    meta = *std::move(opened_meta);
    absl::StatusOr<std::unique_ptr<env::FileShardStore>> opened_shards =
        env::FileShardStore::Open({.root = dir.path()});
    REQUIRE(opened_shards.ok());
    shards = *std::move(opened_shards);
    absl::StatusOr<std::unique_ptr<LocalBackend>> opened = LocalBackend::Open(
        {.clock = &clock, .random = &random, .meta = meta.get(), .shards = shards.get()},
        backend_options);
    REQUIRE(opened.ok());
    backend = *std::move(opened);
  }

  absl::StatusOr<s3::ObjectInfo> Put(const std::string& bucket, const std::string& key,
                                     const std::string& bytes,
                                     s3::WriteConditions conditions = {}) {
    s3::PutObjectRequest request;
    request.bucket = bucket;
    request.key = key;
    request.owner = "owner";
    request.size = bytes.size();
    request.conditions = std::move(conditions);
    TestPayload payload(bytes);
    return backend->PutObject(request, payload);
  }

  // The bytes [offset, offset + length) of the current version, read in
  // `chunk`-byte Read() calls.
  absl::StatusOr<std::string> Get(const std::string& bucket, const std::string& key,
                                  uint64_t offset = 0, std::optional<uint64_t> length = {},
                                  size_t chunk = 1 << 16) {
    absl::StatusOr<std::unique_ptr<s3::ObjectReader>> reader =
        backend->OpenObject(bucket, key, std::nullopt);
    if (!reader.ok()) return reader.status();
    return ReadRange(**reader, offset, length.value_or((*reader)->info().size - offset), chunk);
  }

  static absl::StatusOr<std::string> ReadRange(s3::ObjectReader& reader, uint64_t offset,
                                               uint64_t length, size_t chunk = 1 << 16) {
    absl::StatusOr<std::unique_ptr<s3::BodyReader>> body = reader.OpenRange(offset, length);
    if (!body.ok()) return body.status();
    std::string out;
    std::vector<uint8_t> buffer(chunk);
    for (;;) {
      absl::StatusOr<size_t> n = (*body)->Read(buffer);
      if (!n.ok()) return n.status();
      if (*n == 0) return out;
      out.append(reinterpret_cast<const char*>(buffer.data()), *n);
    }
  }

  // Regular files under shards/ (committed shard files).
  size_t ShardFileCount() const {
    size_t count = 0;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(dir.path() + "/shards")) {
      count += entry.is_regular_file();
    }
    return count;
  }

  TempDir dir;
  FixedClock clock;
  SeededRandom random;
  LocalBackendOptions backend_options;
  std::unique_ptr<env::RocksDbMetaStore> meta;
  std::unique_ptr<env::FileShardStore> shards;
  std::unique_ptr<LocalBackend> backend;
};

}  // namespace hamster::node::testing

#endif  // HAMSTER_NODE_TESTS_TEST_UTIL_H_
