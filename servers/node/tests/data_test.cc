// LocalBackend's data: copies share it, conditional writes decide at commit,
// reads verify it, garbage collection removes only what nothing references,
// and keys never name files.
#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "hamster/node/local_node.h"
#include "tests/test_util.h"

namespace hamster::node {
namespace {

namespace fs = std::filesystem;
using s3::ErrorCode;
using testing::HasCode;
using testing::TestNode;

s3::CopyObjectRequest Copy(const std::string& from, const std::string& to,
                           const std::string& etag) {
  s3::CopyObjectRequest request;
  request.source_bucket = "b";
  request.source_key = from;
  request.source_etag = etag;
  request.bucket = "b";
  request.key = to;
  request.owner = "bob";
  return request;
}

TEST_CASE("Copy: shares the source's data and keeps it until both are gone", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  s3::PutObjectRequest put;
  put.bucket = "b";
  put.key = "src";
  put.metadata.content_type = "text/plain";
  put.metadata.user = {{"m", "1"}};
  put.tags = {{"t", "1"}};
  testing::TestPayload payload("shared bytes");
  absl::StatusOr<s3::ObjectInfo> source = node.backend->PutObject(put, payload);
  REQUIRE(source.ok());

  absl::StatusOr<s3::ObjectInfo> copy = node.backend->CopyObject(Copy("src", "dst", source->etag));
  REQUIRE(copy.ok());
  CHECK(copy->etag == source->etag);
  CHECK(copy->owner == "bob");
  CHECK(copy->metadata.content_type == "text/plain");
  CHECK(copy->metadata.user == source->metadata.user);
  CHECK(copy->tag_count == 1);
  CHECK(node.ShardFileCount() == 1);
  CHECK(node.Get("b", "dst").value() == "shared bytes");

  REQUIRE(node.backend->DeleteObject("b", "src", std::nullopt).ok());
  REQUIRE(node.backend->CollectGarbage().ok());
  CHECK(node.ShardFileCount() == 1);
  CHECK(node.Get("b", "dst").value() == "shared bytes");
  REQUIRE(node.backend->DeleteObject("b", "dst", std::nullopt).ok());
  REQUIRE(node.backend->CollectGarbage().ok());
  CHECK(node.ShardFileCount() == 0);
}

TEST_CASE("Copy: onto itself replaces metadata and tags, keeping the data", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  absl::StatusOr<s3::ObjectInfo> source = node.Put("b", "k", "bytes");
  REQUIRE(source.ok());
  s3::CopyObjectRequest request = Copy("k", "k", source->etag);
  request.metadata_directive = s3::MetadataDirective::kReplace;
  request.metadata.content_type = "image/png";
  request.tags = s3::Tags{{"new", "tag"}};
  absl::StatusOr<s3::ObjectInfo> copy = node.backend->CopyObject(request);
  REQUIRE(copy.ok());
  CHECK(copy->metadata.content_type == "image/png");
  CHECK(node.backend->GetObjectTags("b", "k", std::nullopt).value() == s3::Tags{{"new", "tag"}});
  REQUIRE(node.backend->CollectGarbage().ok());
  CHECK(node.ShardFileCount() == 1);
  CHECK(node.Get("b", "k").value() == "bytes");
}

TEST_CASE("Copy: errors", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  absl::StatusOr<s3::ObjectInfo> source = node.Put("b", "k", "bytes");
  REQUIRE(source.ok());
  CHECK(HasCode(node.backend->CopyObject(Copy("k", "d", "0123")).status(),
                ErrorCode::kPreconditionFailed));
  CHECK(HasCode(node.backend->CopyObject(Copy("nope", "d", source->etag)).status(),
                ErrorCode::kNoSuchKey));
  s3::CopyObjectRequest versioned = Copy("k", "d", source->etag);
  versioned.source_version_id = "v1";
  CHECK(HasCode(node.backend->CopyObject(versioned).status(), ErrorCode::kNoSuchVersion));
  s3::CopyObjectRequest to_missing = Copy("k", "d", source->etag);
  to_missing.bucket = "missing";
  CHECK(HasCode(node.backend->CopyObject(to_missing).status(), ErrorCode::kNoSuchBucket));
  s3::CopyObjectRequest from_missing = Copy("k", "d", source->etag);
  from_missing.source_bucket = "missing";
  CHECK(HasCode(node.backend->CopyObject(from_missing).status(), ErrorCode::kNoSuchBucket));
  s3::CopyObjectRequest conditional = Copy("k", "k", source->etag);
  conditional.conditions.if_none_match_any = true;
  CHECK(HasCode(node.backend->CopyObject(conditional).status(), ErrorCode::kPreconditionFailed));
}

TEST_CASE("Conditional PUT: If-None-Match and If-Match are decided at commit", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  const s3::WriteConditions create_only{.if_none_match_any = true};
  absl::StatusOr<s3::ObjectInfo> first = node.Put("b", "k", "one", create_only);
  REQUIRE(first.ok());
  CHECK(HasCode(node.Put("b", "k", "two", create_only).status(), ErrorCode::kPreconditionFailed));
  CHECK(HasCode(node.Put("b", "k", "two", {.if_match = "0000"}).status(),
                ErrorCode::kPreconditionFailed));
  CHECK(HasCode(node.Put("b", "absent", "two", {.if_match = first->etag}).status(),
                ErrorCode::kNoSuchKey));
  REQUIRE(node.Put("b", "k", "three", {.if_match = "\"" + first->etag + "\""}).ok());
  CHECK(node.Get("b", "k").value() == "three");
  // The refused writes' data was queued as garbage, not left behind.
  REQUIRE(node.backend->CollectGarbage().ok());
  CHECK(node.ShardFileCount() == 1);
}

TEST_CASE("Conditional PUT: of racing If-None-Match writers exactly one wins", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  constexpr int kWriters = 8;
  std::atomic<int> won{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      absl::StatusOr<s3::ObjectInfo> put =
          node.Put("b", "race", "writer " + std::to_string(i), {.if_none_match_any = true});
      if (put.ok()) ++won;
      if (HasCode(put.status(), ErrorCode::kPreconditionFailed)) ++refused;
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(won == 1);
  CHECK(refused == kWriters - 1);
}

// Flips one byte of the only shard file, inside the data of block `block`.
void DamageShard(TestNode& node, uint64_t offset_in_file) {
  std::string path;
  for (const auto& entry : fs::recursive_directory_iterator(node.dir.path() + "/shards")) {
    if (entry.is_regular_file()) path = entry.path().string();
  }
  REQUIRE(!path.empty());
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  file.seekg(std::streamoff(offset_in_file));
  char byte = 0;
  file.read(&byte, 1);
  byte = char(byte ^ 0x5a);
  file.seekp(std::streamoff(offset_in_file));
  file.write(&byte, 1);
}

TEST_CASE("Bit rot in a shard file is found on read, not served", "[node]") {
  TestNode node(1, {.block_size_bytes = 1024});
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  const std::string bytes(4096, 'z');
  REQUIRE(node.Put("b", "k", bytes).ok());
  // Block 2's data starts after the header and two block records.
  DamageShard(node, ec::kShardHeaderSizeBytes + 2 * (1024 + 8) + 10);
  absl::StatusOr<std::string> whole = node.Get("b", "k");
  CHECK(absl::IsDataLoss(whole.status()));
  absl::StatusOr<std::string> damaged_range = node.Get("b", "k", 2048, 100);
  CHECK(absl::IsDataLoss(damaged_range.status()));
  // Blocks that are intact are still served: a range reads only its blocks.
  absl::StatusOr<std::string> intact_range = node.Get("b", "k", 0, 2048);
  REQUIRE(intact_range.ok());
  CHECK(*intact_range == bytes.substr(0, 2048));
}

TEST_CASE("A missing shard file is data loss", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  REQUIRE(node.Put("b", "k", "bytes").ok());
  for (const auto& entry : fs::recursive_directory_iterator(node.dir.path() + "/shards")) {
    if (entry.is_regular_file()) fs::remove(entry.path());
  }
  CHECK(absl::IsDataLoss(node.Get("b", "k").status()));
}

TEST_CASE("GC: an open reader keeps overwritten data until it closes", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  REQUIRE(node.Put("b", "k", "old bytes").ok());
  absl::StatusOr<std::unique_ptr<s3::ObjectReader>> reader =
      node.backend->OpenObject("b", "k", std::nullopt);
  REQUIRE(reader.ok());
  REQUIRE(node.Put("b", "k", "new bytes!").ok());
  REQUIRE(node.backend->DeleteObject("b", "k", std::nullopt).ok());
  absl::StatusOr<GarbageStats> pinned = node.backend->CollectGarbage();
  REQUIRE(pinned.ok());
  CHECK(pinned->data_pinned == 1);
  CHECK(pinned->data_removed == 1);  // "new bytes!" had no reader
  CHECK(TestNode::ReadRange(**reader, 0, 9).value() == "old bytes");
  reader->reset();
  absl::StatusOr<GarbageStats> released = node.backend->CollectGarbage();
  REQUIRE(released.ok());
  CHECK(released->data_removed == 1);
  CHECK(node.ShardFileCount() == 0);
}

TEST_CASE("GC: never removes referenced data", "[node]") {
  const uint64_t seed = GENERATE(1, 2, 3);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  TestNode node(seed);
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  std::map<std::string, std::string> expected;
  for (int step = 0; step < 60; ++step) {
    const std::string key = "k" + std::to_string(rng() % 8);
    switch (rng() % 4) {
      case 0:
      case 1: {
        const std::string bytes = testing::RandomBytes(rng, rng() % 3000);
        REQUIRE(node.Put("b", key, bytes).ok());
        expected[key] = bytes;
        break;
      }
      case 2:
        REQUIRE(node.backend->DeleteObject("b", key, std::nullopt).ok());
        expected.erase(key);
        break;
      case 3: {
        const std::string from = "k" + std::to_string(rng() % 8);
        if (!expected.contains(from)) break;
        absl::StatusOr<s3::ObjectInfo> info = node.backend->StatObject("b", from, std::nullopt);
        REQUIRE(info.ok());
        REQUIRE(node.backend->CopyObject(Copy(from, key, info->etag)).ok());
        expected[key] = expected[from];
        break;
      }
    }
    if (rng() % 5 == 0) REQUIRE(node.backend->CollectGarbage().ok());
  }
  REQUIRE(node.backend->CollectGarbage().ok());
  node.Reopen();
  REQUIRE(node.backend->RemoveOrphans().ok());
  for (const auto& [key, bytes] : expected) {
    INFO("key " << key);
    CHECK(node.Get("b", key).value() == bytes);
  }
}

TEST_CASE("GC: a shard file whose command never committed is removed at startup", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("b", "alice").ok());
  REQUIRE(node.Put("b", "kept", "committed").ok());
  // A crash after the shard became durable but before its command committed.
  ec::DataId orphan{};
  orphan[0] = 0x42;
  absl::StatusOr<std::unique_ptr<PendingShard>> shard = node.shards->Create(orphan, 0);
  REQUIRE(shard.ok());
  REQUIRE((*shard)->Append(std::vector<uint8_t>(100, 1)).ok());
  REQUIRE((*shard)->Commit().ok());
  // And a crash mid-write.
  std::ofstream(node.dir.path() + "/shards/de/deadbeefdeadbeefdeadbeefdeadbeef.0.tmp") << "torn";
  CHECK(node.ShardFileCount() == 3);
  node.Reopen();
  absl::StatusOr<uint64_t> removed = node.backend->RemoveOrphans();
  REQUIRE(removed.ok());
  CHECK(*removed == 1);
  CHECK(node.ShardFileCount() == 1);  // the torn temporary file went too
  CHECK(node.Get("b", "kept").value() == "committed");
}

TEST_CASE("Keys are data: path-like keys never name files outside the data directory", "[node]") {
  // The data directory sits two levels down a private directory, so a key
  // that escaped upwards would land somewhere this test looks.
  testing::TempDir sandbox;
  const std::string data_dir = sandbox.path() + "/a/b/data";
  fs::create_directories(sandbox.path() + "/a/b");
  absl::StatusOr<std::unique_ptr<LocalNode>> node = LocalNode::Open({.data_dir = data_dir});
  REQUIRE(node.ok());
  s3::Backend& backend = (*node)->backend();
  REQUIRE(backend.CreateBucket("b", "alice").ok());
  const std::vector<std::string> keys = {"../../etc/passwd",
                                         "../outside",
                                         "/abs/path",
                                         "..",
                                         ".",
                                         "a/../../b",
                                         std::string("nul\0byte", 8),
                                         "\x01\x1f ctl",
                                         "tmp/../shards/00",
                                         "../../../../a"};
  for (const std::string& key : keys) {
    INFO("key " << key);
    const s3::PutObjectRequest request{.bucket = "b", .key = key};
    testing::TestPayload payload("data of " + key);
    REQUIRE(backend.PutObject(request, payload).ok());
  }
  for (const std::string& key : keys) {
    INFO("key " << key);
    absl::StatusOr<std::unique_ptr<s3::ObjectReader>> reader =
        backend.OpenObject("b", key, std::nullopt);
    REQUIRE(reader.ok());
    CHECK(TestNode::ReadRange(**reader, 0, (*reader)->info().size).value() == "data of " + key);
  }
  CHECK(backend.ScanObjects({.bucket = "b"}).value().size() == keys.size());
  // Every file is where the layout says: nothing beside or above the data directory.
  for (const auto& entry : fs::recursive_directory_iterator(sandbox.path())) {
    const std::string relative = fs::relative(entry.path(), sandbox.path()).string();
    INFO("found " << relative);
    const bool layout = relative == "a" || relative == "a/b" || relative == "a/b/data" ||
                        relative == "a/b/data/LOCK" || relative == "a/b/data/FORMAT" ||
                        relative == "a/b/data/keyring" ||
                        relative.rfind("a/b/data/meta", 0) == 0 ||
                        relative.rfind("a/b/data/shards", 0) == 0 || relative == "a/b/data/tmp";
    CHECK(layout);
  }
}

}  // namespace
}  // namespace hamster::node
