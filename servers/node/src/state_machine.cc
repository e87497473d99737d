#include "src/state_machine.h"

#include <cassert>

#include "absl/strings/str_cat.h"
#include "hamster/s3/errors.h"
#include "src/applier.h"
#include "src/keys.h"
#include "src/records.h"

namespace hamster::node {
namespace {

using s3::Error;
using s3::ErrorCode;

absl::Status Dispatch(const meta::Command& command, Applier& applier) {
  switch (command.command_case()) {
    case meta::Command::kCreateBucket:
      return applier.CreateBucket(command.create_bucket());
    case meta::Command::kDeleteBucket:
      return applier.DeleteBucket(command.delete_bucket());
    case meta::Command::kPutBucketTags:
      return applier.PutBucketTags(command.put_bucket_tags());
    case meta::Command::kDeleteBucketTags:
      return applier.DeleteBucketTags(command.delete_bucket_tags());
    case meta::Command::kPutObjectVersion:
      return applier.PutObjectVersion(command.put_object_version());
    case meta::Command::kCopyObject:
      return applier.CopyObject(command.copy_object());
    case meta::Command::kDeleteObject:
      return applier.DeleteObject(command.delete_object());
    case meta::Command::kPutObjectTags:
      return applier.PutObjectTags(command.put_object_tags());
    case meta::Command::kCreateUpload:
      return applier.CreateUpload(command.create_upload());
    case meta::Command::kPutPart:
      return applier.PutPart(command.put_part());
    case meta::Command::kCompleteUpload:
      return applier.CompleteUpload(command.complete_upload());
    case meta::Command::kAbortUpload:
      return applier.AbortUpload(command.abort_upload());
    case meta::Command::kPutBucketVersioning:
      return applier.PutBucketVersioning(command.put_bucket_versioning());
    case meta::Command::kPutObjectLockConfiguration:
      return applier.PutObjectLockConfiguration(command.put_object_lock_configuration());
    case meta::Command::kPutObjectRetention:
      return applier.PutObjectRetention(command.put_object_retention());
    case meta::Command::kPutObjectLegalHold:
      return applier.PutObjectLegalHold(command.put_object_legal_hold());
    case meta::Command::kPutBucketEncryption:
      return applier.PutBucketEncryption(command.put_bucket_encryption());
    case meta::Command::kRewrapDataKeys:
      return applier.RewrapDataKeys(command.rewrap_data_keys());
    case meta::Command::kRetireMasterKey:
      return applier.RetireMasterKey(command.retire_master_key());
    case meta::Command::kStartKeyRotation:
      return applier.StartKeyRotation(command.start_key_rotation());
    case meta::Command::COMMAND_NOT_SET:
      break;
  }
  // A command from a newer build: every replica refuses it the same way.
  return Error(ErrorCode::kNotImplemented, "unknown metadata command");
}

}  // namespace

absl::StatusOr<LogIndex> StateMachine::LoadAppliedIndex(PendingState& state) {
  absl::StatusOr<std::optional<std::string>> stored = state.Get(keys::kAppliedIndexKey);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return LogIndex{0};
  std::optional<uint64_t> index = keys::DecodeUint64(**stored);
  if (!index) return absl::DataLossError("stored applied index is malformed");
  return *index;
}

absl::StatusOr<ApplyResult> StateMachine::Apply(const meta::Command& command, LogIndex index,
                                                LogIndex& applied_index, PendingState& state) {
  assert(index > 0);
  ApplyResult result;
  if (index <= applied_index) {
    result.replayed = true;
    return result;
  }
  Applier applier(state, result, index);
  absl::Status status = Dispatch(command, applier);
  if (!status.ok() && !s3::ErrorCodeOf(status).has_value()) return status;
  result.outcome = status;
  if (!status.ok()) {
    if (absl::Status s = applier.DiscardFreshData(command); !s.ok()) return s;
  }
  applied_index = index;
  state.Put(keys::kAppliedIndexKey, keys::EncodeUint64(index));
  return result;
}

absl::StatusOr<meta::BucketRecord> Applier::GetBucket(const std::string& bucket) {
  absl::StatusOr<std::optional<std::string>> stored = state_.Get(keys::BucketKey(bucket));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    return Error(ErrorCode::kNoSuchBucket, absl::StrCat("bucket ", bucket, " does not exist"));
  }
  return ParseRecord<meta::BucketRecord>(**stored, "bucket record");
}

absl::Status Applier::CreateBucket(const meta::CreateBucket& command) {
  absl::StatusOr<meta::BucketRecord> existing = GetBucket(command.name());
  if (existing.ok()) {
    if (existing->owner() == command.owner()) {
      return Error(ErrorCode::kBucketAlreadyOwnedByYou, "you already own this bucket");
    }
    return Error(ErrorCode::kBucketAlreadyExists, "the bucket name is taken");
  }
  if (s3::ErrorCodeOf(existing.status()) != ErrorCode::kNoSuchBucket) return existing.status();
  meta::BucketRecord record;
  record.set_format_version(meta::FORMAT_VERSION_1);
  record.set_name(command.name());
  record.set_owner(command.owner());
  record.set_created_unix_nanos(command.created_unix_nanos());
  if (command.object_lock_enabled()) {
    record.set_object_lock_enabled(true);
    record.set_versioning(meta::VERSIONING_ENABLED);
  }
  state_.Put(keys::BucketKey(command.name()), record.SerializeAsString());
  return absl::OkStatus();
}

absl::Status Applier::DeleteBucket(const meta::DeleteBucket& command) {
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(command.name());
  if (!bucket.ok()) return bucket.status();
  for (const std::string& prefix :
       {keys::ObjectPrefix(command.name(), ""), keys::UploadPrefix(command.name(), "")}) {
    absl::StatusOr<std::vector<KeyValuePair>> entries =
        state_.Scan(prefix, keys::PrefixEnd(prefix), 1);
    if (!entries.ok()) return entries.status();
    if (!entries->empty()) {
      return Error(ErrorCode::kBucketNotEmpty, "the bucket has objects or multipart uploads");
    }
  }
  state_.Delete(keys::BucketKey(command.name()));
  return absl::OkStatus();
}

absl::Status Applier::PutBucketTags(const meta::PutBucketTags& command) {
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(command.name());
  if (!bucket.ok()) return bucket.status();
  *bucket->mutable_tags() = command.tags();
  bucket->set_has_tags(true);
  state_.Put(keys::BucketKey(command.name()), bucket->SerializeAsString());
  return absl::OkStatus();
}

absl::Status Applier::DeleteBucketTags(const meta::DeleteBucketTags& command) {
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(command.name());
  if (!bucket.ok()) return bucket.status();
  bucket->clear_tags();
  bucket->set_has_tags(false);
  state_.Put(keys::BucketKey(command.name()), bucket->SerializeAsString());
  return absl::OkStatus();
}

absl::Status Applier::Reference(const meta::Segment& segment) {
  absl::StatusOr<ec::DataId> data_id = SegmentDataId(segment);
  if (!data_id.ok()) return data_id.status();
  const std::string key = keys::ReferenceKey(*data_id);
  absl::StatusOr<std::optional<std::string>> stored = state_.Get(key);
  if (!stored.ok()) return stored.status();
  uint64_t count = 0;
  if (stored->has_value()) {
    std::optional<uint64_t> decoded = keys::DecodeUint64(**stored);
    if (!decoded) return absl::DataLossError("stored reference count is malformed");
    count = *decoded;
  }
  state_.Put(key, keys::EncodeUint64(count + 1));
  return absl::OkStatus();
}

absl::Status Applier::Release(const meta::Segment& segment) {
  absl::StatusOr<ec::DataId> data_id = SegmentDataId(segment);
  if (!data_id.ok()) return data_id.status();
  const std::string key = keys::ReferenceKey(*data_id);
  absl::StatusOr<std::optional<std::string>> stored = state_.Get(key);
  if (!stored.ok()) return stored.status();
  std::optional<uint64_t> count = stored->has_value() ? keys::DecodeUint64(**stored) : std::nullopt;
  if (!count || *count == 0) {
    return absl::DataLossError(absl::StrCat("reference count of data ", ec::DataIdToHex(*data_id),
                                            " missing or malformed"));
  }
  if (*count > 1) {
    state_.Put(key, keys::EncodeUint64(*count - 1));
    return absl::OkStatus();
  }
  state_.Delete(key);
  return QueueGarbage(segment);
}

absl::Status Applier::QueueGarbage(const meta::Segment& segment) {
  absl::StatusOr<ec::DataId> data_id = SegmentDataId(segment);
  if (!data_id.ok()) return data_id.status();
  state_.Put(keys::GarbageKey(*data_id), "");
  result_.garbage.push_back(*data_id);
  return absl::OkStatus();
}

absl::Status Applier::ReferenceAll(const meta::ObjectVersionRecord& version) {
  for (const meta::Segment& segment : version.segments()) {
    if (absl::Status s = Reference(segment); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Applier::ReleaseAll(const meta::ObjectVersionRecord& version) {
  for (const meta::Segment& segment : version.segments()) {
    if (absl::Status s = Release(segment); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Applier::DiscardFreshData(const meta::Command& command) {
  if (command.has_put_object_version()) {
    for (const meta::Segment& segment : command.put_object_version().version().segments()) {
      if (absl::Status s = QueueGarbage(segment); !s.ok()) return s;
    }
  }
  if (command.has_put_part() && command.put_part().part().has_segment()) {
    return QueueGarbage(command.put_part().part().segment());
  }
  return absl::OkStatus();
}

}  // namespace hamster::node
