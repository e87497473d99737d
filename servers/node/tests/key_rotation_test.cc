// Master key rotation through LocalBackend: StartKeyRotation, RewrapBatch
// passes, progress from the metadata, retirement rules, and a rotation whose
// record a crash lost.
#include "hamster/crypto/keyring.h"
#include "hamster/node/master_keys.h"
#include "src/encrypted_records.h"
#include "test_util.h"

namespace hamster::node::testing {
namespace {

crypto::Key KeyOf(uint8_t fill) {
  crypto::Key key;
  key.fill(fill);
  return key;
}

struct RotatingNode {
  RotatingNode() : keys(crypto::Keyring::WithFirstKey(KeyOf(7), 1), nullptr), node(3, Options()) {
    REQUIRE(node.backend->CreateBucket("b", "owner").ok());
  }
  LocalBackendOptions Options() {
    LocalBackendOptions options;
    options.master_keys = &keys;
    options.min_part_size_bytes = 1;
    return options;
  }
  void Put(const std::string& key, const std::string& bytes, s3::EncryptionMode mode) {
    s3::PutObjectRequest request{.bucket = "b", .key = key, .owner = "owner"};
    request.size = bytes.size();
    request.encryption.mode = mode;
    TestPayload payload(bytes);
    REQUIRE(node.backend->PutObject(request, payload).ok());
    objects[key] = bytes;
  }
  // Runs passes of `batch` until one finds nothing; returns the batches run.
  int RewrapAll(size_t batch) {
    std::string cursor;
    int batches = 0;
    bool found = false;
    for (;;) {
      absl::StatusOr<RewrapBatchResult> result = node.backend->RewrapBatch(batch, &cursor);
      REQUIRE(result.ok());
      ++batches;
      CHECK(result->found <= batch);
      found = found || result->found > 0;
      if (!result->pass_done) continue;
      if (!found) return batches;
      found = false;
    }
  }
  void CheckObjects() {
    for (const auto& [key, bytes] : objects) {
      INFO(key);
      CHECK(node.Get("b", key).value() == bytes);
    }
  }
  std::map<std::string, uint64_t> References() {
    absl::StatusOr<KeyStatus> status = node.backend->GetKeyStatus();
    REQUIRE(status.ok());
    std::map<std::string, uint64_t> references;
    for (const MasterKeyStatus& key : status->keys) references[key.id] = key.references;
    return references;
  }

  // Flips the last byte (inside the GCM tag) of the wrapped data key of `key`'s
  // record, as a damaged disk or a bad restore would.
  void DamageWrappedKey(const std::string& key) {
    MetaStore* meta = node.meta.get();
    std::optional<EncryptedRecord> found;
    REQUIRE(ForEachWrappedKey(
                [meta](std::string_view start, std::string_view end, size_t limit) {
                  return meta->Scan(start, end, limit);
                },
                [&](const EncryptedRecord& record) {
                  if (record.key == key) found = record;
                  return !found.has_value();
                })
                .ok());
    REQUIRE(found.has_value());
    absl::StatusOr<std::optional<std::string>> stored = meta->Get(found->store_key);
    REQUIRE(stored.ok());
    REQUIRE(stored->has_value());
    std::string bytes = **stored;
    const std::string& wrapped = found->encryption.wrapped_data_key();
    const size_t at = bytes.find(wrapped);
    REQUIRE(at != std::string::npos);
    bytes[at + wrapped.size() - 1] ^= 0x01;
    WriteBatch batch;
    batch.Put(found->store_key, bytes);
    REQUIRE(meta->Write(batch, /*sync=*/true).ok());
  }

  MasterKeys keys;
  TestNode node;
  std::map<std::string, std::string> objects;
};

TEST_CASE("KeyRotation: batches re-wrap every SSE-S3 data key, objects read back", "[node]") {
  RotatingNode node;
  for (int i = 0; i < 20; ++i) {
    node.Put("s3-" + std::to_string(i), std::string(100 + i, char('a' + i)),
             s3::EncryptionMode::kS3);
  }
  node.Put("plain", "in the clear", s3::EncryptionMode::kNone);
  CHECK(node.References() == std::map<std::string, uint64_t>{{"key-1", 20}});

  absl::StatusOr<std::string> id = node.node.backend->StartKeyRotation();
  REQUIRE(id.ok());
  CHECK(*id == "key-2");
  absl::StatusOr<KeyStatus> started = node.node.backend->GetKeyStatus();
  REQUIRE(started.ok());
  CHECK(started->active_key_id == "key-2");
  CHECK(started->rotation.started);
  CHECK(started->rotation.target_key_id == "key-2");
  CHECK(started->rotation.total == 20);
  CHECK(started->rotation.remaining == 20);
  CHECK(started->rotation.done() == 0);
  node.CheckObjects();  // readable before any re-wrap: key-1 is still in the keyring

  std::string cursor;
  absl::StatusOr<RewrapBatchResult> first = node.node.backend->RewrapBatch(6, &cursor);
  REQUIRE(first.ok());
  CHECK(first->found == 6);
  CHECK_FALSE(first->pass_done);
  CHECK(node.node.backend->GetKeyStatus()->rotation.done() == 6);
  node.CheckObjects();  // half re-wrapped: both keys serve reads

  CHECK(node.RewrapAll(6) > 1);
  absl::StatusOr<KeyStatus> finished = node.node.backend->GetKeyStatus();
  REQUIRE(finished.ok());
  CHECK(finished->rotation.finished());
  CHECK(finished->rotation.done() == 20);
  CHECK(node.References() == std::map<std::string, uint64_t>{{"key-1", 0}, {"key-2", 20}});
  node.CheckObjects();
  // New writes are under the active key and do not count as rotation work.
  node.Put("after", "new", s3::EncryptionMode::kS3);
  CHECK(node.node.backend->GetKeyStatus()->rotation.total == 20);
  CHECK(node.References()["key-2"] == 21);
}

TEST_CASE("KeyRotation: retirement refuses active, referenced and unknown keys", "[node]") {
  RotatingNode node;
  node.Put("k", "secret", s3::EncryptionMode::kS3);
  absl::Status active = node.node.backend->RetireMasterKey("key-1");
  CHECK(active.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(active.message()).find("active key") != std::string::npos);
  REQUIRE(node.node.backend->StartKeyRotation().ok());
  absl::Status referenced = node.node.backend->RetireMasterKey("key-1");
  CHECK(referenced.code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(referenced.message()).find("still wraps 1 data keys") != std::string::npos);
  CHECK(node.node.backend->RetireMasterKey("key-9").code() == absl::StatusCode::kNotFound);
  CHECK(node.keys.Find("key-1").has_value());  // nothing changed by the refusals

  node.RewrapAll(10);
  REQUIRE(node.node.backend->RetireMasterKey("key-1").ok());
  CHECK_FALSE(node.keys.Find("key-1").has_value());
  CHECK(node.node.backend->RetireMasterKey("key-1").code() == absl::StatusCode::kNotFound);
  node.CheckObjects();
  CHECK(node.References() == std::map<std::string, uint64_t>{{"key-2", 1}});
}

TEST_CASE("KeyRotation: a rotation whose record a crash lost is recorded by the next pass",
          "[node]") {
  RotatingNode node;
  for (int i = 0; i < 5; ++i) node.Put("k" + std::to_string(i), "x", s3::EncryptionMode::kS3);
  // The keyring gained the key, but the crash came before the rotation record.
  REQUIRE(node.keys.AddActive(KeyOf(9), 2).ok());
  CHECK_FALSE(node.node.backend->GetKeyStatus()->rotation.started);
  CHECK(node.node.backend->GetKeyStatus()->rotation.remaining == 5);

  std::string cursor;
  REQUIRE(node.node.backend->RewrapBatch(2, &cursor).ok());
  absl::StatusOr<KeyStatus> status = node.node.backend->GetKeyStatus();
  REQUIRE(status.ok());
  CHECK(status->rotation.started);
  CHECK(status->rotation.target_key_id == "key-2");
  CHECK(status->rotation.total == 5);
  CHECK(status->rotation.remaining == 3);
  node.RewrapAll(2);
  CHECK(node.References() == std::map<std::string, uint64_t>{{"key-1", 0}, {"key-2", 5}});
  // Reopened (as after a restart), progress is what the metadata says.
  node.node.Reopen();
  CHECK(node.node.backend->GetKeyStatus()->rotation.done() == 5);
  node.CheckObjects();
}

TEST_CASE("KeyRotation: multipart uploads and noncurrent versions are re-wrapped", "[node]") {
  RotatingNode node;
  REQUIRE(node.node.backend->PutBucketVersioning("b", s3::VersioningState::kEnabled).ok());
  node.Put("v", "first", s3::EncryptionMode::kS3);
  node.Put("v", "second", s3::EncryptionMode::kS3);
  s3::PutObjectRequest upload{.bucket = "b", .key = "mp", .owner = "owner"};
  upload.encryption.mode = s3::EncryptionMode::kS3;
  absl::StatusOr<std::string> upload_id = node.node.backend->CreateMultipartUpload(upload);
  REQUIRE(upload_id.ok());
  const std::string part = "part one bytes";
  TestPayload payload(part);
  absl::StatusOr<s3::PartInfo> uploaded =
      node.node.backend->UploadPart("b", "mp", *upload_id, 1, part.size(), payload, std::nullopt);
  REQUIRE(uploaded.ok());
  CHECK(node.References() == std::map<std::string, uint64_t>{{"key-1", 3}});

  REQUIRE(node.node.backend->StartKeyRotation().ok());
  node.RewrapAll(1);
  CHECK(node.References() == std::map<std::string, uint64_t>{{"key-1", 0}, {"key-2", 3}});
  absl::StatusOr<s3::ObjectInfo> completed = node.node.backend->CompleteMultipartUpload(
      "b", "mp", *upload_id, {{.part_number = 1, .etag = uploaded->etag}}, {});
  REQUIRE(completed.ok());
  node.objects["mp"] = part;
  node.CheckObjects();  // "v" is the current "second"
  absl::StatusOr<std::vector<s3::ObjectInfo>> versions =
      node.node.backend->ScanObjectVersions({.bucket = "b", .prefix = "v"});
  REQUIRE(versions.ok());
  REQUIRE(versions->size() == 2);
  absl::StatusOr<std::unique_ptr<s3::ObjectReader>> old =
      node.node.backend->OpenObject("b", "v", versions->back().version_id);
  REQUIRE(old.ok());
  CHECK(TestNode::ReadRange(**old, 0, 5).value() == "first");
  REQUIRE(node.node.backend->RetireMasterKey("key-1").ok());
}


TEST_CASE("KeyRotation: a damaged data key is skipped and reported, the others are re-wrapped",
          "[node]") {
  RotatingNode node;
  for (int i = 0; i < 6; ++i) node.Put("k" + std::to_string(i), "x", s3::EncryptionMode::kS3);
  node.DamageWrappedKey("k3");
  node.objects.erase("k3");
  REQUIRE(node.node.backend->StartKeyRotation().ok());
  CHECK(node.node.backend->GetKeyStatus()->rotation.unreadable == 0);  // no pass yet

  node.RewrapAll(4);
  CHECK(node.References() == std::map<std::string, uint64_t>{{"key-1", 1}, {"key-2", 5}});
  absl::StatusOr<KeyStatus> status = node.node.backend->GetKeyStatus();
  REQUIRE(status.ok());
  CHECK(status->rotation.remaining == 1);
  CHECK(status->rotation.unreadable == 1);
  CHECK_THAT(status->rotation.unreadable_error, Catch::Contains("b/k3") &&
                                                    Catch::Contains("master key key-1"));
  node.CheckObjects();
  // The key it is under cannot be retired while the damaged record names it.
  CHECK(node.node.backend->RetireMasterKey("key-1").code() ==
        absl::StatusCode::kFailedPrecondition);

  // Once the record is gone, the next pass reports nothing.
  REQUIRE(node.node.backend->DeleteObject("b", "k3", std::nullopt).ok());
  node.RewrapAll(4);
  status = node.node.backend->GetKeyStatus();
  REQUIRE(status.ok());
  CHECK(status->rotation.unreadable == 0);
  CHECK(status->rotation.unreadable_error.empty());
  CHECK(node.node.backend->RetireMasterKey("key-1").ok());
}

}  // namespace
}  // namespace hamster::node::testing
