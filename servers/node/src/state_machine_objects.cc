// Object commands of the state machine: PUT, copy, delete, tags.
#include "absl/strings/str_cat.h"
#include "hamster/s3/errors.h"
#include "src/applier.h"
#include "src/encryption.h"
#include "src/keys.h"
#include "src/records.h"

namespace hamster::node {
namespace {

using s3::Error;
using s3::ErrorCode;

bool Exists(const std::optional<meta::ObjectVersionRecord>& version) {
  return version.has_value() && !version->delete_marker();
}

}  // namespace

absl::StatusOr<std::optional<meta::ObjectVersionRecord>> Applier::GetObject(
    const std::string& bucket, const std::string& key) {
  absl::StatusOr<std::optional<std::string>> stored = state_.Get(keys::ObjectKey(bucket, key));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::optional<meta::ObjectVersionRecord>();
  absl::StatusOr<meta::ObjectVersionRecord> record =
      ParseRecord<meta::ObjectVersionRecord>(**stored, "object record");
  if (!record.ok()) return record.status();
  return std::optional<meta::ObjectVersionRecord>(*std::move(record));
}

absl::Status Applier::CheckConditions(const meta::WriteConditions& conditions,
                                      const std::optional<meta::ObjectVersionRecord>& current) {
  if (conditions.if_none_match_any() && Exists(current)) {
    return Error(ErrorCode::kPreconditionFailed, "If-None-Match: the key exists");
  }
  if (conditions.has_if_match()) {
    // As S3: If-Match on a key that does not exist is 404, not 412.
    if (!Exists(current)) return Error(ErrorCode::kNoSuchKey, "If-Match: the key does not exist");
    if (conditions.if_match() != "*" && !SameEtag(conditions.if_match(), current->etag())) {
      return Error(ErrorCode::kPreconditionFailed, "If-Match: the ETag differs");
    }
  }
  return absl::OkStatus();
}

absl::Status Applier::PutObjectVersion(const meta::PutObjectVersion& command) {
  const meta::ObjectVersionRecord& version = command.version();
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(version.bucket());
  if (!bucket.ok()) return bucket.status();
  absl::StatusOr<std::optional<meta::ObjectVersionRecord>> current =
      GetObject(version.bucket(), version.key());
  if (!current.ok()) return current.status();
  if (absl::Status s = CheckConditions(command.conditions(), *current); !s.ok()) return s;
  meta::ObjectVersionRecord locked = version;
  if (absl::Status s = ApplyLockRequest(*bucket, version.last_modified_unix_nanos(), locked);
      !s.ok()) {
    return s;
  }
  return AddVersion(*bucket, std::move(locked), *current);
}

absl::Status Applier::CopyObject(const meta::CopyObject& command) {
  absl::StatusOr<meta::BucketRecord> source_bucket = GetBucket(command.source_bucket());
  if (!source_bucket.ok()) return source_bucket.status();
  absl::StatusOr<StoredVersion> stored_source =
      GetLiveVersion(command.source_bucket(), command.source_key(), command.source_version_id());
  if (!stored_source.ok()) {
    if (s3::ErrorCodeOf(stored_source.status()) == ErrorCode::kMethodNotAllowed) {
      return Error(ErrorCode::kInvalidRequest,
                   "The source of a copy request may not specifically refer to a delete marker "
                   "by version id.");
    }
    return stored_source.status();
  }
  const meta::ObjectVersionRecord* source = &stored_source->record;
  if (!SameEtag(source->etag(), command.source_etag())) {
    return Error(ErrorCode::kPreconditionFailed, "the copy source changed");
  }
  meta::ObjectVersionRecord version = command.version();
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(version.bucket());
  if (!bucket.ok()) return bucket.status();
  absl::StatusOr<std::optional<meta::ObjectVersionRecord>> current =
      GetObject(version.bucket(), version.key());
  if (!current.ok()) return current.status();
  if (absl::Status s = CheckConditions(command.conditions(), *current); !s.ok()) return s;
  // Encryption at rest: the copy shares the source's data, so it takes the
  // source's encryption, which must still be what the proposer expected.
  if (!SameProtection(source->has_encryption() ? &source->encryption() : nullptr,
                      version.has_encryption() ? &version.encryption() : nullptr)) {
    return Error(ErrorCode::kPreconditionFailed, "the copy source's encryption changed");
  }
  version.clear_encryption();
  if (source->has_encryption()) *version.mutable_encryption() = source->encryption();
  version.set_size(source->size());
  version.set_etag(source->etag());
  *version.mutable_part_sizes() = source->part_sizes();
  *version.mutable_segments() = source->segments();
  if (!command.replace_metadata()) {
    *version.mutable_metadata() = source->metadata();
  } else {
    // Checksums describe the bytes, which did not change.
    *version.mutable_metadata()->mutable_checksums() = source->metadata().checksums();
  }
  if (!command.replace_tags()) *version.mutable_tags() = source->tags();
  if (absl::Status s = ApplyLockRequest(*bucket, version.last_modified_unix_nanos(), version);
      !s.ok()) {
    return s;
  }
  return AddVersion(*bucket, std::move(version), *current);
}

absl::Status Applier::DeleteObject(const meta::DeleteObject& command) {
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(command.bucket());
  if (!bucket.ok()) return bucket.status();
  if (!command.version_id().empty()) {
    absl::StatusOr<std::optional<StoredVersion>> found =
        FindVersion(command.bucket(), command.key(), command.version_id());
    if (!found.ok()) return found.status();
    // Deleting what does not exist succeeds and changes nothing (S3 semantics).
    if (!found->has_value()) return absl::OkStatus();
    if (absl::Status s =
            RemoveVersion(**found, command.now_unix_nanos(), command.bypass_governance_retention());
        !s.ok()) {
      return s;
    }
    result_.version = (*found)->record;
    return absl::OkStatus();
  }
  absl::StatusOr<std::optional<meta::ObjectVersionRecord>> current =
      GetObject(command.bucket(), command.key());
  if (!current.ok()) return current.status();
  if (bucket->versioning() == meta::VERSIONING_UNVERSIONED) {
    if (!current->has_value()) return absl::OkStatus();
    return RemoveVersion({.record = **current}, command.now_unix_nanos(),
                         command.bypass_governance_retention());
  }
  // A versioned bucket keeps what it has and adds a delete marker on top.
  meta::ObjectVersionRecord marker;
  marker.set_format_version(meta::FORMAT_VERSION_1);
  marker.set_bucket(command.bucket());
  marker.set_key(command.key());
  marker.set_version_id(command.marker_version_id());
  marker.set_delete_marker(true);
  marker.set_owner(command.owner());
  marker.set_last_modified_unix_nanos(command.now_unix_nanos());
  return AddVersion(*bucket, std::move(marker), *current);
}

absl::Status Applier::PutObjectTags(const meta::PutObjectTags& command) {
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(command.bucket());
  if (!bucket.ok()) return bucket.status();
  absl::StatusOr<StoredVersion> version =
      GetLiveVersion(command.bucket(), command.key(), command.version_id());
  if (!version.ok()) return version.status();
  *version->record.mutable_tags() = command.tags();
  StoreInPlace(*version);
  result_.version = version->record;
  return absl::OkStatus();
}

}  // namespace hamster::node
