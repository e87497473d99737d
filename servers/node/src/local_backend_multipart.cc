// LocalBackend: multipart uploads. A part is written like an object's data
// into its own shard file; completing an upload commits an object made of the
// parts' data without copying it.
#include "absl/strings/str_cat.h"
#include "hamster/node/local_backend.h"
#include "hamster/s3/errors.h"
#include "src/backend_state.h"
#include "src/data_writer.h"
#include "src/encryption.h"
#include "src/keys.h"
#include "src/records.h"

namespace hamster::node {
namespace {

using s3::Error;
using s3::ErrorCode;

constexpr size_t kScanPageEntries = 1000;

}  // namespace

absl::StatusOr<std::string> LocalBackend::CreateMultipartUpload(
    const s3::PutObjectRequest& request) {
  const absl::Time now = state_->env.clock->Now();
  // Encryption at rest: one data key for every part of the upload.
  absl::StatusOr<meta::BucketRecord> bucket = state_->ReadBucket(request.bucket);
  if (!bucket.ok()) return bucket.status();
  absl::StatusOr<std::optional<DataKey>> data_key =
      NewDataKey(request.encryption, *bucket, state_->options.encryption_chunk_bytes,
                 state_->options.master_keys, *state_->env.random);
  if (!data_key.ok()) return data_key.status();
  meta::Command command;
  meta::MultipartUploadRecord* upload = command.mutable_create_upload()->mutable_upload();
  if (data_key->has_value()) *upload->mutable_encryption() = (*data_key)->info;
  upload->set_format_version(meta::FORMAT_VERSION_1);
  upload->set_bucket(request.bucket);
  upload->set_key(request.key);
  upload->set_upload_id(state_->NewUploadId(now));
  upload->set_owner(request.owner);
  upload->set_initiated_unix_nanos(UnixNanosOf(now));
  ToRecord(request.metadata, upload->mutable_metadata());
  ToRecord(request.tags, upload->mutable_tags());
  upload->set_retention_mode(ToRecord(request.retention.mode));
  if (request.retention.mode != s3::RetentionMode::kNone) {
    upload->set_retain_until_unix_nanos(UnixNanosOf(request.retention.retain_until));
  }
  upload->set_legal_hold(ToRecord(request.legal_hold));
  absl::StatusOr<ApplyResult> result = state_->Commit(command);
  if (!result.ok()) return result.status();
  return upload->upload_id();
}

absl::StatusOr<s3::PartInfo> LocalBackend::UploadPart(
    const std::string& bucket, const std::string& key, const std::string& upload_id,
    int part_number, std::optional<uint64_t> size, s3::PayloadReader& body,
    const std::optional<s3::CustomerKey>& customer_key) {
  if (part_number < 1 || part_number > 10000) {
    return Error(ErrorCode::kInvalidArgument, "part numbers are 1 to 10000");
  }
  // Fail early, before reading the body, for an unknown upload; the commit
  // checks again.
  absl::StatusOr<std::optional<std::string>> upload =
      state_->env.meta->Get(keys::UploadKey(bucket, key, upload_id));
  if (!upload.ok()) return upload.status();
  if (!upload->has_value()) {
    absl::StatusOr<meta::BucketRecord> bucket_record = state_->ReadBucket(bucket);
    if (!bucket_record.ok()) return bucket_record.status();
    return Error(ErrorCode::kNoSuchUpload, "the upload does not exist or has ended");
  }
  // Encryption at rest: parts are sealed under the upload's data key.
  absl::StatusOr<meta::MultipartUploadRecord> upload_record =
      ParseRecord<meta::MultipartUploadRecord>(**upload, "upload record");
  if (!upload_record.ok()) return upload_record.status();
  std::optional<SegmentSealing> sealing;
  if (upload_record->has_encryption()) {
    absl::StatusOr<crypto::Key> data_key =
        StoredDataKey(upload_record->encryption(), state_->options.master_keys, customer_key);
    if (!data_key.ok()) return data_key.status();
    sealing = SegmentSealing{.data_key = *data_key,
                             .chunk_bytes = upload_record->encryption().chunk_size_bytes()};
  } else if (absl::Status s = CheckCustomerKey(meta::EncryptionInfo(), customer_key); !s.ok()) {
    return s;
  }
  const ec::DataId data_id = state_->NewDataId();
  absl::StatusOr<WrittenData> written = WritePayload(
      *state_->env.shards, data_id, state_->options.block_size_bytes, body, size, sealing);
  if (!written.ok()) return written.status();

  meta::Command command;
  meta::PutPart* put = command.mutable_put_part();
  put->set_bucket(bucket);
  put->set_key(key);
  put->set_upload_id(upload_id);
  meta::PartRecord* part = put->mutable_part();
  part->set_format_version(meta::FORMAT_VERSION_1);
  part->set_part_number(uint32_t(part_number));
  part->set_size(written->size);
  part->set_etag(written->md5_hex);
  if (sealing && upload_record->encryption().algorithm() == meta::ENCRYPTION_SSE_C) {
    part->set_etag(CustomerEtag(sealing->data_key, written->md5_hex));
  }
  part->set_last_modified_unix_nanos(UnixNanosOf(state_->env.clock->Now()));
  if (written->segment) *part->mutable_segment() = *written->segment;
  absl::StatusOr<ApplyResult> result = state_->Commit(command);
  if (!result.ok()) {
    if (written->segment && !s3::ErrorCodeOf(result.status()).has_value()) {
      state_->env.shards->Remove(data_id, 0).IgnoreError();
    }
    return result.status();
  }
  return ToPartInfo(result->part);
}

absl::StatusOr<s3::ObjectInfo> LocalBackend::CompleteMultipartUpload(
    const std::string& bucket, const std::string& key, const std::string& upload_id,
    const std::vector<s3::CompletedPart>& parts, const s3::WriteConditions& conditions) {
  meta::Command command;
  meta::CompleteUpload* complete = command.mutable_complete_upload();
  complete->set_bucket(bucket);
  complete->set_key(key);
  complete->set_upload_id(upload_id);
  for (const s3::CompletedPart& part : parts) {
    if (part.part_number < 1 || part.part_number > 10000) {
      return Error(ErrorCode::kInvalidPart, absl::StrCat("no part ", part.part_number));
    }
    meta::CompletedPart* listed = complete->add_parts();
    listed->set_part_number(uint32_t(part.part_number));
    listed->set_etag(part.etag);
  }
  meta::ObjectVersionRecord* version = complete->mutable_version();
  version->set_format_version(meta::FORMAT_VERSION_1);
  version->set_bucket(bucket);
  version->set_key(key);
  const absl::Time now = state_->env.clock->Now();
  version->set_version_id(state_->NewVersionId(now));  // "null" unless versioning is enabled
  version->set_last_modified_unix_nanos(UnixNanosOf(now));
  ToRecord(conditions, complete->mutable_conditions());
  complete->set_min_part_size_bytes(state_->options.min_part_size_bytes);
  absl::StatusOr<ApplyResult> result = state_->Commit(command);
  if (!result.ok()) return result.status();
  return ToObjectInfo(result->version);
}

absl::Status LocalBackend::AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                                const std::string& upload_id) {
  meta::Command command;
  meta::AbortUpload* abort = command.mutable_abort_upload();
  abort->set_bucket(bucket);
  abort->set_key(key);
  abort->set_upload_id(upload_id);
  return state_->Commit(command).status();
}

absl::StatusOr<std::vector<s3::PartInfo>> LocalBackend::ListParts(const std::string& bucket,
                                                                  const std::string& key,
                                                                  const std::string& upload_id,
                                                                  int part_number_marker,
                                                                  size_t limit) {
  absl::StatusOr<std::optional<std::string>> upload =
      state_->env.meta->Get(keys::UploadKey(bucket, key, upload_id));
  if (!upload.ok()) return upload.status();
  if (!upload->has_value()) {
    absl::StatusOr<meta::BucketRecord> bucket_record = state_->ReadBucket(bucket);
    if (!bucket_record.ok()) return bucket_record.status();
    return Error(ErrorCode::kNoSuchUpload, "the upload does not exist or has ended");
  }
  const std::string prefix = keys::PartPrefix(bucket, key, upload_id);
  const uint32_t first = uint32_t(std::max(part_number_marker, 0)) + 1;
  absl::StatusOr<std::vector<KeyValuePair>> entries =
      state_->env.meta->Scan(keys::PartKey(bucket, key, upload_id, first), keys::PrefixEnd(prefix),
                             std::min<size_t>(limit, 10000));
  if (!entries.ok()) return entries.status();
  std::vector<s3::PartInfo> parts;
  for (const auto& [entry_key, value] : *entries) {
    absl::StatusOr<meta::PartRecord> part = ParseRecord<meta::PartRecord>(value, "part");
    if (!part.ok()) return part.status();
    parts.push_back(ToPartInfo(*part));
  }
  return parts;
}

absl::StatusOr<std::vector<s3::MultipartUploadInfo>> LocalBackend::ScanUploads(
    const s3::ScanUploadsRequest& request) {
  absl::StatusOr<meta::BucketRecord> bucket = state_->ReadBucket(request.bucket);
  if (!bucket.ok()) return bucket.status();
  std::vector<s3::MultipartUploadInfo> uploads;
  if (request.limit == 0) return uploads;
  const std::string prefix = keys::UploadPrefix(request.bucket, request.prefix);
  const std::string end = keys::PrefixEnd(prefix);
  std::string from = prefix;
  if (!request.key_marker.empty()) {
    // After (key_marker, upload_id_marker); without an upload id marker,
    // after every upload of key_marker.
    const std::string marker =
        request.upload_id_marker.empty()
            ? keys::PrefixEnd(keys::UploadKeyPrefix(request.bucket, request.key_marker))
            : keys::Successor(
                  keys::UploadKey(request.bucket, request.key_marker, request.upload_id_marker));
    from = std::max(from, marker);
  }
  for (;;) {
    const size_t want = std::min(kScanPageEntries, request.limit - uploads.size());
    absl::StatusOr<std::vector<KeyValuePair>> page = state_->env.meta->Scan(from, end, want);
    if (!page.ok()) return page.status();
    for (const auto& [key, value] : *page) {
      absl::StatusOr<meta::MultipartUploadRecord> record =
          ParseRecord<meta::MultipartUploadRecord>(value, "upload record");
      if (!record.ok()) return record.status();
      uploads.push_back(ToUploadInfo(*record));
    }
    if (page->size() < want || uploads.size() >= request.limit) return uploads;
    from = keys::Successor(page->back().first);
  }
}

}  // namespace hamster::node
