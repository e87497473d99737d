// LocalBackend multipart uploads: part rules, the multipart ETag, reads
// across part boundaries, and what completing or aborting does to the data.
#include <catch2/catch.hpp>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "tests/test_util.h"

namespace hamster::node {
namespace {

using s3::ErrorCode;
using testing::HasCode;
using testing::TestNode;
using testing::TestPayload;

// Small parts keep the tests fast: the minimum part size is configurable.
constexpr uint64_t kMinPart = 1000;

LocalBackendOptions SmallParts() {
  return {.block_size_bytes = 256, .min_part_size_bytes = kMinPart};
}

std::string CreateUpload(TestNode& node, const std::string& key) {
  s3::PutObjectRequest request;
  request.bucket = "b";
  request.key = key;
  request.owner = "alice";
  request.metadata.content_type = "text/plain";
  request.tags = {{"t", "1"}};
  absl::StatusOr<std::string> upload_id = node.backend->CreateMultipartUpload(request);
  REQUIRE(upload_id.ok());
  return *upload_id;
}

absl::StatusOr<s3::PartInfo> UploadPart(TestNode& node, const std::string& key,
                                        const std::string& upload_id, int number,
                                        const std::string& bytes) {
  TestPayload payload(bytes, 333);
  return node.backend->UploadPart("b", key, upload_id, number, bytes.size(), payload, std::nullopt);
}

std::string MultipartEtag(const std::vector<std::string>& parts) {
  std::string digests;
  for (const std::string& part : parts) {
    digests += absl::HexStringToBytes(testing::Md5Hex(part));
  }
  return absl::StrCat(testing::Md5Hex(digests), "-", parts.size());
}

TEST_CASE("Multipart: completes an object from parts without copying them", "[node]") {
  const uint64_t seed = GENERATE(1, 2);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  TestNode node(seed, SmallParts());
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  const std::string upload_id = CreateUpload(node, "big");
  std::vector<std::string> parts = {testing::RandomBytes(rng, 1500),
                                    testing::RandomBytes(rng, 1000), testing::RandomBytes(rng, 10)};
  // Part 2 first, and part 1 uploaded twice: the second replaces the first.
  REQUIRE(UploadPart(node, "big", upload_id, 2, parts[1]).ok());
  REQUIRE(UploadPart(node, "big", upload_id, 1,
                     "replaced soon, and long enough: " + std::string(2000, 'x'))
              .ok());
  REQUIRE(UploadPart(node, "big", upload_id, 1, parts[0]).ok());
  absl::StatusOr<s3::PartInfo> last = UploadPart(node, "big", upload_id, 3, parts[2]);
  REQUIRE(last.ok());
  CHECK(last->etag == testing::Md5Hex(parts[2]));
  CHECK(last->size == 10);
  const size_t files_before = node.ShardFileCount();

  absl::StatusOr<std::vector<s3::PartInfo>> listed =
      node.backend->ListParts("b", "big", upload_id, 0, 1000);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 3);
  CHECK((*listed)[0].etag == testing::Md5Hex(parts[0]));
  absl::StatusOr<std::vector<s3::PartInfo>> after_one =
      node.backend->ListParts("b", "big", upload_id, 1, 1);
  REQUIRE(after_one.ok());
  REQUIRE(after_one->size() == 1);
  CHECK((*after_one)[0].part_number == 2);

  absl::StatusOr<s3::ObjectInfo> done = node.backend->CompleteMultipartUpload(
      "b", "big", upload_id,
      {{1, testing::Md5Hex(parts[0])},
       {2, "\"" + testing::Md5Hex(parts[1]) + "\""},  // quoted, as clients often send it
       {3, testing::Md5Hex(parts[2])}},
      {});
  REQUIRE(done.ok());
  CHECK(done->etag == MultipartEtag(parts));
  CHECK(done->size == 2510);
  CHECK(done->part_sizes == std::vector<uint64_t>{1500, 1000, 10});
  CHECK(done->metadata.content_type == "text/plain");
  CHECK(done->owner == "alice");
  CHECK(done->tag_count == 1);
  CHECK(node.ShardFileCount() == files_before);  // no byte was copied

  const std::string whole = parts[0] + parts[1] + parts[2];
  CHECK(node.Get("b", "big").value() == whole);
  // Ranges crossing part boundaries and block boundaries, read in odd chunks.
  for (auto [offset, length] : std::vector<std::pair<uint64_t, uint64_t>>{
           {1499, 2}, {1400, 1105}, {0, 2510}, {2500, 10}, {255, 258}, {1500, 1000}}) {
    INFO("range " << offset << "+" << length);
    absl::StatusOr<std::string> range = node.Get("b", "big", offset, length, 97);
    REQUIRE(range.ok());
    CHECK(*range == whole.substr(offset, length));
  }
  CHECK(HasCode(node.backend->ListParts("b", "big", upload_id, 0, 10).status(),
                ErrorCode::kNoSuchUpload));
  CHECK(node.backend->ScanUploads({.bucket = "b"}).value().empty());
}

TEST_CASE("Multipart: part rules are checked at completion", "[node]") {
  TestNode node(1, SmallParts());
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  const std::string upload_id = CreateUpload(node, "k");
  const std::string small(999, 's'), big(kMinPart, 'b');
  REQUIRE(UploadPart(node, "k", upload_id, 1, small).ok());
  REQUIRE(UploadPart(node, "k", upload_id, 2, big).ok());
  REQUIRE(UploadPart(node, "k", upload_id, 3, big).ok());
  const std::string small_etag = testing::Md5Hex(small), big_etag = testing::Md5Hex(big);
  auto complete = [&](std::vector<s3::CompletedPart> parts) {
    return node.backend->CompleteMultipartUpload("b", "k", upload_id, parts, {}).status();
  };
  CHECK(HasCode(complete({{2, big_etag}, {1, small_etag}}), ErrorCode::kInvalidPartOrder));
  CHECK(HasCode(complete({{2, big_etag}, {2, big_etag}}), ErrorCode::kInvalidPartOrder));
  CHECK(HasCode(complete({{2, big_etag}, {4, big_etag}}), ErrorCode::kInvalidPart));
  CHECK(HasCode(complete({{2, small_etag}}), ErrorCode::kInvalidPart));
  CHECK(HasCode(complete({{1, small_etag}, {2, big_etag}}), ErrorCode::kEntityTooSmall));
  CHECK(HasCode(complete({}), ErrorCode::kMalformedXML));
  CHECK(
      HasCode(node.backend->CompleteMultipartUpload("b", "k", "nope", {{2, big_etag}}, {}).status(),
              ErrorCode::kNoSuchUpload));
  CHECK(HasCode(
      node.backend->CompleteMultipartUpload("b", "other", upload_id, {{2, big_etag}}, {}).status(),
      ErrorCode::kNoSuchUpload));
  // The failures changed nothing: a valid list still completes, and a small
  // last part is allowed.
  REQUIRE(complete({{2, big_etag}, {3, big_etag}}).ok());
  CHECK(node.Get("b", "k").value() == big + big);
}

TEST_CASE("Multipart: unlisted and aborted parts are garbage", "[node]") {
  TestNode node(1, SmallParts());
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  const std::string upload_id = CreateUpload(node, "k");
  const std::string part(kMinPart, 'p');
  for (int n = 1; n <= 3; ++n) REQUIRE(UploadPart(node, "k", upload_id, n, part).ok());
  REQUIRE(
      node.backend->CompleteMultipartUpload("b", "k", upload_id, {{1, testing::Md5Hex(part)}}, {})
          .ok());
  REQUIRE(node.ShardFileCount() == 3);
  absl::StatusOr<GarbageStats> gc = node.backend->CollectGarbage();
  REQUIRE(gc.ok());
  CHECK(gc->data_removed == 2);
  CHECK(node.ShardFileCount() == 1);
  CHECK(node.Get("b", "k").value() == part);

  const std::string aborted = CreateUpload(node, "k2");
  REQUIRE(UploadPart(node, "k2", aborted, 1, part).ok());
  REQUIRE(UploadPart(node, "k2", aborted, 1, part).ok());  // replaces: the first is garbage
  CHECK(node.ShardFileCount() == 3);
  REQUIRE(node.backend->AbortMultipartUpload("b", "k2", aborted).ok());
  REQUIRE(node.backend->CollectGarbage().ok());
  CHECK(node.ShardFileCount() == 1);
  CHECK(HasCode(node.backend->AbortMultipartUpload("b", "k2", aborted), ErrorCode::kNoSuchUpload));
  CHECK(HasCode(node.backend->AbortMultipartUpload("x", "k2", aborted), ErrorCode::kNoSuchBucket));
  TestPayload payload(part);
  CHECK(HasCode(
      node.backend->UploadPart("b", "k2", aborted, 1, std::nullopt, payload, std::nullopt).status(),
      ErrorCode::kNoSuchUpload));
}

TEST_CASE("Multipart: lists uploads by key, then initiation, after the markers", "[node]") {
  TestNode node(1, SmallParts());
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  const std::string a1 = CreateUpload(node, "a");
  const std::string b1 = CreateUpload(node, "b");
  const std::string a2 = CreateUpload(node, "a");
  const std::string c1 = CreateUpload(node, "c/x");
  auto ids = [&](s3::ScanUploadsRequest request) {
    request.bucket = "b";
    absl::StatusOr<std::vector<s3::MultipartUploadInfo>> uploads =
        node.backend->ScanUploads(request);
    REQUIRE(uploads.ok());
    std::vector<std::string> out;
    for (const s3::MultipartUploadInfo& upload : *uploads) out.push_back(upload.upload_id);
    return out;
  };
  CHECK(ids({}) == std::vector<std::string>{a1, a2, b1, c1});
  CHECK(ids({.prefix = "c/"}) == std::vector<std::string>{c1});
  CHECK(ids({.key_marker = "a"}) == std::vector<std::string>{b1, c1});
  CHECK(ids({.key_marker = "a", .upload_id_marker = a1}) == std::vector<std::string>{a2, b1, c1});
  CHECK(ids({.limit = 2}) == std::vector<std::string>{a1, a2});
  CHECK(HasCode(node.backend->ScanUploads({.bucket = "x"}).status(), ErrorCode::kNoSuchBucket));
  CHECK(HasCode(node.backend->CreateMultipartUpload({.bucket = "x", .key = "k"}).status(),
                ErrorCode::kNoSuchBucket));
}

}  // namespace
}  // namespace hamster::node
