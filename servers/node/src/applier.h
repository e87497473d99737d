// Applier holds what applying one command needs: the pending state, the
// result being built, and the reads and reference-count updates shared by the
// command handlers (state_machine*.cc). Handlers check every condition before
// writing anything, so a command that fails leaves the state as it was.
//
// Handlers return OK, an S3 error (s3::Error: the command's deterministic
// outcome) or another status (the state could not be read: the batch is
// abandoned).
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
  Applier(PendingState& state, ApplyResult& result) : state_(state), result_(result) {}

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

  // Queues fresh, never referenced data (of a failed command) for collection.
  absl::Status DiscardFreshData(const meta::Command& command);

 private:
  // kNoSuchBucket if absent.
  absl::StatusOr<meta::BucketRecord> GetBucket(const std::string& bucket);
  // The current version of a key, nullopt if there is none.
  absl::StatusOr<std::optional<meta::ObjectVersionRecord>> GetObject(const std::string& bucket,
                                                                     const std::string& key);
  // The current version if its id matches `version_id` (empty: any):
  // kNoSuchKey if there is no current version, kNoSuchVersion on a mismatch.
  absl::StatusOr<meta::ObjectVersionRecord> GetObjectVersion(const std::string& bucket,
                                                             const std::string& key,
                                                             const std::string& version_id);
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
  // Makes `version` the current version of its key, releasing the replaced one.
  absl::Status ReplaceCurrent(const meta::ObjectVersionRecord& version,
                              const std::optional<meta::ObjectVersionRecord>& current);

  absl::Status Reference(const meta::Segment& segment);
  absl::Status Release(const meta::Segment& segment);
  absl::Status ReferenceAll(const meta::ObjectVersionRecord& version);
  absl::Status ReleaseAll(const meta::ObjectVersionRecord& version);
  absl::Status QueueGarbage(const meta::Segment& segment);

  PendingState& state_;
  ApplyResult& result_;
};

}  // namespace hamster::node

#endif  // HAMSTER_NODE_SRC_APPLIER_H_
