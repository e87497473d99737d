// Multipart upload commands of the state machine.
#include <openssl/evp.h>

#include <functional>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "hamster/s3/errors.h"
#include "src/applier.h"
#include "src/keys.h"
#include "src/records.h"

namespace hamster::node {
namespace {

using s3::Error;
using s3::ErrorCode;

constexpr size_t kMaxPartsPerUpload = 10000;

// S3's multipart ETag: the MD5 of the concatenated binary MD5s of the parts,
// then "-<part count>". Returns nullopt if a part ETag is not 32 hex digits.
std::optional<std::string> MultipartEtag(const std::vector<meta::PartRecord>& parts) {
  std::string digests;
  for (const meta::PartRecord& part : parts) {
    if (part.etag().size() != 32) return std::nullopt;
    for (char c : part.etag()) {
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    }
    digests += absl::HexStringToBytes(part.etag());
  }
  unsigned char md5[EVP_MAX_MD_SIZE];
  unsigned int md5_size = 0;
  if (EVP_Digest(digests.data(), digests.size(), md5, &md5_size, EVP_md5(), nullptr) != 1) {
    return std::nullopt;
  }
  const std::string binary(reinterpret_cast<const char*>(md5), md5_size);
  return absl::StrCat(absl::BytesToHexString(binary), "-", parts.size());
}

// Deletes every part record of an upload and releases their data; the parts
// a completed object references keep their data through its references.
absl::Status DropParts(PendingState& state, const std::string& bucket, const std::string& key,
                       const std::string& upload_id,
                       const std::function<absl::Status(const meta::Segment&)>& release) {
  const std::string prefix = keys::PartPrefix(bucket, key, upload_id);
  absl::StatusOr<std::vector<KeyValuePair>> parts =
      state.Scan(prefix, keys::PrefixEnd(prefix), kMaxPartsPerUpload);
  if (!parts.ok()) return parts.status();
  for (const auto& [part_key, value] : *parts) {
    absl::StatusOr<meta::PartRecord> part = ParseRecord<meta::PartRecord>(value, "part");
    if (!part.ok()) return part.status();
    if (part->has_segment()) {
      if (absl::Status s = release(part->segment()); !s.ok()) return s;
    }
    state.Delete(part_key);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<meta::MultipartUploadRecord> Applier::GetUpload(const std::string& bucket,
                                                               const std::string& key,
                                                               const std::string& upload_id) {
  absl::StatusOr<std::optional<std::string>> stored =
      state_.Get(keys::UploadKey(bucket, key, upload_id));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    return Error(ErrorCode::kNoSuchUpload, "the upload does not exist or has ended");
  }
  return ParseRecord<meta::MultipartUploadRecord>(**stored, "upload record");
}

absl::Status Applier::CreateUpload(const meta::CreateUpload& command) {
  const meta::MultipartUploadRecord& upload = command.upload();
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(upload.bucket());
  if (!bucket.ok()) return bucket.status();
  // Requested object lock is checked now, as S3 does; the bucket's default
  // retention is applied when the upload completes.
  if (upload.retention_mode() != meta::RETENTION_NONE ||
      upload.legal_hold() != meta::LEGAL_HOLD_UNSET) {
    meta::RetentionMode mode = upload.retention_mode();
    int64_t retain_until = upload.retain_until_unix_nanos();
    if (absl::Status s =
            ApplyLockRequest(*bucket, upload.initiated_unix_nanos(), upload.initiated_unix_nanos(),
                             &mode, &retain_until, upload.legal_hold());
        !s.ok()) {
      return s;
    }
  }
  if (absl::Status s = CheckNotRetired(upload.encryption().master_key_id()); !s.ok()) return s;
  state_.Put(keys::UploadKey(upload.bucket(), upload.key(), upload.upload_id()),
             upload.SerializeAsString());
  return absl::OkStatus();
}

absl::Status Applier::PutPart(const meta::PutPart& command) {
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(command.bucket());
  if (!bucket.ok()) return bucket.status();
  absl::StatusOr<meta::MultipartUploadRecord> upload =
      GetUpload(command.bucket(), command.key(), command.upload_id());
  if (!upload.ok()) return upload.status();
  const std::string key = keys::PartKey(command.bucket(), command.key(), command.upload_id(),
                                        command.part().part_number());
  absl::StatusOr<std::optional<std::string>> stored = state_.Get(key);
  if (!stored.ok()) return stored.status();
  if (command.part().has_segment()) {
    if (absl::Status s = Reference(command.part().segment()); !s.ok()) return s;
  }
  if (stored->has_value()) {
    absl::StatusOr<meta::PartRecord> replaced = ParseRecord<meta::PartRecord>(**stored, "part");
    if (!replaced.ok()) return replaced.status();
    if (replaced->has_segment()) {
      if (absl::Status s = Release(replaced->segment()); !s.ok()) return s;
    }
  }
  state_.Put(key, command.part().SerializeAsString());
  result_.part = command.part();
  return absl::OkStatus();
}

absl::Status Applier::AbortUpload(const meta::AbortUpload& command) {
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(command.bucket());
  if (!bucket.ok()) return bucket.status();
  absl::StatusOr<meta::MultipartUploadRecord> upload =
      GetUpload(command.bucket(), command.key(), command.upload_id());
  if (!upload.ok()) return upload.status();
  absl::Status dropped = DropParts(state_, command.bucket(), command.key(), command.upload_id(),
                                   [this](const meta::Segment& s) { return Release(s); });
  if (!dropped.ok()) return dropped;
  state_.Delete(keys::UploadKey(command.bucket(), command.key(), command.upload_id()));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<meta::PartRecord>> Applier::ListedParts(
    const meta::CompleteUpload& command) {
  if (command.parts().empty()) {
    return Error(ErrorCode::kMalformedXML, "a multipart upload needs at least one part");
  }
  std::vector<meta::PartRecord> parts;
  for (int i = 0; i < command.parts_size(); ++i) {
    const meta::CompletedPart& listed = command.parts(i);
    if (i > 0 && listed.part_number() <= command.parts(i - 1).part_number()) {
      return Error(ErrorCode::kInvalidPartOrder, "parts must be listed in ascending order");
    }
    absl::StatusOr<std::optional<std::string>> stored = state_.Get(
        keys::PartKey(command.bucket(), command.key(), command.upload_id(), listed.part_number()));
    if (!stored.ok()) return stored.status();
    if (!stored->has_value()) {
      return Error(ErrorCode::kInvalidPart,
                   absl::StrCat("part ", listed.part_number(), " was not uploaded"));
    }
    absl::StatusOr<meta::PartRecord> part = ParseRecord<meta::PartRecord>(**stored, "part");
    if (!part.ok()) return part.status();
    if (!SameEtag(part->etag(), listed.etag())) {
      return Error(ErrorCode::kInvalidPart,
                   absl::StrCat("part ", listed.part_number(), ": the ETag differs"));
    }
    parts.push_back(*std::move(part));
  }
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (parts[i].size() < command.min_part_size_bytes()) {
      return Error(ErrorCode::kEntityTooSmall,
                   absl::StrCat("part ", parts[i].part_number(), " is smaller than ",
                                command.min_part_size_bytes(), " bytes and not the last"));
    }
  }
  return parts;
}

absl::Status Applier::CompleteUpload(const meta::CompleteUpload& command) {
  absl::StatusOr<meta::BucketRecord> bucket = GetBucket(command.bucket());
  if (!bucket.ok()) return bucket.status();
  absl::StatusOr<meta::MultipartUploadRecord> upload =
      GetUpload(command.bucket(), command.key(), command.upload_id());
  if (!upload.ok()) return upload.status();
  absl::StatusOr<std::vector<meta::PartRecord>> parts = ListedParts(command);
  if (!parts.ok()) return parts.status();
  absl::StatusOr<std::optional<meta::ObjectVersionRecord>> current =
      GetObject(command.bucket(), command.key());
  if (!current.ok()) return current.status();
  if (absl::Status s = CheckConditions(command.conditions(), *current); !s.ok()) return s;
  std::optional<std::string> etag = MultipartEtag(*parts);
  if (!etag) return absl::DataLossError("a stored part ETag is not an MD5");

  meta::ObjectVersionRecord version = command.version();
  version.set_owner(upload->owner());
  *version.mutable_metadata() = upload->metadata();
  *version.mutable_tags() = upload->tags();
  version.set_retention_mode(upload->retention_mode());
  version.set_retain_until_unix_nanos(upload->retain_until_unix_nanos());
  version.set_legal_hold(upload->legal_hold());
  if (upload->has_encryption()) *version.mutable_encryption() = upload->encryption();
  version.set_etag(*etag);
  uint64_t size = 0;
  for (const meta::PartRecord& part : *parts) {
    size += part.size();
    version.add_part_sizes(part.size());
    if (part.has_segment()) *version.add_segments() = part.segment();
  }
  version.set_size(size);
  // The retain-until was in the future when the upload was created.
  if (absl::Status s = ApplyLockRequest(*bucket, upload->initiated_unix_nanos(), version);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = AddVersion(*bucket, version, *current); !s.ok()) return s;
  absl::Status dropped = DropParts(state_, command.bucket(), command.key(), command.upload_id(),
                                   [this](const meta::Segment& s) { return Release(s); });
  if (!dropped.ok()) return dropped;
  state_.Delete(keys::UploadKey(command.bucket(), command.key(), command.upload_id()));
  return absl::OkStatus();
}

}  // namespace hamster::node
