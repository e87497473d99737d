// Object lock (invariant 4) through LocalBackend with a clock the test moves:
// COMPLIANCE, GOVERNANCE and legal hold against every removal path, retention
// changes, default retention, and garbage collection and orphan removal
// next to locked data. Also the state machine refusing on its own, below
// any S3 check.
#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "src/keys.h"
#include "src/pending_state.h"
#include "src/records.h"
#include "src/state_machine.h"
#include "tests/test_util.h"

namespace hamster::node {
namespace {

using s3::ErrorCode;
using s3::LegalHold;
using s3::RetentionMode;
using testing::HasCode;
using testing::TestNode;
using testing::TestPayload;

constexpr absl::Duration kDay = absl::Hours(24);

// A node with bucket "b" created with object lock.
struct LockedNode : TestNode {
  LockedNode() {
    REQUIRE(
        backend->CreateBucket({.bucket = "b", .owner = "alice", .object_lock_enabled = true}).ok());
  }

  absl::StatusOr<s3::ObjectInfo> PutLocked(const std::string& key, const std::string& bytes,
                                           s3::ObjectRetention retention,
                                           LegalHold legal_hold = LegalHold::kUnset) {
    s3::PutObjectRequest request{.bucket = "b", .key = key, .owner = "alice"};
    request.size = bytes.size();
    request.retention = retention;
    request.legal_hold = legal_hold;
    TestPayload payload(bytes);
    return backend->PutObject(request, payload);
  }

  absl::Status DeleteVersion(const std::string& key, const std::string& version_id,
                             bool bypass = false) {
    return backend
        ->DeleteObject({.bucket = "b",
                        .key = key,
                        .version_id = version_id,
                        .bypass_governance_retention = bypass})
        .status();
  }

  absl::Status SetRetention(const std::string& key, const std::string& version_id,
                            s3::ObjectRetention retention, bool bypass = false) {
    return backend->PutObjectRetention({.bucket = "b",
                                        .key = key,
                                        .version_id = version_id,
                                        .retention = retention,
                                        .bypass_governance_retention = bypass});
  }

  absl::StatusOr<std::string> Read(const std::string& key, const std::string& version_id) {
    absl::StatusOr<std::unique_ptr<s3::ObjectReader>> reader =
        backend->OpenObject("b", key, version_id);
    if (!reader.ok()) return reader.status();
    return ReadRange(**reader, 0, (*reader)->info().size);
  }

  absl::Time Now() { return clock.Now(); }
};

s3::ObjectRetention Retain(RetentionMode mode, absl::Time until) {
  return {.mode = mode, .retain_until = absl::FromUnixSeconds(absl::ToUnixSeconds(until))};
}

TEST_CASE("LocalBackend: COMPLIANCE refuses every removal until retain-until passes", "[node]") {
  LockedNode node;
  const absl::Time until = node.Now() + kDay;
  absl::StatusOr<s3::ObjectInfo> put =
      node.PutLocked("k", "worm", Retain(RetentionMode::kCompliance, until));
  REQUIRE(put.ok());
  const std::string version = put->version_id;
  CHECK(HasCode(node.DeleteVersion("k", version), ErrorCode::kAccessDenied));
  CHECK(HasCode(node.DeleteVersion("k", version, /*bypass=*/true), ErrorCode::kAccessDenied));
  CHECK(HasCode(node.SetRetention("k", version, {}, true), ErrorCode::kAccessDenied));
  CHECK(HasCode(node.SetRetention("k", version,
                                  Retain(RetentionMode::kCompliance, until - absl::Hours(1)), true),
                ErrorCode::kAccessDenied));
  CHECK(HasCode(
      node.SetRetention("k", version, Retain(RetentionMode::kGovernance, until + kDay), true),
      ErrorCode::kAccessDenied));
  CHECK(HasCode(node.backend->PutBucketVersioning("b", s3::VersioningState::kSuspended),
                ErrorCode::kInvalidBucketState));
  // Writes and deletes without a version id stack on top of it.
  REQUIRE(node.Put("b", "k", "over").ok());
  REQUIRE(node.backend->DeleteObject("b", "k", std::nullopt).ok());
  CHECK(node.Read("k", version).value() == "worm");
  // Extending is allowed.
  REQUIRE(node.SetRetention("k", version, Retain(RetentionMode::kCompliance, until + kDay)).ok());
  node.clock.Advance(kDay + absl::Hours(1));
  CHECK(HasCode(node.DeleteVersion("k", version), ErrorCode::kAccessDenied));
  node.clock.Advance(kDay);
  REQUIRE(node.DeleteVersion("k", version).ok());
  CHECK(HasCode(node.backend->StatObject("b", "k", version).status(), ErrorCode::kNoSuchVersion));
}

TEST_CASE("LocalBackend: GOVERNANCE yields only to the bypass", "[node]") {
  LockedNode node;
  const absl::Time until = node.Now() + kDay;
  absl::StatusOr<s3::ObjectInfo> put =
      node.PutLocked("k", "gov", Retain(RetentionMode::kGovernance, until));
  REQUIRE(put.ok());
  const std::string version = put->version_id;
  CHECK(HasCode(node.DeleteVersion("k", version), ErrorCode::kAccessDenied));
  CHECK(HasCode(node.SetRetention("k", version, {}), ErrorCode::kAccessDenied));
  CHECK(HasCode(
      node.SetRetention("k", version, Retain(RetentionMode::kGovernance, until - absl::Hours(1))),
      ErrorCode::kAccessDenied));
  REQUIRE(node.SetRetention("k", version,
                            Retain(RetentionMode::kGovernance, until - absl::Hours(1)), true)
              .ok());
  CHECK(node.backend->StatObject("b", "k", version)->retention.retain_until ==
        Retain(RetentionMode::kGovernance, until - absl::Hours(1)).retain_until);
  REQUIRE(node.DeleteVersion("k", version, /*bypass=*/true).ok());
}

TEST_CASE("LocalBackend: a legal hold blocks deletion until it is removed", "[node]") {
  LockedNode node;
  absl::StatusOr<s3::ObjectInfo> put = node.PutLocked("k", "held", {}, LegalHold::kOn);
  REQUIRE(put.ok());
  const std::string version = put->version_id;
  CHECK(node.backend->StatObject("b", "k", version)->legal_hold == LegalHold::kOn);
  node.clock.Advance(1000 * kDay);
  CHECK(HasCode(node.DeleteVersion("k", version, true), ErrorCode::kAccessDenied));
  REQUIRE(node.backend->PutObjectLegalHold("b", "k", version, LegalHold::kOff).ok());
  REQUIRE(node.DeleteVersion("k", version).ok());
}

TEST_CASE("LocalBackend: default retention counts days or calendar years from the write",
          "[node]") {
  LockedNode node;
  REQUIRE(node.backend
              ->PutObjectLockConfiguration(
                  "b", {.enabled = true,
                        .default_retention =
                            s3::DefaultRetention{.mode = RetentionMode::kGovernance, .days = 3}})
              .ok());
  absl::StatusOr<s3::ObjectInfo> put = node.Put("b", "days", "x");
  REQUIRE(put.ok());
  CHECK(put->retention.mode == RetentionMode::kGovernance);
  CHECK(put->retention.retain_until == put->last_modified + 3 * kDay);
  REQUIRE(node.backend
              ->PutObjectLockConfiguration(
                  "b", {.enabled = true,
                        .default_retention =
                            s3::DefaultRetention{.mode = RetentionMode::kCompliance, .years = 1}})
              .ok());
  put = node.Put("b", "years", "x");
  REQUIRE(put.ok());
  CHECK(put->retention.mode == RetentionMode::kCompliance);
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond written = absl::ToCivilSecond(put->last_modified, utc);
  const absl::CivilSecond until = absl::ToCivilSecond(put->retention.retain_until, utc);
  CHECK(until == absl::CivilSecond(written.year() + 1, written.month(), written.day(),
                                   written.hour(), written.minute(), written.second()));
  // Removing the rule leaves existing versions as they are.
  REQUIRE(node.backend->PutObjectLockConfiguration("b", {.enabled = true}).ok());
  CHECK(HasCode(node.DeleteVersion("years", put->version_id, true), ErrorCode::kAccessDenied));
  CHECK(node.Put("b", "none", "x")->retention.mode == RetentionMode::kNone);
}

TEST_CASE("LocalBackend: object lock needs a lock-enabled bucket and a future date", "[node]") {
  TestNode node;
  REQUIRE(node.backend->CreateBucket("plain", "alice").ok());
  s3::PutObjectRequest request{.bucket = "plain", .key = "k", .owner = "alice"};
  request.size = 1;
  request.retention = Retain(RetentionMode::kGovernance, node.clock.Now() + kDay);
  TestPayload payload("x");
  CHECK(HasCode(node.backend->PutObject(request, payload).status(), ErrorCode::kInvalidRequest));
  CHECK(HasCode(node.backend->PutObjectLegalHold("plain", "k", std::nullopt, LegalHold::kOn),
                ErrorCode::kInvalidRequest));
  CHECK(HasCode(node.backend->PutObjectLockConfiguration("plain", {.enabled = true}),
                ErrorCode::kInvalidBucketState));
  REQUIRE(node.backend->PutBucketVersioning("plain", s3::VersioningState::kEnabled).ok());
  REQUIRE(node.backend->PutObjectLockConfiguration("plain", {.enabled = true}).ok());
  CHECK(node.backend->GetBucket("plain")->object_lock.enabled);
  CHECK(HasCode(node.backend->PutBucketVersioning("plain", s3::VersioningState::kSuspended),
                ErrorCode::kInvalidBucketState));
  request.retention = Retain(RetentionMode::kGovernance, node.clock.Now() - absl::Seconds(5));
  TestPayload again("x");
  CHECK(HasCode(node.backend->PutObject(request, again).status(), ErrorCode::kInvalidArgument));
  // Refused writes leave nothing behind once collected.
  REQUIRE(node.backend->CollectGarbage().ok());
  CHECK(node.ShardFileCount() == 0);
}

TEST_CASE("LocalBackend: garbage collection and orphan removal keep locked data", "[node]") {
  LockedNode node;
  absl::StatusOr<s3::ObjectInfo> put =
      node.PutLocked("k", "keep me", Retain(RetentionMode::kCompliance, node.Now() + kDay));
  REQUIRE(put.ok());
  // Even a wrong garbage queue entry for its data (a bug elsewhere) cannot
  // make the collector delete it.
  bool queued = false;
  absl::StatusOr<std::vector<KeyValuePair>> references = node.meta->Scan("R", "S", 10);
  REQUIRE(references.ok());
  for (const auto& [key, value] : *references) {
    WriteBatch wrong;
    wrong.Put(absl::StrCat("G", key.substr(1)), "");
    REQUIRE(node.meta->Write(wrong, true).ok());
    queued = true;
  }
  REQUIRE(queued);
  absl::StatusOr<GarbageStats> collected = node.backend->CollectGarbage();
  REQUIRE(collected.ok());
  CHECK(collected->data_removed == 0);
  CHECK(collected->data_kept == 1);
  CHECK(node.backend->RemoveOrphans().value() == 0);
  node.Reopen();
  CHECK(node.Read("k", put->version_id).value() == "keep me");
}

// The state machine refuses by itself: a bucket record that could never be
// reached through S3 (suspended versioning with object lock) still cannot
// lose a locked null version to a write or an unversioned delete.
TEST_CASE("StateMachine: a locked null version is never replaced", "[node]") {
  std::unique_ptr<MetaStore> store = NewMemoryMetaStore();
  meta::BucketRecord bucket;
  bucket.set_name("b");
  bucket.set_object_lock_enabled(true);
  bucket.set_versioning(meta::VERSIONING_SUSPENDED);
  meta::ObjectVersionRecord locked;
  locked.set_bucket("b");
  locked.set_key("k");
  locked.set_version_id(kNullVersionId);
  locked.set_retention_mode(meta::RETENTION_COMPLIANCE);
  locked.set_retain_until_unix_nanos(1000);
  WriteBatch initial;
  initial.Put(keys::BucketKey("b"), bucket.SerializeAsString());
  initial.Put(keys::ObjectKey("b", "k"), locked.SerializeAsString());
  REQUIRE(store->Write(initial, true).ok());

  LogIndex applied = 0;
  meta::Command put;
  meta::ObjectVersionRecord* version = put.mutable_put_object_version()->mutable_version();
  ec::DataId data_id{};
  data_id[0] = 42;
  version->add_segments()->set_data_id(DataIdBytes(data_id));
  version->set_bucket("b");
  version->set_key("k");
  version->set_version_id(NewVersionId(absl::FromUnixNanos(500), 7));
  version->set_last_modified_unix_nanos(500);
  meta::Command marker;
  marker.mutable_delete_object()->set_bucket("b");
  marker.mutable_delete_object()->set_key("k");
  marker.mutable_delete_object()->set_now_unix_nanos(500);
  for (const meta::Command* command : {&put, &marker}) {
    PendingState state(store.get());
    absl::StatusOr<ApplyResult> result = StateMachine::Apply(*command, applied + 1, applied, state);
    REQUIRE(result.ok());
    CHECK(s3::ErrorCodeOf(result->outcome) == ErrorCode::kAccessDenied);
    REQUIRE(store->Write(state.TakeBatch(), true).ok());
  }
  CHECK(store->Get(keys::ObjectKey("b", "k")).value() == locked.SerializeAsString());
  // Refused means unchanged: the new data is garbage, not referenced.
  CHECK(!store->Get(keys::ReferenceKey(data_id)).value().has_value());
  CHECK(store->Get(keys::GarbageKey(data_id)).value().has_value());
  // Once the proposer's clock passes retain-until, the write replaces it.
  version->set_last_modified_unix_nanos(1000);
  PendingState state(store.get());
  absl::StatusOr<ApplyResult> result = StateMachine::Apply(put, applied + 1, applied, state);
  REQUIRE(result.ok());
  CHECK(result->outcome.ok());
}

}  // namespace
}  // namespace hamster::node
