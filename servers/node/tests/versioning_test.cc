// S3 versioning through LocalBackend: version ids, delete markers, the null
// version rules, ScanObjectVersions positions, and what deleting versions
// does to their data.
#include <catch2/catch.hpp>
#include <random>

#include "absl/strings/str_cat.h"
#include "src/keys.h"
#include "tests/test_util.h"

namespace hamster::node {
namespace {

using s3::ErrorCode;
using testing::HasCode;
using testing::TestNode;

// (key, version id, delete marker, is latest) of a listing.
using Entry = std::tuple<std::string, std::string, bool, bool>;

std::vector<Entry> Entries(const std::vector<s3::ObjectInfo>& versions) {
  std::vector<Entry> entries;
  for (const s3::ObjectInfo& v : versions) {
    entries.emplace_back(v.key, v.version_id, v.delete_marker, v.is_latest);
  }
  return entries;
}

std::vector<Entry> ScanAll(TestNode& node, const std::string& bucket, std::string prefix = "") {
  absl::StatusOr<std::vector<s3::ObjectInfo>> versions =
      node.backend->ScanObjectVersions({.bucket = bucket, .prefix = std::move(prefix)});
  REQUIRE(versions.ok());
  return Entries(*versions);
}

std::string PutVersion(TestNode& node, const std::string& key, const std::string& bytes) {
  absl::StatusOr<s3::ObjectInfo> put = node.Put("b", key, bytes);
  REQUIRE(put.ok());
  return put->version_id;
}

absl::StatusOr<std::string> GetVersion(TestNode& node, const std::string& key,
                                       const std::string& version_id) {
  absl::StatusOr<std::unique_ptr<s3::ObjectReader>> reader =
      node.backend->OpenObject("b", key, version_id);
  if (!reader.ok()) return reader.status();
  return TestNode::ReadRange(**reader, 0, (*reader)->info().size);
}

s3::DeleteObjectResult Delete(TestNode& node, const std::string& key,
                              std::optional<std::string> version_id = std::nullopt) {
  absl::StatusOr<s3::DeleteObjectResult> deleted =
      node.backend->DeleteObject({.bucket = "b", .key = key, .version_id = version_id});
  REQUIRE(deleted.ok());
  return *deleted;
}

TEST_CASE("LocalBackend: versioned writes keep every version, newest first", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  REQUIRE(node.backend->PutBucketVersioning("b", s3::VersioningState::kEnabled).ok());
  const std::string v1 = PutVersion(node, "k", "one");
  const std::string v2 = PutVersion(node, "k", "two");
  CHECK(v1 != v2);
  CHECK(v1.size() == 32);
  CHECK(GetVersion(node, "k", v1).value() == "one");
  CHECK(GetVersion(node, "k", v2).value() == "two");
  CHECK(node.Get("b", "k").value() == "two");
  CHECK(ScanAll(node, "b") == std::vector<Entry>{{"k", v2, false, true}, {"k", v1, false, false}});
  CHECK(node.backend->GetBucket("b")->versioning == s3::VersioningState::kEnabled);
  // They survive a restart.
  node.Reopen();
  CHECK(GetVersion(node, "k", v1).value() == "one");
}

TEST_CASE("LocalBackend: delete markers hide a key until removed", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  REQUIRE(node.backend->PutBucketVersioning("b", s3::VersioningState::kEnabled).ok());
  const std::string v1 = PutVersion(node, "k", "one");
  const s3::DeleteObjectResult marker = Delete(node, "k");
  CHECK(marker.delete_marker);
  absl::Status current = node.backend->StatObject("b", "k", std::nullopt).status();
  CHECK(HasCode(current, ErrorCode::kNoSuchKey));
  CHECK(s3::DeleteMarkerVersionOf(current) == marker.version_id);
  absl::Status by_id = node.backend->StatObject("b", "k", marker.version_id).status();
  CHECK(HasCode(by_id, ErrorCode::kMethodNotAllowed));
  CHECK(s3::DeleteMarkerVersionOf(by_id) == marker.version_id);
  CHECK(node.backend->ScanObjects({.bucket = "b"})->empty());
  CHECK(ScanAll(node, "b") ==
        std::vector<Entry>{{"k", marker.version_id, true, true}, {"k", v1, false, false}});
  // Removing the marker brings the version back.
  const s3::DeleteObjectResult removed = Delete(node, "k", marker.version_id);
  CHECK(removed.delete_marker);
  CHECK(node.Get("b", "k").value() == "one");
  CHECK(ScanAll(node, "b") == std::vector<Entry>{{"k", v1, false, true}});
}

TEST_CASE("LocalBackend: the null version in unversioned, enabled and suspended buckets",
          "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  CHECK(PutVersion(node, "k", "null one") == "null");
  CHECK(PutVersion(node, "k", "null two") == "null");
  CHECK(ScanAll(node, "b") == std::vector<Entry>{{"k", "null", false, true}});
  REQUIRE(node.backend->PutBucketVersioning("b", s3::VersioningState::kEnabled).ok());
  const std::string enabled = PutVersion(node, "k", "enabled");
  REQUIRE(node.backend->PutBucketVersioning("b", s3::VersioningState::kSuspended).ok());
  CHECK(PutVersion(node, "k", "null three") == "null");
  CHECK(ScanAll(node, "b") ==
        std::vector<Entry>{{"k", "null", false, true}, {"k", enabled, false, false}});
  CHECK(GetVersion(node, "k", "null").value() == "null three");
  const s3::DeleteObjectResult marker = Delete(node, "k");
  CHECK(marker.delete_marker);
  CHECK(marker.version_id == "null");
  CHECK(ScanAll(node, "b") ==
        std::vector<Entry>{{"k", "null", true, true}, {"k", enabled, false, false}});
  Delete(node, "k", "null");
  CHECK(node.Get("b", "k").value() == "enabled");
}

TEST_CASE("LocalBackend: ScanObjectVersions resumes after every position", "[node]") {
  const uint64_t seed = GENERATE(1, 2, 3);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  TestNode node(seed);
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  REQUIRE(node.backend->PutBucketVersioning("b", s3::VersioningState::kEnabled).ok());
  for (int i = 0; i < 60; ++i) {
    const std::string key = absl::StrCat("k", rng() % 12, rng() % 2 ? "/x" : "");
    if (rng() % 4 == 0) {
      Delete(node, key);
    } else {
      PutVersion(node, key, "v");
    }
  }
  const std::vector<Entry> all = ScanAll(node, "b");
  for (size_t i = 1; i < all.size(); ++i) {
    const auto& [key, version, marker, latest] = all[i];
    const auto& previous_key = std::get<0>(all[i - 1]);
    CHECK(previous_key <= key);
    CHECK(latest == (previous_key != key));
  }
  for (size_t i = 0; i < all.size(); ++i) {
    INFO("position " << i);
    absl::StatusOr<std::vector<s3::ObjectInfo>> rest =
        node.backend->ScanObjectVersions({.bucket = "b",
                                          .key_marker = std::get<0>(all[i]),
                                          .version_id_marker = std::get<1>(all[i])});
    REQUIRE(rest.ok());
    CHECK(Entries(*rest) == std::vector<Entry>(all.begin() + long(i) + 1, all.end()));
    absl::StatusOr<std::vector<s3::ObjectInfo>> page = node.backend->ScanObjectVersions(
        {.bucket = "b", .key_marker = std::get<0>(all[i]), .limit = 2});
    REQUIRE(page.ok());
    for (const s3::ObjectInfo& info : *page) CHECK(info.key > std::get<0>(all[i]));
  }
  std::vector<Entry> expected;
  for (const Entry& entry : all) {
    if (std::get<0>(entry).starts_with("k1")) expected.push_back(entry);
  }
  CHECK(ScanAll(node, "b", "k1") == expected);
}

TEST_CASE("LocalBackend: deleting versions frees their data only when the last one goes",
          "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  REQUIRE(node.backend->PutBucketVersioning("b", s3::VersioningState::kEnabled).ok());
  const std::string v1 = PutVersion(node, "k", "one");
  const std::string v2 = PutVersion(node, "k", "two");
  // A copy shares v1's data.
  absl::StatusOr<s3::ObjectInfo> copy =
      node.backend->CopyObject({.source_bucket = "b",
                                .source_key = "k",
                                .source_version_id = v1,
                                .source_etag = testing::Md5Hex("one"),
                                .bucket = "b",
                                .key = "copy",
                                .owner = "alice"});
  REQUIRE(copy.ok());
  CHECK(node.ShardFileCount() == 2);
  Delete(node, "k");  // a marker: nothing freed
  REQUIRE(node.backend->CollectGarbage().ok());
  CHECK(node.ShardFileCount() == 2);
  Delete(node, "k", v2);
  REQUIRE(node.backend->CollectGarbage().ok());
  CHECK(node.ShardFileCount() == 1);
  Delete(node, "k", v1);
  REQUIRE(node.backend->CollectGarbage().ok());
  CHECK(node.ShardFileCount() == 1);  // the copy still uses it
  CHECK(node.Get("b", "copy").value() == "one");
  Delete(node, "copy", copy->version_id);
  REQUIRE(node.backend->CollectGarbage().ok());
  CHECK(node.ShardFileCount() == 0);
}

TEST_CASE("LocalBackend: version id errors", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  REQUIRE(node.Put("b", "k", "x").ok());
  CHECK(HasCode(node.backend->StatObject("b", "k", "nope").status(), ErrorCode::kInvalidArgument));
  CHECK(HasCode(
      node.backend->DeleteObject({.bucket = "b", .key = "k", .version_id = "nope"}).status(),
      ErrorCode::kInvalidArgument));
  CHECK(HasCode(node.backend->StatObject("b", "k", std::string(32, '0')).status(),
                ErrorCode::kNoSuchVersion));
  CHECK(node.backend->StatObject("b", "k", "null").ok());
  CHECK(HasCode(node.backend->PutBucketVersioning("x", s3::VersioningState::kEnabled),
                ErrorCode::kNoSuchBucket));
  CHECK(HasCode(node.backend->PutBucketVersioning("b", s3::VersioningState::kUnversioned),
                ErrorCode::kMalformedXML));
  CHECK(HasCode(node.backend->ScanObjectVersions({.bucket = "x"}).status(),
                ErrorCode::kNoSuchBucket));
}

}  // namespace
}  // namespace hamster::node
