// Object commands of the state machine: PUT, copy, delete, tags.
#include "absl/strings/str_cat.h"
#include "hamster/s3/errors.h"
#include "src/applier.h"
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

absl::StatusOr<meta::ObjectVersionRecord> Applier::GetObjectVersion(const std::string& bucket,
                                                                    const std::string& key,
                                                                    const std::string& version_id) {
  absl::StatusOr<std::optional<meta::ObjectVersionRecord>> current = GetObject(bucket, key);
  if (!current.ok()) return current.status();
  if (!version_id.empty() && (!current->has_value() || (*current)->version_id() != version_id)) {
    return Error(ErrorCode::kNoSuchVersion, absl::StrCat("no version ", version_id, " of the key"));
  }
  if (!Exists(*current)) return Error(ErrorCode::kNoSuchKey, "the key does not exist");
  return **std::move(current);
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

absl::Status Applier::ReplaceCurrent(const meta::ObjectVersionRecord& version,
                                     const std::optional<meta::ObjectVersionRecord>& current) {
  // Referencing before releasing keeps shared data (a copy onto itself) alive.
  if (absl::Status s = ReferenceAll(version); !s.ok()) return s;
  if (current.has_value()) {
    if (absl::Status s = ReleaseAll(*current); !s.ok()) return s;
  }
  state_.Put(keys::ObjectKey(version.bucket(), version.key()), version.SerializeAsString());
  result_.version = version;
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
  return ReplaceCurrent(version, *current);
}

absl::Status Applier::CopyObject(const meta::CopyObject& command) {
  absl::StatusOr<meta::BucketRecord> source_bucket = GetBucket(command.source_bucket());
  if (!source_bucket.ok()) return source_bucket.status();
  absl::StatusOr<meta::ObjectVersionRecord> source =
      GetObjectVersion(command.source_bucket(), command.source_key(), command.source_version_id());
  if (!source.ok()) return source.status();
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
  return ReplaceCurrent(version, *current);
}

absl::Status Applier::DeleteObject(const meta::DeleteObject& command) {
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(command.bucket());
  if (!bucket.ok()) return bucket.status();
  absl::StatusOr<std::optional<meta::ObjectVersionRecord>> current =
      GetObject(command.bucket(), command.key());
  if (!current.ok()) return current.status();
  // Deleting what does not exist succeeds and changes nothing (S3 semantics).
  if (!current->has_value()) return absl::OkStatus();
  if (!command.version_id().empty() && (*current)->version_id() != command.version_id()) {
    return absl::OkStatus();
  }
  if (absl::Status s = ReleaseAll(**current); !s.ok()) return s;
  state_.Delete(keys::ObjectKey(command.bucket(), command.key()));
  return absl::OkStatus();
}

absl::Status Applier::PutObjectTags(const meta::PutObjectTags& command) {
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(command.bucket());
  if (!bucket.ok()) return bucket.status();
  absl::StatusOr<meta::ObjectVersionRecord> version =
      GetObjectVersion(command.bucket(), command.key(), command.version_id());
  if (!version.ok()) return version.status();
  *version->mutable_tags() = command.tags();
  state_.Put(keys::ObjectKey(command.bucket(), command.key()), version->SerializeAsString());
  result_.version = *std::move(version);
  return absl::OkStatus();
}

}  // namespace hamster::node
