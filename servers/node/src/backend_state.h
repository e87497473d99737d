// LocalBackend's private state and the helpers its method files share
// (local_backend*.cc).
#ifndef HAMSTER_NODE_SRC_BACKEND_STATE_H_
#define HAMSTER_NODE_SRC_BACKEND_STATE_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "hamster/node/env.h"
#include "hamster/node/local_backend.h"
#include "hamster/proto/metadata.pb.h"
#include "src/committer.h"
#include "src/pin_table.h"

namespace hamster::node {

struct LocalBackend::State {
  Env env;
  LocalBackendOptions options;
  std::unique_ptr<Committer> committer;
  PinTable pins;
  // Serializes key rotation starts and retirements (local_backend_rotation.cc).
  std::mutex key_admin_mu;
  // Unreadable data keys met by the re-wrap pass in progress, and by the last
  // complete one (what GetKeyStatus reports).
  struct RewrapFailures {
    uint64_t count = 0;
    std::string first_error;
  };
  std::mutex rewrap_mu;
  RewrapFailures rewrap_pass_failures;  // guarded by rewrap_mu
  RewrapFailures rewrap_failures;       // guarded by rewrap_mu

  ec::DataId NewDataId();
  // Upload ids sort by initiation time, so a key's uploads list in the order
  // they were created: 16 hex digits of the time in nanoseconds, then 16
  // random hex digits.
  std::string NewUploadId(absl::Time initiated);
  // A fresh object version id (records.h NewVersionId).
  std::string NewVersionId(absl::Time now);

  // Commits `command`; returns its outcome as a status (OK or the S3 error)
  // with the result, or the error that kept it from committing.
  absl::StatusOr<ApplyResult> Commit(const meta::Command& command);

  // kNoSuchBucket if absent.
  absl::StatusOr<meta::BucketRecord> ReadBucket(const std::string& bucket);
  // The version of a key the S3 read calls address (nullopt: the current
  // one): kNoSuchKey, kNoSuchVersion, kNoSuchBucket, kInvalidArgument for a
  // malformed version id, and s3::DeleteMarkerError for a delete marker.
  absl::StatusOr<meta::ObjectVersionRecord> ReadObject(
      const std::string& bucket, const std::string& key,
      const std::optional<std::string>& version_id);
  // The record stored at `key`, nullopt if none.
  absl::StatusOr<std::optional<meta::ObjectVersionRecord>> ReadRecord(const std::string& key);
  // The noncurrent version `version_id` of a key, nullopt if none.
  absl::StatusOr<std::optional<meta::ObjectVersionRecord>> ReadNoncurrent(
      const std::string& bucket, const std::string& key, const std::string& version_id);
};

}  // namespace hamster::node

#endif  // HAMSTER_NODE_SRC_BACKEND_STATE_H_
