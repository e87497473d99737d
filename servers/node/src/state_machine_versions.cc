// Versions and object lock in the state machine: where versions are stored
// (the current one in "O", noncurrent ones in "V" with an "I" index by id),
// the null-version rules, delete markers, and the object lock checks every
// removal passes (invariant 4; ADR 0012).
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "hamster/s3/errors.h"
#include "src/applier.h"
#include "src/keys.h"
#include "src/records.h"

namespace hamster::node {
namespace {

using s3::Error;
using s3::ErrorCode;

constexpr uint32_t kMaxDefaultRetentionDays = 36500;
constexpr uint32_t kMaxDefaultRetentionYears = 100;

std::string FormatTime(int64_t unix_nanos) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", TimeOfUnixNanos(unix_nanos), absl::UTCTimeZone());
}

absl::Status ProtectedBy(const std::string& what) {
  return Error(ErrorCode::kAccessDenied,
               absl::StrCat("Access Denied because object protected by object lock: ", what));
}

// The default retention's end for a version written at `from`: whole days,
// or calendar years (Feb 29 plus a year is Mar 1).
int64_t DefaultRetainUntil(const meta::BucketRecord& bucket, int64_t from_unix_nanos) {
  const absl::Time from = TimeOfUnixNanos(from_unix_nanos);
  if (bucket.default_retention_days() > 0) {
    return UnixNanosOf(from + absl::Hours(24) * int64_t(bucket.default_retention_days()));
  }
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond start = absl::ToCivilSecond(from, utc);
  const absl::CivilSecond end(start.year() + bucket.default_retention_years(), start.month(),
                              start.day(), start.hour(), start.minute(), start.second());
  const absl::Duration subsecond = from - absl::FromCivil(start, utc);
  return UnixNanosOf(absl::FromCivil(end, utc) + subsecond);
}

}  // namespace

absl::StatusOr<std::optional<Applier::StoredVersion>> Applier::FindVersion(
    const std::string& bucket, const std::string& key, const std::string& version_id) {
  absl::StatusOr<std::optional<meta::ObjectVersionRecord>> current = GetObject(bucket, key);
  if (!current.ok()) return current.status();
  if (current->has_value() && (*current)->version_id() == version_id) {
    return std::optional<StoredVersion>(StoredVersion{.record = **std::move(current)});
  }
  return FindNoncurrent(bucket, key, version_id);
}

absl::StatusOr<std::optional<Applier::StoredVersion>> Applier::FindNoncurrent(
    const std::string& bucket, const std::string& key, const std::string& version_id) {
  absl::StatusOr<std::optional<std::string>> indexed =
      state_.Get(keys::VersionIndexKey(bucket, key, version_id));
  if (!indexed.ok()) return indexed.status();
  if (!indexed->has_value()) return std::optional<StoredVersion>();
  std::optional<uint64_t> stamp = keys::DecodeUint64(**indexed);
  if (!stamp) return absl::DataLossError("stored version index entry is malformed");
  absl::StatusOr<std::optional<std::string>> stored =
      state_.Get(keys::VersionKey(bucket, key, *stamp));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    return absl::DataLossError(absl::StrCat("version index names a missing version ", version_id));
  }
  absl::StatusOr<meta::ObjectVersionRecord> record =
      ParseRecord<meta::ObjectVersionRecord>(**stored, "object version record");
  if (!record.ok()) return record.status();
  return std::optional<StoredVersion>(StoredVersion{.record = *std::move(record), .stamp = stamp});
}

absl::StatusOr<Applier::StoredVersion> Applier::GetLiveVersion(const std::string& bucket,
                                                               const std::string& key,
                                                               const std::string& version_id) {
  if (version_id.empty()) {
    absl::StatusOr<std::optional<meta::ObjectVersionRecord>> current = GetObject(bucket, key);
    if (!current.ok()) return current.status();
    if (!current->has_value() || (*current)->delete_marker()) {
      return Error(ErrorCode::kNoSuchKey, "the key does not exist");
    }
    return StoredVersion{.record = **std::move(current)};
  }
  absl::StatusOr<std::optional<StoredVersion>> found = FindVersion(bucket, key, version_id);
  if (!found.ok()) return found.status();
  if (!found->has_value()) {
    return Error(ErrorCode::kNoSuchVersion, absl::StrCat("no version ", version_id, " of the key"));
  }
  if ((*found)->record.delete_marker()) {
    return Error(ErrorCode::kMethodNotAllowed,
                 "The specified method is not allowed against a delete marker.");
  }
  return **std::move(found);
}

void Applier::StoreInPlace(const StoredVersion& version) {
  const meta::ObjectVersionRecord& record = version.record;
  state_.Put(version.stamp ? keys::VersionKey(record.bucket(), record.key(), *version.stamp)
                           : keys::ObjectKey(record.bucket(), record.key()),
             record.SerializeAsString());
}

absl::Status Applier::AddVersion(const meta::BucketRecord& bucket,
                                 meta::ObjectVersionRecord version,
                                 const std::optional<meta::ObjectVersionRecord>& current) {
  if (absl::Status s = CheckNotRetired(version.encryption().master_key_id()); !s.ok()) return s;
  const bool versioned = bucket.versioning() == meta::VERSIONING_ENABLED;
  if (!versioned) {
    version.set_version_id(kNullVersionId);
  } else if (!IsWellFormedVersionId(version.version_id()) ||
             version.version_id() == kNullVersionId) {
    return Error(ErrorCode::kInvalidArgument, "a new version needs a fresh version id");
  }
  const std::string& bucket_name = version.bucket();
  const std::string& key = version.key();
  // The null version a null write replaces: the current one, or (only after
  // versioning was enabled once) a noncurrent one.
  std::optional<StoredVersion> replaced;
  if (!versioned && current.has_value() && current->version_id() == kNullVersionId) {
    replaced = StoredVersion{.record = *current};
  } else if (bucket.versioning() == meta::VERSIONING_SUSPENDED) {
    absl::StatusOr<std::optional<StoredVersion>> null_version =
        FindNoncurrent(bucket_name, key, kNullVersionId);
    if (!null_version.ok()) return null_version.status();
    replaced = *std::move(null_version);
  }
  // Every check comes before the first write: a refused command changes nothing.
  if (replaced.has_value()) {
    if (absl::Status s = CheckRemovable(replaced->record, version.last_modified_unix_nanos(),
                                        /*bypass_governance=*/false);
        !s.ok()) {
      return s;
    }
  }
  // Referencing before releasing keeps shared data (a copy onto itself) alive.
  if (absl::Status s = ReferenceAll(version); !s.ok()) return s;
  if (replaced.has_value()) {
    if (absl::Status s = ReleaseAll(replaced->record); !s.ok()) return s;
    if (replaced->stamp) {
      state_.Delete(keys::VersionKey(bucket_name, key, *replaced->stamp));
      state_.Delete(keys::VersionIndexKey(bucket_name, key, kNullVersionId));
    }
  }
  if (current.has_value() && !(replaced.has_value() && !replaced->stamp)) {
    // The stamp is this command's index: later than every earlier stamp.
    state_.Put(keys::VersionKey(bucket_name, key, index_), current->SerializeAsString());
    state_.Put(keys::VersionIndexKey(bucket_name, key, current->version_id()),
               keys::EncodeUint64(index_));
  }
  state_.Put(keys::ObjectKey(bucket_name, key), version.SerializeAsString());
  result_.version = std::move(version);
  return absl::OkStatus();
}

absl::Status Applier::RemoveVersion(const StoredVersion& version, int64_t now_unix_nanos,
                                    bool bypass_governance) {
  const meta::ObjectVersionRecord& record = version.record;
  if (absl::Status s = CheckRemovable(record, now_unix_nanos, bypass_governance); !s.ok()) {
    return s;
  }
  if (absl::Status s = ReleaseAll(record); !s.ok()) return s;
  if (version.stamp) {
    state_.Delete(keys::VersionKey(record.bucket(), record.key(), *version.stamp));
    state_.Delete(keys::VersionIndexKey(record.bucket(), record.key(), record.version_id()));
    return absl::OkStatus();
  }
  // The current version goes: the newest noncurrent one takes its place.
  const std::string prefix = keys::VersionKeyPrefix(record.bucket(), record.key());
  absl::StatusOr<std::vector<KeyValuePair>> newest =
      state_.Scan(prefix, keys::PrefixEnd(prefix), 1);
  if (!newest.ok()) return newest.status();
  if (newest->empty()) {
    state_.Delete(keys::ObjectKey(record.bucket(), record.key()));
    return absl::OkStatus();
  }
  absl::StatusOr<meta::ObjectVersionRecord> promoted =
      ParseRecord<meta::ObjectVersionRecord>(newest->front().second, "object version record");
  if (!promoted.ok()) return promoted.status();
  state_.Delete(newest->front().first);
  state_.Delete(keys::VersionIndexKey(record.bucket(), record.key(), promoted->version_id()));
  state_.Put(keys::ObjectKey(record.bucket(), record.key()), promoted->SerializeAsString());
  return absl::OkStatus();
}

absl::Status Applier::CheckRemovable(const meta::ObjectVersionRecord& version,
                                     int64_t now_unix_nanos, bool bypass_governance) {
  if (version.legal_hold() == meta::LEGAL_HOLD_ON) return ProtectedBy("a legal hold is on");
  // Retention ends at retain-until by the clock of the command's proposer.
  if (version.retain_until_unix_nanos() <= now_unix_nanos) return absl::OkStatus();
  const std::string until = FormatTime(version.retain_until_unix_nanos());
  switch (version.retention_mode()) {
    case meta::RETENTION_COMPLIANCE:
      return ProtectedBy(absl::StrCat("COMPLIANCE retention until ", until));
    case meta::RETENTION_GOVERNANCE:
      if (bypass_governance) return absl::OkStatus();
      return ProtectedBy(absl::StrCat("GOVERNANCE retention until ", until,
                                      " (x-amz-bypass-governance-retention not given)"));
    default:
      return absl::OkStatus();
  }
}

absl::Status Applier::ApplyLockRequest(const meta::BucketRecord& bucket, int64_t request_unix_nanos,
                                       int64_t version_unix_nanos, meta::RetentionMode* mode,
                                       int64_t* retain_until_unix_nanos,
                                       meta::LegalHoldStatus legal_hold) {
  const bool requested = *mode != meta::RETENTION_NONE || legal_hold != meta::LEGAL_HOLD_UNSET;
  if (requested && !bucket.object_lock_enabled()) {
    return Error(ErrorCode::kInvalidRequest, "Bucket is missing Object Lock Configuration");
  }
  if (*mode != meta::RETENTION_NONE) {
    if (*retain_until_unix_nanos <= request_unix_nanos) {
      return Error(ErrorCode::kInvalidArgument, "The retain until date must be in the future!");
    }
    return absl::OkStatus();
  }
  *retain_until_unix_nanos = 0;
  if (bucket.object_lock_enabled() && bucket.default_retention_mode() != meta::RETENTION_NONE) {
    *mode = bucket.default_retention_mode();
    *retain_until_unix_nanos = DefaultRetainUntil(bucket, version_unix_nanos);
  }
  return absl::OkStatus();
}

absl::Status Applier::ApplyLockRequest(const meta::BucketRecord& bucket, int64_t request_unix_nanos,
                                       meta::ObjectVersionRecord& version) {
  meta::RetentionMode mode = version.retention_mode();
  int64_t retain_until = version.retain_until_unix_nanos();
  absl::Status s = ApplyLockRequest(bucket, request_unix_nanos, version.last_modified_unix_nanos(),
                                    &mode, &retain_until, version.legal_hold());
  if (!s.ok()) return s;
  version.set_retention_mode(mode);
  version.set_retain_until_unix_nanos(retain_until);
  return absl::OkStatus();
}

absl::Status Applier::PutBucketVersioning(const meta::PutBucketVersioning& command) {
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(command.name());
  if (!bucket.ok()) return bucket.status();
  if (command.versioning() != meta::VERSIONING_ENABLED &&
      command.versioning() != meta::VERSIONING_SUSPENDED) {
    return Error(ErrorCode::kMalformedXML, "versioning can only be Enabled or Suspended");
  }
  if (bucket->object_lock_enabled() && command.versioning() != meta::VERSIONING_ENABLED) {
    return Error(ErrorCode::kInvalidBucketState,
                 "An Object Lock configuration is present on this bucket, so the versioning "
                 "state cannot be changed.");
  }
  bucket->set_versioning(command.versioning());
  state_.Put(keys::BucketKey(command.name()), bucket->SerializeAsString());
  return absl::OkStatus();
}

absl::Status Applier::PutObjectLockConfiguration(const meta::PutObjectLockConfiguration& command) {
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(command.name());
  if (!bucket.ok()) return bucket.status();
  if (!bucket->object_lock_enabled() && bucket->versioning() != meta::VERSIONING_ENABLED) {
    return Error(ErrorCode::kInvalidBucketState,
                 "Versioning must be 'Enabled' on the bucket to apply a Object Lock "
                 "configuration");
  }
  const uint32_t days = command.default_retention_days();
  const uint32_t years = command.default_retention_years();
  if (command.default_retention_mode() != meta::RETENTION_NONE) {
    if ((days > 0) == (years > 0)) {
      return Error(ErrorCode::kMalformedXML,
                   "a default retention has either Days or Years, and a positive one");
    }
    if (days > kMaxDefaultRetentionDays || years > kMaxDefaultRetentionYears) {
      return Error(ErrorCode::kInvalidArgument, "Default retention period is too large.");
    }
  }
  bucket->set_object_lock_enabled(true);
  const bool rule = command.default_retention_mode() != meta::RETENTION_NONE;
  bucket->set_default_retention_mode(command.default_retention_mode());
  bucket->set_default_retention_days(rule ? days : 0);
  bucket->set_default_retention_years(rule ? years : 0);
  state_.Put(keys::BucketKey(command.name()), bucket->SerializeAsString());
  return absl::OkStatus();
}

absl::Status Applier::PutObjectRetention(const meta::PutObjectRetention& command) {
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(command.bucket());
  if (!bucket.ok()) return bucket.status();
  if (!bucket->object_lock_enabled()) {
    return Error(ErrorCode::kInvalidRequest, "Bucket is missing Object Lock Configuration");
  }
  absl::StatusOr<StoredVersion> version =
      GetLiveVersion(command.bucket(), command.key(), command.version_id());
  if (!version.ok()) return version.status();
  const int64_t now = command.now_unix_nanos();
  const meta::RetentionMode mode = command.retention_mode();
  const int64_t until = mode == meta::RETENTION_NONE ? 0 : command.retain_until_unix_nanos();
  if (mode != meta::RETENTION_NONE && until <= now) {
    return Error(ErrorCode::kInvalidArgument, "The retain until date must be in the future!");
  }
  const meta::ObjectVersionRecord& record = version->record;
  const bool active =
      record.retention_mode() != meta::RETENTION_NONE && record.retain_until_unix_nanos() > now;
  const bool weakens =
      mode == meta::RETENTION_NONE || until < record.retain_until_unix_nanos() ||
      (record.retention_mode() == meta::RETENTION_COMPLIANCE && mode != meta::RETENTION_COMPLIANCE);
  if (active && weakens) {
    const std::string until_text = FormatTime(record.retain_until_unix_nanos());
    if (record.retention_mode() == meta::RETENTION_COMPLIANCE) {
      return ProtectedBy(absl::StrCat("COMPLIANCE retention until ", until_text,
                                      " cannot be shortened, weakened or removed"));
    }
    if (!command.bypass_governance_retention()) {
      return ProtectedBy(absl::StrCat("GOVERNANCE retention until ", until_text,
                                      " (x-amz-bypass-governance-retention not given)"));
    }
  }
  version->record.set_retention_mode(mode);
  version->record.set_retain_until_unix_nanos(until);
  StoreInPlace(*version);
  result_.version = version->record;
  return absl::OkStatus();
}

absl::Status Applier::PutObjectLegalHold(const meta::PutObjectLegalHold& command) {
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(command.bucket());
  if (!bucket.ok()) return bucket.status();
  if (!bucket->object_lock_enabled()) {
    return Error(ErrorCode::kInvalidRequest, "Bucket is missing Object Lock Configuration");
  }
  if (command.legal_hold() != meta::LEGAL_HOLD_ON && command.legal_hold() != meta::LEGAL_HOLD_OFF) {
    return Error(ErrorCode::kMalformedXML, "a legal hold is ON or OFF");
  }
  absl::StatusOr<StoredVersion> version =
      GetLiveVersion(command.bucket(), command.key(), command.version_id());
  if (!version.ok()) return version.status();
  version->record.set_legal_hold(command.legal_hold());
  StoreInPlace(*version);
  result_.version = version->record;
  return absl::OkStatus();
}

}  // namespace hamster::node
