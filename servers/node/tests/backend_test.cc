// LocalBackend through the s3::Backend interface on a temporary directory:
// buckets, objects, listing, tags and their documented errors.
#include <catch2/catch.hpp>

#include "tests/test_util.h"

namespace hamster::node {
namespace {

using s3::ErrorCode;
using testing::HasCode;
using testing::TestNode;
using testing::TestPayload;

TEST_CASE("LocalBackend: creates, lists, gets and deletes buckets", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("beta", "alice").ok());
  REQUIRE(node.backend->CreateBucket("alpha", "bob").ok());
  absl::StatusOr<std::vector<s3::BucketInfo>> buckets = node.backend->ListBuckets();
  REQUIRE(buckets.ok());
  REQUIRE(buckets->size() == 2);
  CHECK((*buckets)[0].name == "alpha");
  CHECK((*buckets)[0].owner == "bob");
  CHECK((*buckets)[1].name == "beta");
  absl::StatusOr<s3::BucketInfo> beta = node.backend->GetBucket("beta");
  REQUIRE(beta.ok());
  CHECK(beta->owner == "alice");
  CHECK(beta->created > absl::FromUnixSeconds(1700000000));
  REQUIRE(node.backend->DeleteBucket("beta").ok());
  CHECK(HasCode(node.backend->GetBucket("beta").status(), ErrorCode::kNoSuchBucket));
}

TEST_CASE("LocalBackend: bucket errors", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  CHECK(HasCode(node.backend->CreateBucket("b", "alice"), ErrorCode::kBucketAlreadyOwnedByYou));
  CHECK(HasCode(node.backend->CreateBucket("b", "bob"), ErrorCode::kBucketAlreadyExists));
  CHECK(HasCode(node.backend->DeleteBucket("missing"), ErrorCode::kNoSuchBucket));
  REQUIRE(node.Put("b", "k", "x").ok());
  CHECK(HasCode(node.backend->DeleteBucket("b"), ErrorCode::kBucketNotEmpty));
  REQUIRE(node.backend->DeleteObject("b", "k", std::nullopt).ok());
  s3::PutObjectRequest upload;
  upload.bucket = "b";
  upload.key = "u";
  REQUIRE(node.backend->CreateMultipartUpload(upload).ok());
  CHECK(HasCode(node.backend->DeleteBucket("b"), ErrorCode::kBucketNotEmpty));
}

TEST_CASE("LocalBackend: bucket tags", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  CHECK(HasCode(node.backend->GetBucketTags("b").status(), ErrorCode::kNoSuchTagSet));
  CHECK(HasCode(node.backend->GetBucketTags("x").status(), ErrorCode::kNoSuchBucket));
  CHECK(HasCode(node.backend->PutBucketTags("x", {}), ErrorCode::kNoSuchBucket));
  CHECK(HasCode(node.backend->DeleteBucketTags("x"), ErrorCode::kNoSuchBucket));
  REQUIRE(node.backend->PutBucketTags("b", {{"env", "prod"}, {"team", "storage"}}).ok());
  absl::StatusOr<s3::Tags> tags = node.backend->GetBucketTags("b");
  REQUIRE(tags.ok());
  CHECK(*tags == s3::Tags{{"env", "prod"}, {"team", "storage"}});
  REQUIRE(node.backend->DeleteBucketTags("b").ok());
  CHECK(HasCode(node.backend->GetBucketTags("b").status(), ErrorCode::kNoSuchTagSet));
}

TEST_CASE("LocalBackend: puts an object and reads it back with its metadata", "[node]") {
  const uint64_t seed = GENERATE(1, 2, 3);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  TestNode node(seed, {.block_size_bytes = 4096});
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  const std::string bytes = testing::RandomBytes(rng, 10000 + rng() % 20000);
  s3::PutObjectRequest request;
  request.bucket = "b";
  request.key = "dir/file.bin";
  request.owner = "alice";
  request.size = bytes.size();
  request.metadata.content_type = "application/x-test";
  request.metadata.cache_control = "no-cache";
  request.metadata.user = {{"color", "blue"}};
  request.tags = {{"a", "1"}};
  TestPayload payload(bytes, 1000, absl::OkStatus(), {{"crc32", "AAAAAA=="}});
  absl::StatusOr<s3::ObjectInfo> put = node.backend->PutObject(request, payload);
  REQUIRE(put.ok());
  CHECK(put->etag == testing::Md5Hex(bytes));
  CHECK(put->size == bytes.size());
  CHECK(put->version_id == "null");
  CHECK(put->tag_count == 1);

  absl::StatusOr<s3::ObjectInfo> stat = node.backend->StatObject("b", "dir/file.bin", std::nullopt);
  REQUIRE(stat.ok());
  CHECK(stat->etag == put->etag);
  CHECK(stat->owner == "alice");
  CHECK(stat->last_modified == put->last_modified);
  CHECK(stat->metadata.content_type == "application/x-test");
  CHECK(stat->metadata.cache_control == "no-cache");
  CHECK(stat->metadata.user == std::map<std::string, std::string>{{"color", "blue"}});
  CHECK(stat->metadata.checksums == std::map<std::string, std::string>{{"crc32", "AAAAAA=="}});
  CHECK(node.backend->StatObject("b", "dir/file.bin", "null").ok());

  absl::StatusOr<std::string> read = node.Get("b", "dir/file.bin", 0, std::nullopt, 777);
  REQUIRE(read.ok());
  CHECK(*read == bytes);
  // Ranges inside one block, across blocks, and at the end.
  for (auto [offset, length] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 1}, {4095, 2}, {100, 9000}, {bytes.size() - 1, 1}, {bytes.size(), 0}}) {
    absl::StatusOr<std::string> range = node.Get("b", "dir/file.bin", offset, length, 5000);
    REQUIRE(range.ok());
    CHECK(*range == bytes.substr(offset, length));
  }
  node.Reopen();
  CHECK(node.Get("b", "dir/file.bin").value() == bytes);
}

TEST_CASE("LocalBackend: object read errors", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  REQUIRE(node.Put("b", "k", "value").ok());
  CHECK(
      HasCode(node.backend->StatObject("x", "k", std::nullopt).status(), ErrorCode::kNoSuchBucket));
  CHECK(
      HasCode(node.backend->StatObject("b", "nope", std::nullopt).status(), ErrorCode::kNoSuchKey));
  const std::string unknown_version(32, 'a');
  CHECK(HasCode(node.backend->StatObject("b", "k", unknown_version).status(),
                ErrorCode::kNoSuchVersion));
  CHECK(HasCode(node.backend->StatObject("b", "k", "v123").status(), ErrorCode::kInvalidArgument));
  CHECK(
      HasCode(node.backend->OpenObject("x", "k", std::nullopt).status(), ErrorCode::kNoSuchBucket));
  CHECK(
      HasCode(node.backend->OpenObject("b", "nope", std::nullopt).status(), ErrorCode::kNoSuchKey));
  CHECK(HasCode(node.backend->OpenObject("b", "k", unknown_version).status(),
                ErrorCode::kNoSuchVersion));
  CHECK(HasCode(node.backend->GetObjectTags("b", "nope", std::nullopt).status(),
                ErrorCode::kNoSuchKey));
  absl::StatusOr<std::unique_ptr<s3::ObjectReader>> reader =
      node.backend->OpenObject("b", "k", std::nullopt);
  REQUIRE(reader.ok());
  CHECK(absl::IsOutOfRange((*reader)->OpenRange(3, 3).status()));
}

TEST_CASE("LocalBackend: put errors leave nothing visible", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  CHECK(HasCode(node.Put("missing", "k", "v").status(), ErrorCode::kNoSuchBucket));

  s3::PutObjectRequest request;
  request.bucket = "b";
  request.key = "k";
  request.size = 10;
  TestPayload short_payload("12345");
  CHECK(HasCode(node.backend->PutObject(request, short_payload).status(),
                ErrorCode::kIncompleteBody));
  request.size = 2;
  TestPayload long_payload("12345");
  CHECK(!node.backend->PutObject(request, long_payload).ok());
  request.size = std::nullopt;
  TestPayload bad_digest("12345", 2, s3::Error(ErrorCode::kBadDigest, "Content-MD5 mismatch"));
  CHECK(HasCode(node.backend->PutObject(request, bad_digest).status(), ErrorCode::kBadDigest));

  CHECK(HasCode(node.backend->StatObject("b", "k", std::nullopt).status(), ErrorCode::kNoSuchKey));
  CHECK(node.ShardFileCount() == 0);  // counts temporary files too
}

TEST_CASE("LocalBackend: an empty object has no shard file", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  absl::StatusOr<s3::ObjectInfo> put = node.Put("b", "folder/", "");
  REQUIRE(put.ok());
  CHECK(put->etag == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(node.ShardFileCount() == 0);
  absl::StatusOr<std::string> read = node.Get("b", "folder/");
  REQUIRE(read.ok());
  CHECK(read->empty());
}

TEST_CASE("LocalBackend: overwrite replaces, delete removes, deleting nothing succeeds", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  REQUIRE(node.Put("b", "k", "first").ok());
  REQUIRE(node.Put("b", "k", "second!").ok());
  CHECK(node.Get("b", "k").value() == "second!");
  REQUIRE(node.backend->DeleteObject("b", "k", std::nullopt).ok());
  CHECK(HasCode(node.backend->StatObject("b", "k", std::nullopt).status(), ErrorCode::kNoSuchKey));
  CHECK(node.backend->DeleteObject("b", "k", std::nullopt).ok());
  CHECK(node.backend->DeleteObject("b", "never", "null").ok());
  CHECK(HasCode(node.backend->DeleteObject("x", "k", std::nullopt), ErrorCode::kNoSuchBucket));
}

TEST_CASE("LocalBackend: lists objects by prefix and start_after in byte order", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  REQUIRE(node.backend->CreateBucket("b2", "alice").ok());
  const std::vector<std::string> keys = {"a",     "a/b",   "a/c", std::string("a\0z", 3),
                                         "a\x01", "a\xff", "b",   "\xc3\xa9t\xc3\xa9"};
  for (const std::string& key : keys) REQUIRE(node.Put("b", key, key).ok());
  REQUIRE(node.Put("b2", "a/other-bucket", "x").ok());
  auto list = [&](std::string prefix, std::string start_after, size_t limit) {
    absl::StatusOr<std::vector<s3::ObjectInfo>> objects =
        node.backend->ScanObjects({.bucket = "b",
                                   .prefix = std::move(prefix),
                                   .start_after = std::move(start_after),
                                   .limit = limit});
    REQUIRE(objects.ok());
    std::vector<std::string> names;
    for (const s3::ObjectInfo& info : *objects) names.push_back(info.key);
    return names;
  };
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  CHECK(list("", "", 1000) == sorted);
  CHECK(list("a/", "", 1000) == std::vector<std::string>{"a/b", "a/c"});
  CHECK(list("a", "a/b", 2) == std::vector<std::string>{"a/c", "a\xff"});
  CHECK(list(std::string("a\0", 2), "", 10) == std::vector<std::string>{std::string("a\0z", 3)});
  CHECK(list("", "a\xff", 10) == std::vector<std::string>{"b", "\xc3\xa9t\xc3\xa9"});
  CHECK(list("zz", "", 10).empty());
  CHECK(list("", "", 0).empty());
  CHECK(HasCode(node.backend->ScanObjects({.bucket = "x"}).status(), ErrorCode::kNoSuchBucket));
}

TEST_CASE("LocalBackend: object tags", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  REQUIRE(node.Put("b", "k", "v").ok());
  CHECK(node.backend->GetObjectTags("b", "k", std::nullopt).value().empty());
  REQUIRE(node.backend->PutObjectTags("b", "k", std::nullopt, {{"x", "1"}, {"y", ""}}).ok());
  CHECK(node.backend->GetObjectTags("b", "k", "null").value() == s3::Tags{{"x", "1"}, {"y", ""}});
  CHECK(node.backend->StatObject("b", "k", std::nullopt)->tag_count == 2);
  CHECK(HasCode(node.backend->PutObjectTags("b", "nope", std::nullopt, {}), ErrorCode::kNoSuchKey));
  CHECK(HasCode(node.backend->PutObjectTags("b", "k", "v9", {}), ErrorCode::kNoSuchVersion));
  CHECK(HasCode(node.backend->PutObjectTags("x", "k", std::nullopt, {}), ErrorCode::kNoSuchBucket));
}

}  // namespace
}  // namespace hamster::node
