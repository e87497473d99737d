// LocalBackend: object writes. Each builds a command with every time and id
// chosen here, and the state machine decides its outcome at commit.
#include "absl/strings/str_cat.h"
#include "hamster/node/local_backend.h"
#include "hamster/s3/errors.h"
#include "src/backend_state.h"
#include "src/data_writer.h"
#include "src/encryption.h"
#include "src/records.h"

namespace hamster::node {
namespace {

// The state machine keeps `version_id` only if the bucket's versioning is
// enabled when the command applies; otherwise the version is "null".
void InitVersion(const std::string& bucket, const std::string& key, const std::string& owner,
                 absl::Time now, const std::string& version_id,
                 meta::ObjectVersionRecord* version) {
  version->set_format_version(meta::FORMAT_VERSION_1);
  version->set_bucket(bucket);
  version->set_key(key);
  version->set_version_id(version_id);
  version->set_owner(owner);
  version->set_last_modified_unix_nanos(UnixNanosOf(now));
}

void SetLock(const s3::ObjectRetention& retention, s3::LegalHold legal_hold,
             meta::ObjectVersionRecord* version) {
  version->set_retention_mode(ToRecord(retention.mode));
  if (retention.mode != s3::RetentionMode::kNone) {
    version->set_retain_until_unix_nanos(UnixNanosOf(retention.retain_until));
  }
  version->set_legal_hold(ToRecord(legal_hold));
}

}  // namespace

absl::StatusOr<s3::ObjectInfo> LocalBackend::PutObject(const s3::PutObjectRequest& request,
                                                       s3::PayloadReader& body) {
  // Fail early, before reading the body, when the bucket is missing; the
  // commit checks again.
  absl::StatusOr<meta::BucketRecord> bucket = state_->ReadBucket(request.bucket);
  if (!bucket.ok()) return bucket.status();
  // Encryption at rest: the request's, else the bucket default.
  absl::StatusOr<std::optional<DataKey>> data_key =
      NewDataKey(request.encryption, *bucket, state_->options.encryption_chunk_bytes,
                 state_->options.master_keys, *state_->env.random);
  if (!data_key.ok()) return data_key.status();
  std::optional<SegmentSealing> sealing;
  if (data_key->has_value()) {
    sealing = SegmentSealing{.data_key = (*data_key)->key,
                             .chunk_bytes = (*data_key)->info.chunk_size_bytes()};
  }
  const ec::DataId data_id = state_->NewDataId();
  absl::StatusOr<WrittenData> written = WritePayload(
      *state_->env.shards, data_id, state_->options.block_size_bytes, body, request.size, sealing);
  if (!written.ok()) return written.status();

  meta::Command command;
  meta::PutObjectVersion* put = command.mutable_put_object_version();
  meta::ObjectVersionRecord* version = put->mutable_version();
  const absl::Time now = state_->env.clock->Now();
  InitVersion(request.bucket, request.key, request.owner, now, state_->NewVersionId(now), version);
  SetLock(request.retention, request.legal_hold, version);
  version->set_size(written->size);
  version->set_etag(written->md5_hex);
  if (data_key->has_value()) {
    *version->mutable_encryption() = (*data_key)->info;
    if ((*data_key)->info.algorithm() == meta::ENCRYPTION_SSE_C) {
      version->set_etag(CustomerEtag((*data_key)->key, written->md5_hex));
    }
  }
  s3::ObjectMetadata metadata = request.metadata;
  for (const auto& [algorithm, value] : body.verified_checksums()) {
    metadata.checksums[algorithm] = value;
  }
  ToRecord(metadata, version->mutable_metadata());
  ToRecord(request.tags, version->mutable_tags());
  if (written->segment) *version->add_segments() = *written->segment;
  ToRecord(request.conditions, put->mutable_conditions());
  absl::StatusOr<ApplyResult> result = state_->Commit(command);
  if (!result.ok()) {
    // A failed command queued the data for collection; a failed write left
    // it unreferenced, so it goes now (or at the next start's orphan scan).
    if (written->segment && !s3::ErrorCodeOf(result.status()).has_value()) {
      state_->env.shards->Remove(data_id, 0).IgnoreError();
    }
    return result.status();
  }
  return ToObjectInfo(result->version);
}

absl::StatusOr<s3::DeleteObjectResult> LocalBackend::DeleteObject(
    const s3::DeleteObjectRequest& request) {
  if (request.version_id.has_value() && !IsWellFormedVersionId(*request.version_id)) {
    return s3::Error(s3::ErrorCode::kInvalidArgument, "Invalid version id specified");
  }
  const absl::Time now = state_->env.clock->Now();
  meta::Command command;
  meta::DeleteObject* del = command.mutable_delete_object();
  del->set_bucket(request.bucket);
  del->set_key(request.key);
  del->set_version_id(request.version_id.value_or(""));
  del->set_marker_version_id(state_->NewVersionId(now));
  del->set_owner(request.owner);
  del->set_now_unix_nanos(UnixNanosOf(now));
  del->set_bypass_governance_retention(request.bypass_governance_retention);
  absl::StatusOr<ApplyResult> result = state_->Commit(command);
  if (!result.ok()) return result.status();
  s3::DeleteObjectResult deleted{.version_id = result->version.version_id(),
                                 .delete_marker = result->version.delete_marker()};
  // Deleting a version that does not exist reports the id asked for.
  if (deleted.version_id.empty() && request.version_id.has_value()) {
    deleted.version_id = *request.version_id;
  }
  return deleted;
}

absl::StatusOr<s3::ObjectInfo> LocalBackend::CopyObject(const s3::CopyObjectRequest& request) {
  // Encryption at rest: data is shared only between objects encrypted alike.
  // A source or bucket that cannot be read here goes to the state machine,
  // which decides the error a copy gets (no such version, a delete marker).
  absl::StatusOr<meta::ObjectVersionRecord> source =
      state_->ReadObject(request.source_bucket, request.source_key, request.source_version_id);
  absl::StatusOr<meta::BucketRecord> bucket = state_->ReadBucket(request.bucket);
  std::optional<meta::EncryptionInfo> wanted;
  if (source.ok() && bucket.ok()) {
    if (absl::Status s = CheckCustomerKey(source->encryption(), request.source_customer_key);
        !s.ok()) {
      return s;
    }
    absl::StatusOr<meta::EncryptionInfo> protection = WantedProtection(request.encryption, *bucket);
    if (!protection.ok()) return protection.status();
    wanted = *protection;
    const bool wanted_encrypted = wanted->algorithm() != meta::ENCRYPTION_NONE;
    if (!SameProtection(source->has_encryption() ? &source->encryption() : nullptr,
                        wanted_encrypted ? &*wanted : nullptr)) {
      return CopyByRewrite(request);
    }
  }
  meta::Command command;
  meta::CopyObject* copy = command.mutable_copy_object();
  copy->set_source_bucket(request.source_bucket);
  copy->set_source_key(request.source_key);
  copy->set_source_version_id(request.source_version_id.value_or(""));
  copy->set_source_etag(request.source_etag);
  meta::ObjectVersionRecord* version = copy->mutable_version();
  const absl::Time now = state_->env.clock->Now();
  InitVersion(request.bucket, request.key, request.owner, now, state_->NewVersionId(now), version);
  SetLock(request.retention, request.legal_hold, version);
  copy->set_replace_metadata(request.metadata_directive == s3::MetadataDirective::kReplace);
  if (copy->replace_metadata()) ToRecord(request.metadata, version->mutable_metadata());
  copy->set_replace_tags(request.tags.has_value());
  if (request.tags) ToRecord(*request.tags, version->mutable_tags());
  ToRecord(request.conditions, copy->mutable_conditions());
  // The state machine copies the source's encryption info if the source is
  // still protected like this (else the copy fails as a changed source).
  if (wanted.has_value() && wanted->algorithm() != meta::ENCRYPTION_NONE) {
    *version->mutable_encryption() = *wanted;
  }
  absl::StatusOr<ApplyResult> result = state_->Commit(command);
  if (!result.ok()) return result.status();
  return ToObjectInfo(result->version);
}

absl::Status LocalBackend::PutObjectTags(const std::string& bucket, const std::string& key,
                                         const std::optional<std::string>& version_id,
                                         const s3::Tags& tags) {
  meta::Command command;
  meta::PutObjectTags* put = command.mutable_put_object_tags();
  put->set_bucket(bucket);
  put->set_key(key);
  put->set_version_id(version_id.value_or(""));
  ToRecord(tags, put->mutable_tags());
  return state_->Commit(command).status();
}

}  // namespace hamster::node
