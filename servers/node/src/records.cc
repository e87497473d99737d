#include "src/records.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "src/encryption.h"

namespace hamster::node {
namespace {

std::map<std::string, std::string> FromKeyValues(
    const google::protobuf::RepeatedPtrField<meta::KeyValue>& record) {
  std::map<std::string, std::string> map;
  for (const meta::KeyValue& entry : record) map[entry.name()] = entry.value();
  return map;
}

std::string Unquoted(const std::string& etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

}  // namespace

int64_t UnixNanosOf(absl::Time time) { return absl::ToUnixNanos(time); }
absl::Time TimeOfUnixNanos(int64_t nanos) { return absl::FromUnixNanos(nanos); }

void ToRecord(const s3::ObjectMetadata& metadata, meta::ContentMetadata* record) {
  record->set_content_type(metadata.content_type);
  record->set_content_encoding(metadata.content_encoding);
  record->set_content_disposition(metadata.content_disposition);
  record->set_content_language(metadata.content_language);
  record->set_cache_control(metadata.cache_control);
  record->set_expires(metadata.expires);
  ToRecord(metadata.user, record->mutable_user());
  ToRecord(metadata.checksums, record->mutable_checksums());
}

s3::ObjectMetadata FromRecord(const meta::ContentMetadata& record) {
  s3::ObjectMetadata metadata;
  metadata.content_type = record.content_type();
  metadata.content_encoding = record.content_encoding();
  metadata.content_disposition = record.content_disposition();
  metadata.content_language = record.content_language();
  metadata.cache_control = record.cache_control();
  metadata.expires = record.expires();
  metadata.user = FromKeyValues(record.user());
  metadata.checksums = FromKeyValues(record.checksums());
  return metadata;
}

void ToRecord(const s3::Tags& tags, google::protobuf::RepeatedPtrField<meta::KeyValue>* record) {
  record->Clear();
  for (const auto& [name, value] : tags) {  // std::map: sorted, so the bytes are deterministic
    meta::KeyValue* entry = record->Add();
    entry->set_name(name);
    entry->set_value(value);
  }
}

s3::Tags FromRecord(const google::protobuf::RepeatedPtrField<meta::KeyValue>& record) {
  return FromKeyValues(record);
}

s3::ObjectInfo ToObjectInfo(const meta::ObjectVersionRecord& record) {
  s3::ObjectInfo info;
  info.key = record.key();
  info.version_id = record.version_id();
  info.size = record.size();
  info.etag = record.etag();
  info.last_modified = TimeOfUnixNanos(record.last_modified_unix_nanos());
  info.owner = record.owner();
  info.metadata = FromRecord(record.metadata());
  info.part_sizes.assign(record.part_sizes().begin(), record.part_sizes().end());
  info.tag_count = size_t(record.tags_size());
  info.delete_marker = record.delete_marker();
  info.retention.mode = FromRecord(record.retention_mode());
  if (info.retention.mode != s3::RetentionMode::kNone) {
    info.retention.retain_until = TimeOfUnixNanos(record.retain_until_unix_nanos());
  }
  info.legal_hold = FromRecord(record.legal_hold());
  info.encryption = ToObjectEncryption(record.encryption());
  return info;
}

s3::BucketInfo ToBucketInfo(const meta::BucketRecord& record) {
  s3::BucketInfo info{.name = record.name(),
                      .owner = record.owner(),
                      .created = TimeOfUnixNanos(record.created_unix_nanos()),
                      .versioning = FromRecord(record.versioning())};
  info.object_lock.enabled = record.object_lock_enabled();
  if (record.default_retention_mode() != meta::RETENTION_NONE) {
    info.object_lock.default_retention =
        s3::DefaultRetention{.mode = FromRecord(record.default_retention_mode()),
                             .days = record.default_retention_days(),
                             .years = record.default_retention_years()};
  }
  return info;
}

s3::MultipartUploadInfo ToUploadInfo(const meta::MultipartUploadRecord& record) {
  return {.key = record.key(),
          .upload_id = record.upload_id(),
          .owner = record.owner(),
          .initiated = TimeOfUnixNanos(record.initiated_unix_nanos())};
}

s3::PartInfo ToPartInfo(const meta::PartRecord& record) {
  return {.part_number = int(record.part_number()),
          .size = record.size(),
          .etag = record.etag(),
          .last_modified = TimeOfUnixNanos(record.last_modified_unix_nanos())};
}

void ToRecord(const s3::WriteConditions& conditions, meta::WriteConditions* record) {
  record->set_if_none_match_any(conditions.if_none_match_any);
  record->set_has_if_match(conditions.if_match.has_value());
  record->set_if_match(conditions.if_match.value_or(""));
}

absl::StatusOr<ec::DataId> SegmentDataId(const meta::Segment& segment) {
  ec::DataId data_id;
  if (segment.data_id().size() != data_id.size()) {
    return absl::DataLossError("stored segment has a malformed data id");
  }
  for (size_t i = 0; i < data_id.size(); ++i) data_id[i] = uint8_t(segment.data_id()[i]);
  return data_id;
}

std::string DataIdBytes(const ec::DataId& data_id) {
  return std::string(reinterpret_cast<const char*>(data_id.data()), data_id.size());
}

bool SameEtag(const std::string& a, const std::string& b) {
  return absl::EqualsIgnoreCase(Unquoted(a), Unquoted(b));
}

bool IsWellFormedVersionId(const std::string& version_id) {
  if (version_id == kNullVersionId) return true;
  if (version_id.size() != 32) return false;
  for (char c : version_id) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && (c < 'a' || c > 'f')) return false;
  }
  return true;
}

std::string NewVersionId(absl::Time now, uint64_t random) {
  return absl::StrFormat("%016x%016x", ~uint64_t(UnixNanosOf(now)), random);
}

meta::RetentionMode ToRecord(s3::RetentionMode mode) {
  switch (mode) {
    case s3::RetentionMode::kGovernance:
      return meta::RETENTION_GOVERNANCE;
    case s3::RetentionMode::kCompliance:
      return meta::RETENTION_COMPLIANCE;
    case s3::RetentionMode::kNone:
      break;
  }
  return meta::RETENTION_NONE;
}

s3::RetentionMode FromRecord(meta::RetentionMode mode) {
  switch (mode) {
    case meta::RETENTION_GOVERNANCE:
      return s3::RetentionMode::kGovernance;
    case meta::RETENTION_COMPLIANCE:
      return s3::RetentionMode::kCompliance;
    default:
      return s3::RetentionMode::kNone;
  }
}

meta::LegalHoldStatus ToRecord(s3::LegalHold legal_hold) {
  switch (legal_hold) {
    case s3::LegalHold::kOn:
      return meta::LEGAL_HOLD_ON;
    case s3::LegalHold::kOff:
      return meta::LEGAL_HOLD_OFF;
    case s3::LegalHold::kUnset:
      break;
  }
  return meta::LEGAL_HOLD_UNSET;
}

s3::LegalHold FromRecord(meta::LegalHoldStatus legal_hold) {
  switch (legal_hold) {
    case meta::LEGAL_HOLD_ON:
      return s3::LegalHold::kOn;
    case meta::LEGAL_HOLD_OFF:
      return s3::LegalHold::kOff;
    default:
      return s3::LegalHold::kUnset;
  }
}

meta::VersioningState ToRecord(s3::VersioningState state) {
  switch (state) {
    case s3::VersioningState::kEnabled:
      return meta::VERSIONING_ENABLED;
    case s3::VersioningState::kSuspended:
      return meta::VERSIONING_SUSPENDED;
    case s3::VersioningState::kUnversioned:
      break;
  }
  return meta::VERSIONING_UNVERSIONED;
}

s3::VersioningState FromRecord(meta::VersioningState state) {
  switch (state) {
    case meta::VERSIONING_ENABLED:
      return s3::VersioningState::kEnabled;
    case meta::VERSIONING_SUSPENDED:
      return s3::VersioningState::kSuspended;
    default:
      return s3::VersioningState::kUnversioned;
  }
}

}  // namespace hamster::node
