// Encryption-at-rest commands of the state machine: a bucket's default
// encryption, re-wrapped data keys (rotation) and retired master keys.
#include "absl/strings/str_cat.h"
#include "hamster/s3/errors.h"
#include "src/applier.h"
#include "src/encrypted_records.h"
#include "src/keys.h"
#include "src/records.h"

namespace hamster::node {
namespace {

using s3::Error;
using s3::ErrorCode;

// Re-wraps `info` in place if it still holds the expected wrapped key.
bool Rewrap(const meta::RewrappedKey& entry, meta::EncryptionInfo* info) {
  if (info->algorithm() != meta::ENCRYPTION_SSE_S3 ||
      info->wrapped_data_key() != entry.expected_wrapped_data_key()) {
    return false;
  }
  info->set_wrapped_data_key(entry.wrapped_data_key());
  info->set_master_key_id(entry.master_key_id());
  return true;
}

}  // namespace

absl::Status Applier::PutBucketEncryption(const meta::PutBucketEncryption& command) {
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(command.name());
  if (!bucket.ok()) return bucket.status();
  if (command.encryption().algorithm() == meta::ENCRYPTION_NONE) {
    bucket->clear_default_encryption();
  } else {
    *bucket->mutable_default_encryption() = command.encryption();
  }
  state_.Put(keys::BucketKey(command.name()), bucket->SerializeAsString());
  return absl::OkStatus();
}

absl::Status Applier::RewrapDataKeys(const meta::RewrapDataKeys& command) {
  for (const meta::RewrappedKey& entry : command.keys()) {
    if (absl::Status s = CheckNotRetired(entry.master_key_id()); !s.ok()) return s;
  }
  // Entries whose record changed since the proposer read it are skipped: the
  // record's new key is re-wrapped by a later pass.
  for (const meta::RewrappedKey& entry : command.keys()) {
    const bool upload = !entry.upload_id().empty();
    const std::string& store_key = entry.store_key();
    absl::StatusOr<std::optional<std::string>> stored = state_.Get(store_key);
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) continue;
    if (upload) {
      absl::StatusOr<meta::MultipartUploadRecord> record =
          ParseRecord<meta::MultipartUploadRecord>(**stored, "upload record");
      if (!record.ok()) return record.status();
      if (record->upload_id() != entry.upload_id()) continue;
      if (Rewrap(entry, record->mutable_encryption())) {
        state_.Put(store_key, record->SerializeAsString());
      }
      continue;
    }
    absl::StatusOr<meta::ObjectVersionRecord> record =
        ParseRecord<meta::ObjectVersionRecord>(**stored, "object record");
    if (!record.ok()) return record.status();
    if (record->bucket() != entry.bucket() || record->key() != entry.key() ||
        (!entry.version_id().empty() && record->version_id() != entry.version_id())) {
      continue;
    }
    if (Rewrap(entry, record->mutable_encryption())) {
      state_.Put(store_key, record->SerializeAsString());
    }
  }
  return absl::OkStatus();
}

absl::Status Applier::RetireMasterKey(const meta::RetireMasterKey& command) {
  uint64_t references = 0;
  absl::Status scanned =
      ForEachWrappedKey([this](std::string_view start, std::string_view end,
                               size_t limit) { return state_.Scan(start, end, limit); },
                        [&](const EncryptedRecord& record) {
                          if (record.encryption.master_key_id() == command.master_key_id())
                            ++references;
                          return true;
                        });
  if (!scanned.ok()) return scanned;
  if (references > 0) {
    return Error(ErrorCode::kInvalidRequest,
                 absl::StrCat("master key ", command.master_key_id(), " still wraps ", references,
                              " data keys; let rotation finish first"));
  }
  state_.Put(keys::RetiredMasterKeyKey(command.master_key_id()), "");
  return absl::OkStatus();
}

absl::Status Applier::StartKeyRotation(const meta::StartKeyRotation& command) {
  const std::string& target = command.rotation().target_master_key_id();
  if (target.empty()) return Error(ErrorCode::kInvalidRequest, "a rotation needs a target key");
  if (absl::Status s = CheckNotRetired(target); !s.ok()) return s;
  state_.Put(keys::kKeyRotationKey, command.rotation().SerializeAsString());
  return absl::OkStatus();
}

absl::Status Applier::CheckNotRetired(const std::string& master_key_id) {
  if (master_key_id.empty()) return absl::OkStatus();
  absl::StatusOr<std::optional<std::string>> retired =
      state_.Get(keys::RetiredMasterKeyKey(master_key_id));
  if (!retired.ok()) return retired.status();
  if (retired->has_value()) {
    // The proposer wrapped under a key retired meanwhile; a retry uses the
    // active key.
    return Error(ErrorCode::kServiceUnavailable,
                 absl::StrCat("master key ", master_key_id, " was retired; retry"));
  }
  return absl::OkStatus();
}

}  // namespace hamster::node
