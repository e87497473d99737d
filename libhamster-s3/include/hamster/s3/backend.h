// Backend is what the S3 service needs from storage: buckets, object
// versions, multipart uploads and tags, in S3 terms but without HTTP. The
// single-node server implements it in servers/; a cluster implements the same
// interface over Raft and erasure-coded shards.
//
// Errors: return Error(ErrorCode::k...) (errors.h) when the precise S3 error
// is known (NoSuchBucket vs NoSuchKey, BucketNotEmpty, InvalidPart, ...);
// otherwise a canonical absl code (kUnavailable becomes 503 SlowDown,
// kDataLoss and kInternal become 500 InternalError).
// Thread safety: every method may be called concurrently from many threads.
#ifndef HAMSTER_S3_BACKEND_H_
#define HAMSTER_S3_BACKEND_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hamster/s3/body.h"
#include "hamster/s3/errors.h"

namespace hamster::s3 {

// ---- Versioning and object lock (docs/versioning-and-lock.md) ----
enum class VersioningState { kUnversioned, kEnabled, kSuspended };
enum class RetentionMode { kNone, kGovernance, kCompliance };
// kUnset: never set on the version (S3 answers NoSuchObjectLockConfiguration).
enum class LegalHold { kUnset, kOn, kOff };

struct ObjectRetention {
  RetentionMode mode = RetentionMode::kNone;
  absl::Time retain_until = absl::InfinitePast();
};

// A bucket's default retention: a mode and exactly one of days and years.
struct DefaultRetention {
  RetentionMode mode = RetentionMode::kNone;
  uint32_t days = 0;
  uint32_t years = 0;
};

struct ObjectLockConfiguration {
  bool enabled = false;
  std::optional<DefaultRetention> default_retention;
};
// ---- end of versioning and object lock ----
// ---- Encryption at rest (docs/encryption.md) ----
enum class EncryptionMode { kNone, kS3, kCustomer };  // none, SSE-S3, SSE-C

// An SSE-C key as the client sent it: 32 raw bytes, and the base64 MD5 the S3
// service checked them against.
struct CustomerKey {
  std::string key;
  std::string key_md5_base64;
};

// What a write asks for; kNone lets the bucket's default apply.
struct EncryptionRequest {
  EncryptionMode mode = EncryptionMode::kNone;
  std::optional<CustomerKey> customer_key;  // with kCustomer
};

// How a stored object is encrypted, for the response headers.
struct ObjectEncryption {
  EncryptionMode mode = EncryptionMode::kNone;
  std::string customer_key_md5_base64;  // with kCustomer
};

// A bucket's default encryption (PutBucketEncryption); only SSE-S3.
struct BucketEncryption {
  EncryptionMode mode = EncryptionMode::kS3;
  bool bucket_key_enabled = false;  // accepted and echoed; no effect here
};
// ---- end of encryption at rest ----

struct BucketInfo {
  std::string name;
  std::string owner;  // access key id of the creator
  absl::Time created;
  // Versioning and object lock.
  VersioningState versioning = VersioningState::kUnversioned;
  ObjectLockConfiguration object_lock;
};

// Headers S3 stores with an object and returns on GET/HEAD.
struct ObjectMetadata {
  std::string content_type;  // empty: served as binary/octet-stream
  std::string content_encoding;
  std::string content_disposition;
  std::string content_language;
  std::string cache_control;
  std::string expires;  // kept verbatim
  // x-amz-meta-* with the prefix removed; names lowercased.
  std::map<std::string, std::string> user;
  // x-amz-checksum-<algorithm> values (base64) the client sent and we verified,
  // keyed by lowercase algorithm: "crc32", "crc32c", "crc64nvme", "sha1", "sha256".
  std::map<std::string, std::string> checksums;
};

using Tags = std::map<std::string, std::string>;

struct ObjectInfo {
  std::string key;
  std::string version_id;  // "null" while versioning is off
  uint64_t size = 0;
  std::string etag;  // unquoted: 32 hex digits, or "<hex>-<part count>"
  absl::Time last_modified;
  std::string owner;
  ObjectMetadata metadata;
  // Sizes of the parts of a multipart object, in order; empty otherwise.
  std::vector<uint64_t> part_sizes;
  size_t tag_count = 0;
  // Versioning and object lock. A delete marker has only key, version_id,
  // last_modified and owner; is_latest is set by ScanObjectVersions.
  bool delete_marker = false;
  bool is_latest = true;
  ObjectRetention retention;
  LegalHold legal_hold = LegalHold::kUnset;
  // Encryption at rest.
  ObjectEncryption encryption;
};

// Conditions a write must meet at its commit point (conditional PUT).
struct WriteConditions {
  bool if_none_match_any = false;        // If-None-Match: *  -> fail if the key exists
  std::optional<std::string> if_match;  // unquoted ETag the current object must have
};

struct PutObjectRequest {
  std::string bucket;
  std::string key;
  std::string owner;
  ObjectMetadata metadata;
  Tags tags;
  WriteConditions conditions;
  // Decoded payload length when the client declared it; the Backend must fail
  // with kIncompleteBody if the payload ends early.
  std::optional<uint64_t> size;
  // Object lock of the new version (x-amz-object-lock-*); kNone and kUnset:
  // none requested (the bucket's default retention applies).
  ObjectRetention retention;
  LegalHold legal_hold = LegalHold::kUnset;
  // Encryption at rest of the new object (or, for CreateMultipartUpload, of
  // every part).
  EncryptionRequest encryption;
};

enum class MetadataDirective { kCopy, kReplace };

struct CopyObjectRequest {
  std::string source_bucket;
  std::string source_key;
  std::optional<std::string> source_version_id;
  // The source's ETag as the S3 service checked it against the
  // x-amz-copy-source-if-* headers; the Backend fails with PreconditionFailed
  // if the source changed since.
  std::string source_etag;
  std::string bucket;
  std::string key;
  std::string owner;
  MetadataDirective metadata_directive = MetadataDirective::kCopy;
  ObjectMetadata metadata;       // used with kReplace
  std::optional<Tags> tags;      // nullopt: copy the source's tags
  WriteConditions conditions;
  // Object lock of the new version, as in PutObjectRequest (never copied
  // from the source).
  ObjectRetention retention;
  LegalHold legal_hold = LegalHold::kUnset;
  // Encryption at rest: of the new object, and the SSE-C key of the source.
  // Data is shared only when both are encrypted alike; otherwise the copy
  // decrypts and re-encrypts.
  EncryptionRequest encryption;
  std::optional<CustomerKey> source_customer_key;
};

// ---- Versioning and object lock requests ----
struct CreateBucketRequest {
  std::string bucket;
  std::string owner;
  bool object_lock_enabled = false;  // also enables versioning
};

struct DeleteObjectRequest {
  std::string bucket;
  std::string key;
  std::optional<std::string> version_id;  // nullopt: the current version
  std::string owner;                      // of a delete marker the delete adds
  // x-amz-bypass-governance-retention from a principal allowed to bypass.
  bool bypass_governance_retention = false;
};

struct DeleteObjectResult {
  // The version removed or the delete marker added; empty when nothing
  // existed in an unversioned bucket.
  std::string version_id;
  bool delete_marker = false;  // a marker was added, or the one removed was one
};

// Versions (and delete markers) of `bucket` whose key starts with `prefix`,
// by key ascending, then newest first; those after the position (key_marker,
// version_id_marker): with no version id marker, after every version of
// key_marker. At most `limit` of them.
struct ScanObjectVersionsRequest {
  std::string bucket;
  std::string prefix;
  std::string key_marker;
  std::string version_id_marker;
  size_t limit = 1000;
};

struct PutObjectRetentionRequest {
  std::string bucket;
  std::string key;
  std::optional<std::string> version_id;
  ObjectRetention retention;  // kNone: remove it
  bool bypass_governance_retention = false;
};
// ---- end of versioning and object lock requests ----

// Objects whose key starts with `prefix` and sorts strictly after
// `start_after`, in byte order of the key, at most `limit` of them.
struct ScanObjectsRequest {
  std::string bucket;
  std::string prefix;
  std::string start_after;
  size_t limit = 1000;
};

struct PartInfo {
  int part_number = 0;
  uint64_t size = 0;
  std::string etag;  // unquoted hex MD5
  absl::Time last_modified;
};

struct CompletedPart {
  int part_number = 0;
  std::string etag;  // unquoted
};

struct MultipartUploadInfo {
  std::string key;
  std::string upload_id;
  std::string owner;
  absl::Time initiated;
};

// Uploads of `bucket` with key starting with `prefix`, ordered by (key,
// initiation order); those after (key_marker, upload_id_marker) as S3's
// ListMultipartUploads defines it.
struct ScanUploadsRequest {
  std::string bucket;
  std::string prefix;
  std::string key_marker;
  std::string upload_id_marker;
  size_t limit = 1000;
};

// An object version opened for reading. The data it references stays
// readable for the reader's lifetime even if the object is overwritten or
// deleted meanwhile.
class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  virtual const ObjectInfo& info() const = 0;
  // Encryption at rest: an SSE-C object is readable only after its key is
  // given (OpenRange fails with kInvalidRequest before); kAccessDenied if it
  // is not the object's key. For other objects a key is kInvalidRequest.
  virtual absl::Status UseCustomerKey(const CustomerKey& key) = 0;
  // A stream of bytes [offset, offset + length) of the object; every byte is
  // verified against its checksum before it is returned (invariant 5).
  // REQUIRES: offset + length <= info().size.
  virtual absl::StatusOr<std::unique_ptr<BodyReader>> OpenRange(uint64_t offset,
                                                                uint64_t length) = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Buckets. CreateBucket: kBucketAlreadyOwnedByYou if `owner` has it,
  // kBucketAlreadyExists if someone else does. DeleteBucket: kNoSuchBucket,
  // kBucketNotEmpty (objects or multipart uploads remain).
  virtual absl::StatusOr<std::vector<BucketInfo>> ListBuckets() = 0;
  virtual absl::Status CreateBucket(const CreateBucketRequest& request) = 0;
  absl::Status CreateBucket(const std::string& bucket, const std::string& owner) {
    return CreateBucket(CreateBucketRequest{.bucket = bucket, .owner = owner});
  }
  virtual absl::StatusOr<BucketInfo> GetBucket(const std::string& bucket) = 0;
  virtual absl::Status DeleteBucket(const std::string& bucket) = 0;
  virtual absl::StatusOr<Tags> GetBucketTags(const std::string& bucket) = 0;  // kNoSuchTagSet
  virtual absl::Status PutBucketTags(const std::string& bucket, const Tags& tags) = 0;
  virtual absl::Status DeleteBucketTags(const std::string& bucket) = 0;
  // Encryption at rest: the bucket's default. Get fails with
  // kServerSideEncryptionConfigurationNotFoundError when there is none.
  virtual absl::StatusOr<BucketEncryption> GetBucketEncryption(const std::string& bucket) = 0;
  virtual absl::Status PutBucketEncryption(const std::string& bucket,
                                           const BucketEncryption& encryption) = 0;
  virtual absl::Status DeleteBucketEncryption(const std::string& bucket) = 0;

  // Objects. Reads `body` until it returns 0, makes the bytes durable, then
  // commits the version (the linearization point); any error from `body`
  // aborts with nothing visible. Errors: kNoSuchBucket, kPreconditionFailed,
  // kIncompleteBody, and whatever `body` returned.
  virtual absl::StatusOr<ObjectInfo> PutObject(const PutObjectRequest& request,
                                               PayloadReader& body) = 0;
  // kNoSuchBucket, kNoSuchKey, kNoSuchVersion.
  virtual absl::StatusOr<ObjectInfo> StatObject(const std::string& bucket, const std::string& key,
                                                const std::optional<std::string>& version_id) = 0;
  virtual absl::StatusOr<std::unique_ptr<ObjectReader>> OpenObject(
      const std::string& bucket, const std::string& key,
      const std::optional<std::string>& version_id) = 0;
  // Succeeds when the key or version does not exist (S3 semantics);
  // kNoSuchBucket; kAccessDenied when object lock protects the version.
  virtual absl::StatusOr<DeleteObjectResult> DeleteObject(const DeleteObjectRequest& request) = 0;
  absl::Status DeleteObject(const std::string& bucket, const std::string& key,
                            const std::optional<std::string>& version_id) {
    return DeleteObject(DeleteObjectRequest{.bucket = bucket, .key = key, .version_id = version_id})
        .status();
  }
  // Shares the source's stored data instead of copying bytes when it can.
  virtual absl::StatusOr<ObjectInfo> CopyObject(const CopyObjectRequest& request) = 0;
  virtual absl::StatusOr<std::vector<ObjectInfo>> ScanObjects(
      const ScanObjectsRequest& request) = 0;
  virtual absl::StatusOr<Tags> GetObjectTags(const std::string& bucket, const std::string& key,
                                             const std::optional<std::string>& version_id) = 0;
  virtual absl::Status PutObjectTags(const std::string& bucket, const std::string& key,
                                     const std::optional<std::string>& version_id,
                                     const Tags& tags) = 0;

  // Multipart uploads. kNoSuchUpload when the id is unknown for (bucket, key).
  virtual absl::StatusOr<std::string> CreateMultipartUpload(const PutObjectRequest& request) = 0;
  // Replaces an earlier part with the same number. REQUIRES: 1 <= part_number <= 10000.
  // `customer_key`: the SSE-C key of an upload created with one (encryption
  // at rest); kInvalidRequest if missing, kAccessDenied if another key.
  virtual absl::StatusOr<PartInfo> UploadPart(const std::string& bucket, const std::string& key,
                                              const std::string& upload_id, int part_number,
                                              std::optional<uint64_t> size, PayloadReader& body,
                                              const std::optional<CustomerKey>& customer_key) = 0;
  // Checks the list (kInvalidPartOrder unless strictly ascending, kInvalidPart
  // for an unknown part or ETag mismatch, kEntityTooSmall for a part other
  // than the last under 5 MiB), then commits an object made of the listed
  // parts' stored data without copying it. Unlisted parts are discarded.
  virtual absl::StatusOr<ObjectInfo> CompleteMultipartUpload(
      const std::string& bucket, const std::string& key, const std::string& upload_id,
      const std::vector<CompletedPart>& parts, const WriteConditions& conditions) = 0;
  virtual absl::Status AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                            const std::string& upload_id) = 0;
  // Parts with number > part_number_marker, ascending, at most `limit`.
  virtual absl::StatusOr<std::vector<PartInfo>> ListParts(const std::string& bucket,
                                                          const std::string& key,
                                                          const std::string& upload_id,
                                                          int part_number_marker,
                                                          size_t limit) = 0;
  virtual absl::StatusOr<std::vector<MultipartUploadInfo>> ScanUploads(
      const ScanUploadsRequest& request) = 0;

  // ---- Versioning and object lock ----
  // Reads of a delete marker fail: kNoSuchKey (the current version is one)
  // or kMethodNotAllowed (named by version id), with the marker's version id
  // attached (DeleteMarkerError). A malformed version id is kInvalidArgument,
  // an unknown one kNoSuchVersion.
  //
  // kEnabled or kSuspended; kInvalidBucketState to suspend a bucket with
  // object lock.
  virtual absl::Status PutBucketVersioning(const std::string& bucket, VersioningState state) = 0;
  // Enables object lock (kInvalidBucketState unless versioning is enabled)
  // and sets or clears the default retention.
  virtual absl::Status PutObjectLockConfiguration(const std::string& bucket,
                                                  const ObjectLockConfiguration& config) = 0;
  virtual absl::StatusOr<std::vector<ObjectInfo>> ScanObjectVersions(
      const ScanObjectVersionsRequest& request) = 0;
  // kInvalidRequest if the bucket has no object lock; kAccessDenied when the
  // change would weaken active retention (COMPLIANCE always, GOVERNANCE
  // without the bypass); kInvalidArgument for a retain-until not in the future.
  virtual absl::Status PutObjectRetention(const PutObjectRetentionRequest& request) = 0;
  virtual absl::Status PutObjectLegalHold(const std::string& bucket, const std::string& key,
                                          const std::optional<std::string>& version_id,
                                          LegalHold legal_hold) = 0;
};

// A read that found a delete marker: `code` (kNoSuchKey or
// kMethodNotAllowed) carrying the marker's version id, which S3 reports in
// x-amz-version-id with x-amz-delete-marker: true.
absl::Status DeleteMarkerError(ErrorCode code, std::string_view version_id);
std::optional<std::string> DeleteMarkerVersionOf(const absl::Status& status);

}  // namespace hamster::s3

#endif  // HAMSTER_S3_BACKEND_H_
