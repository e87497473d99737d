// Applier holds what applying one command needs: the pending state, the
// result being built, and the reads and reference-count updates shared by the
// command handlers (state_machine*.cc). Handlers check every condition before
// writing anything, so a command that fails leaves the state as it was.
//
// Handlers return OK, an S3 error (s3::Error: the command's deterministic
// outcome) or another status (the state could not be read: the batch is
// abandoned).
//
// Invariant 4 lives here: every path that removes an object version, or
// changes its retention, goes through RemoveVersion() or PutObjectRetention(),
// which refuse while object lock protects the version. Data of an existing
// version keeps a reference, so garbage collection cannot reach it either.
#ifndef HAMSTER_NODE_SRC_APPLIER_H_
#define HAMSTER_NODE_SRC_APPLIER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/proto/metadata.pb.h"
#include "src/pending_state.h"
#include "src/state_machine.h"

namespace hamster::node {

class Applier {
 public:
  // `index` is the log index being applied (the stamp of versions that
  // become noncurrent, keys.h).
  Applier(PendingState& state, ApplyResult& result, uint64_t index)
      : state_(state), result_(result), index_(index) {}

  absl::Status CreateBucket(const meta::CreateBucket& command);
  absl::Status DeleteBucket(const meta::DeleteBucket& command);
  absl::Status PutBucketTags(const meta::PutBucketTags& command);
  absl::Status DeleteBucketTags(const meta::DeleteBucketTags& command);
  absl::Status PutObjectVersion(const meta::PutObjectVersion& command);
  absl::Status CopyObject(const meta::CopyObject& command);
  absl::Status DeleteObject(const meta::DeleteObject& command);
  absl::Status PutObjectTags(const meta::PutObjectTags& command);
  absl::Status CreateUpload(const meta::CreateUpload& command);
  absl::Status PutPart(const meta::PutPart& command);
  absl::Status CompleteUpload(const meta::CompleteUpload& command);
  absl::Status AbortUpload(const meta::AbortUpload& command);
  // Versioning and object lock (state_machine_versions.cc).
  absl::Status PutBucketVersioning(const meta::PutBucketVersioning& command);
  absl::Status PutObjectLockConfiguration(const meta::PutObjectLockConfiguration& command);
  absl::Status PutObjectRetention(const meta::PutObjectRetention& command);
  absl::Status PutObjectLegalHold(const meta::PutObjectLegalHold& command);
  // Encryption at rest (state_machine_encryption.cc).
  absl::Status PutBucketEncryption(const meta::PutBucketEncryption& command);
  absl::Status RewrapDataKeys(const meta::RewrapDataKeys& command);
  absl::Status RetireMasterKey(const meta::RetireMasterKey& command);
  absl::Status StartKeyRotation(const meta::StartKeyRotation& command);

  // Queues fresh, never referenced data (of a failed command) for collection.
  absl::Status DiscardFreshData(const meta::Command& command);

 private:
  // kNoSuchBucket if absent.
  absl::StatusOr<meta::BucketRecord> GetBucket(const std::string& bucket);
  // The current version of a key, nullopt if there is none.
  absl::StatusOr<std::optional<meta::ObjectVersionRecord>> GetObject(const std::string& bucket,
                                                                     const std::string& key);
  // kNoSuchUpload unless (bucket, key, upload_id) names an upload.
  absl::StatusOr<meta::MultipartUploadRecord> GetUpload(const std::string& bucket,
                                                        const std::string& key,
                                                        const std::string& upload_id);
  // kPreconditionFailed (or kNoSuchKey for If-Match on a missing key) unless
  // `current` satisfies `conditions`.
  // The parts CompleteUpload lists, checked: kMalformedXML for none,
  // kInvalidPartOrder, kInvalidPart (not uploaded, ETag differs),
  // kEntityTooSmall (a part but the last under the minimum size).
  absl::StatusOr<std::vector<meta::PartRecord>> ListedParts(const meta::CompleteUpload& command);
  static absl::Status CheckConditions(const meta::WriteConditions& conditions,
                                      const std::optional<meta::ObjectVersionRecord>& current);
  // ---- Versions (state_machine_versions.cc) ----
  // A stored version: the current one ("O"), or a noncurrent one with its stamp.
  struct StoredVersion {
    meta::ObjectVersionRecord record;
    std::optional<uint64_t> stamp;
  };
  // The version `version_id` of a key wherever it is stored; nullopt if none.
  absl::StatusOr<std::optional<StoredVersion>> FindVersion(const std::string& bucket,
                                                           const std::string& key,
                                                           const std::string& version_id);
  // The noncurrent version `version_id` of a key; nullopt if none.
  absl::StatusOr<std::optional<StoredVersion>> FindNoncurrent(const std::string& bucket,
                                                              const std::string& key,
                                                              const std::string& version_id);
  // The version an object subresource addresses (empty id: the current
  // one): kNoSuchKey or kNoSuchVersion if absent, kMethodNotAllowed for a
  // delete marker named by id, kNoSuchKey for a current delete marker.
  absl::StatusOr<StoredVersion> GetLiveVersion(const std::string& bucket, const std::string& key,
                                               const std::string& version_id);
  // Writes `version` back where it is stored.
  void StoreInPlace(const StoredVersion& version);
  // Makes `version` the current version of its key. Its version id is kept
  // when `bucket` has versioning enabled, else it is "null" and replaces the
  // null version (refused if object lock protects it); a non-null current
  // version becomes noncurrent. REQUIRES: ApplyLockRequest() accepted it.
  absl::Status AddVersion(const meta::BucketRecord& bucket, meta::ObjectVersionRecord version,
                          const std::optional<meta::ObjectVersionRecord>& current);
  // Deletes a stored version and releases its data; the newest noncurrent
  // version becomes current when the current one goes. kAccessDenied while
  // object lock protects it (CheckRemovable).
  absl::Status RemoveVersion(const StoredVersion& version, int64_t now_unix_nanos,
                             bool bypass_governance);
  // kAccessDenied naming the lock if `version` may not be removed at `now`:
  // a legal hold, COMPLIANCE retention, or GOVERNANCE retention without bypass.
  static absl::Status CheckRemovable(const meta::ObjectVersionRecord& version,
                                     int64_t now_unix_nanos, bool bypass_governance);
  // Object lock requested for a new version: kInvalidRequest without object
  // lock on the bucket, kInvalidArgument for a retain-until not after the
  // time of the request; with none requested, the bucket's default
  // retention counted from the version's time.
  static absl::Status ApplyLockRequest(const meta::BucketRecord& bucket, int64_t request_unix_nanos,
                                       int64_t version_unix_nanos, meta::RetentionMode* mode,
                                       int64_t* retain_until_unix_nanos,
                                       meta::LegalHoldStatus legal_hold);
  static absl::Status ApplyLockRequest(const meta::BucketRecord& bucket, int64_t request_unix_nanos,
                                       meta::ObjectVersionRecord& version);

  absl::Status Reference(const meta::Segment& segment);
  absl::Status Release(const meta::Segment& segment);
  absl::Status ReferenceAll(const meta::ObjectVersionRecord& version);
  absl::Status ReleaseAll(const meta::ObjectVersionRecord& version);
  absl::Status QueueGarbage(const meta::Segment& segment);
  // Encryption at rest: kServiceUnavailable if `master_key_id` was retired.
  absl::Status CheckNotRetired(const std::string& master_key_id);

  PendingState& state_;
  ApplyResult& result_;
  uint64_t index_;
};

}  // namespace hamster::node

#endif  // HAMSTER_NODE_SRC_APPLIER_H_
