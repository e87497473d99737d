// LocalBackend: encryption at rest. A bucket's default encryption, and copies
// that must decrypt and re-encrypt because source and destination are not
// encrypted alike.
#include <openssl/evp.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "hamster/node/local_backend.h"
#include "hamster/s3/errors.h"
#include "src/backend_state.h"
#include "src/encryption.h"
#include "src/records.h"

namespace hamster::node {
namespace {

using s3::Error;
using s3::ErrorCode;

// The source's plaintext as a payload; its MD5 becomes the copy's ETag.
class PlaintextPayload : public s3::PayloadReader {
 public:
  explicit PlaintextPayload(std::unique_ptr<s3::BodyReader> source)
      : source_(std::move(source)), md5_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(md5_, EVP_md5(), nullptr);
  }
  ~PlaintextPayload() override { EVP_MD_CTX_free(md5_); }

  absl::StatusOr<size_t> Read(std::span<uint8_t> buffer) override {
    absl::StatusOr<size_t> read = source_->Read(buffer);
    if (!read.ok()) return read;
    if (*read > 0) {
      EVP_DigestUpdate(md5_, buffer.data(), *read);
    } else if (md5_hex_.empty()) {
      unsigned char digest[EVP_MAX_MD_SIZE];
      unsigned int length = 0;
      EVP_DigestFinal_ex(md5_, digest, &length);
      md5_hex_ = absl::BytesToHexString(absl::string_view(reinterpret_cast<char*>(digest), length));
    }
    return read;
  }
  std::string_view md5_hex() const override { return md5_hex_; }
  const std::map<std::string, std::string>& verified_checksums() const override {
    return no_checksums_;
  }

 private:
  std::unique_ptr<s3::BodyReader> source_;
  EVP_MD_CTX* md5_;
  std::string md5_hex_;
  std::map<std::string, std::string> no_checksums_;
};

}  // namespace

absl::StatusOr<s3::BucketEncryption> LocalBackend::GetBucketEncryption(const std::string& bucket) {
  absl::StatusOr<meta::BucketRecord> record = state_->ReadBucket(bucket);
  if (!record.ok()) return record.status();
  if (record->default_encryption().algorithm() != meta::ENCRYPTION_SSE_S3) {
    return Error(ErrorCode::kServerSideEncryptionConfigurationNotFoundError,
                 "The server side encryption configuration was not found");
  }
  return s3::BucketEncryption{
      .mode = s3::EncryptionMode::kS3,
      .bucket_key_enabled = record->default_encryption().bucket_key_enabled()};
}

absl::Status LocalBackend::PutBucketEncryption(const std::string& bucket,
                                               const s3::BucketEncryption& encryption) {
  if (encryption.mode != s3::EncryptionMode::kS3) {
    return Error(ErrorCode::kInvalidArgument, "a bucket default must be SSE-S3 (AES256)");
  }
  if (state_->options.master_keys == nullptr) {
    return absl::FailedPreconditionError("this node has no master keys for SSE-S3");
  }
  meta::Command command;
  meta::PutBucketEncryption* put = command.mutable_put_bucket_encryption();
  put->set_name(bucket);
  put->mutable_encryption()->set_algorithm(meta::ENCRYPTION_SSE_S3);
  put->mutable_encryption()->set_bucket_key_enabled(encryption.bucket_key_enabled);
  return state_->Commit(command).status();
}

absl::Status LocalBackend::DeleteBucketEncryption(const std::string& bucket) {
  meta::Command command;
  command.mutable_put_bucket_encryption()->set_name(bucket);
  return state_->Commit(command).status();
}

absl::StatusOr<s3::ObjectInfo> LocalBackend::CopyByRewrite(const s3::CopyObjectRequest& request) {
  absl::StatusOr<std::unique_ptr<s3::ObjectReader>> reader =
      OpenObject(request.source_bucket, request.source_key, request.source_version_id);
  if (!reader.ok()) return reader.status();
  if (request.source_customer_key.has_value()) {
    if (absl::Status s = (*reader)->UseCustomerKey(*request.source_customer_key); !s.ok()) {
      return s;
    }
  }
  const s3::ObjectInfo& source = (*reader)->info();
  if (!SameEtag(source.etag, request.source_etag)) {
    return Error(ErrorCode::kPreconditionFailed, "the copy source changed");
  }
  s3::PutObjectRequest put{.bucket = request.bucket,
                           .key = request.key,
                           .owner = request.owner,
                           .metadata = request.metadata_directive == s3::MetadataDirective::kReplace
                                           ? request.metadata
                                           : source.metadata,
                           .conditions = request.conditions,
                           .size = source.size,
                           .encryption = request.encryption};
  // Checksums describe the bytes, which do not change.
  put.metadata.checksums = source.metadata.checksums;
  // Object lock is the copy request's own, never the source's.
  put.retention = request.retention;
  put.legal_hold = request.legal_hold;
  if (request.tags.has_value()) {
    put.tags = *request.tags;
  } else {
    absl::StatusOr<s3::Tags> tags =
        GetObjectTags(request.source_bucket, request.source_key, source.version_id);
    if (!tags.ok()) return tags.status();
    put.tags = *std::move(tags);
  }
  absl::StatusOr<std::unique_ptr<s3::BodyReader>> body = (*reader)->OpenRange(0, source.size);
  if (!body.ok()) return body.status();
  PlaintextPayload payload(*std::move(body));
  return PutObject(put, payload);
}

}  // namespace hamster::node
