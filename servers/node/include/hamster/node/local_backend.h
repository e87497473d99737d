// LocalBackend is hamster::s3::Backend for a single node: object data is
// stored as shard files of profile 1+0 (one per object, or one per multipart
// part) in the Env's ShardStore, and metadata is changed only by commands
// applied by the deterministic state machine to the Env's MetaStore (ADR
// 0005). The commit order of every write is: read the payload to its end (its
// integrity checks pass), make the shard file durable, then apply the command
// with a synced metadata write (invariant 8). Concurrent commands share one
// synced write (group commit).
//
// Reads verify every block against its checksum (invariant 5, kDataLoss on a
// mismatch) and a ranged read reads only the blocks covering the range, with
// memory bounded by one block per transfer (invariant 6). An open ObjectReader
// keeps its data readable until it is destroyed.
//
// Data no committed record references is garbage: CollectGarbage() deletes it
// once no reader uses it; RemoveOrphans() clears what a crash left behind.
//
// Thread safety: as s3::Backend, every method may be called concurrently.
#ifndef HAMSTER_NODE_LOCAL_BACKEND_H_
#define HAMSTER_NODE_LOCAL_BACKEND_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/crypto/segment_cipher.h"
#include "hamster/node/env.h"
#include "hamster/node/key_rotation.h"
#include "hamster/node/master_keys.h"
#include "hamster/s3/backend.h"

namespace hamster::node {

struct LocalBackendOptions {
  // Block size of the shard files written; a ranged read reads whole blocks.
  uint32_t block_size_bytes = 1u << 20;
  // Every part of a multipart upload but the last must be at least this big.
  uint64_t min_part_size_bytes = uint64_t{5} << 20;
  // Called after a commit queued data for garbage collection (from the
  // committing thread; keep it short, e.g. wake a collector).
  std::function<void()> on_garbage;
  // Encryption at rest (docs/encryption.md): the master keys SSE-S3 wraps
  // data keys under (borrowed, outlives the backend; null: SSE-S3 refused),
  // and the plaintext chunk size of newly sealed data.
  MasterKeys* master_keys = nullptr;
  uint32_t encryption_chunk_bytes = crypto::kDefaultChunkBytes;
};

struct GarbageStats {
  uint64_t data_removed = 0;  // data ids whose shard files were deleted
  uint64_t data_pinned = 0;   // queued data ids left for later: a reader uses them
  uint64_t data_kept = 0;     // queued data ids still referenced: dequeued, files kept
};

class LocalBackend : public s3::Backend {
 public:
  // Reads the applied state from env.meta. Everything in `env` outlives the
  // backend. Errors are the stores' I/O errors.
  static absl::StatusOr<std::unique_ptr<LocalBackend>> Open(const Env& env,
                                                            const LocalBackendOptions& options);
  ~LocalBackend() override;

  absl::StatusOr<std::vector<s3::BucketInfo>> ListBuckets() override;
  using s3::Backend::CreateBucket;
  absl::Status CreateBucket(const s3::CreateBucketRequest& request) override;
  absl::StatusOr<s3::BucketInfo> GetBucket(const std::string& bucket) override;
  absl::Status DeleteBucket(const std::string& bucket) override;
  absl::StatusOr<s3::Tags> GetBucketTags(const std::string& bucket) override;
  absl::Status PutBucketTags(const std::string& bucket, const s3::Tags& tags) override;
  absl::Status DeleteBucketTags(const std::string& bucket) override;
  absl::StatusOr<s3::BucketEncryption> GetBucketEncryption(const std::string& bucket) override;
  absl::Status PutBucketEncryption(const std::string& bucket,
                                   const s3::BucketEncryption& encryption) override;
  absl::Status DeleteBucketEncryption(const std::string& bucket) override;

  absl::StatusOr<s3::ObjectInfo> PutObject(const s3::PutObjectRequest& request,
                                           s3::PayloadReader& body) override;
  absl::StatusOr<s3::ObjectInfo> StatObject(const std::string& bucket, const std::string& key,
                                            const std::optional<std::string>& version_id) override;
  absl::StatusOr<std::unique_ptr<s3::ObjectReader>> OpenObject(
      const std::string& bucket, const std::string& key,
      const std::optional<std::string>& version_id) override;
  using s3::Backend::DeleteObject;
  absl::StatusOr<s3::DeleteObjectResult> DeleteObject(
      const s3::DeleteObjectRequest& request) override;
  absl::StatusOr<s3::ObjectInfo> CopyObject(const s3::CopyObjectRequest& request) override;
  absl::StatusOr<std::vector<s3::ObjectInfo>> ScanObjects(
      const s3::ScanObjectsRequest& request) override;
  absl::StatusOr<s3::Tags> GetObjectTags(const std::string& bucket, const std::string& key,
                                         const std::optional<std::string>& version_id) override;
  absl::Status PutObjectTags(const std::string& bucket, const std::string& key,
                             const std::optional<std::string>& version_id,
                             const s3::Tags& tags) override;

  absl::StatusOr<std::string> CreateMultipartUpload(const s3::PutObjectRequest& request) override;
  absl::StatusOr<s3::PartInfo> UploadPart(
      const std::string& bucket, const std::string& key, const std::string& upload_id,
      int part_number, std::optional<uint64_t> size, s3::PayloadReader& body,
      const std::optional<s3::CustomerKey>& customer_key) override;
  absl::StatusOr<s3::ObjectInfo> CompleteMultipartUpload(
      const std::string& bucket, const std::string& key, const std::string& upload_id,
      const std::vector<s3::CompletedPart>& parts, const s3::WriteConditions& conditions) override;
  absl::Status AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                    const std::string& upload_id) override;
  absl::StatusOr<std::vector<s3::PartInfo>> ListParts(const std::string& bucket,
                                                      const std::string& key,
                                                      const std::string& upload_id,
                                                      int part_number_marker,
                                                      size_t limit) override;
  absl::StatusOr<std::vector<s3::MultipartUploadInfo>> ScanUploads(
      const s3::ScanUploadsRequest& request) override;

  // Versioning and object lock (local_backend_versions.cc).
  absl::Status PutBucketVersioning(const std::string& bucket, s3::VersioningState state) override;
  absl::Status PutObjectLockConfiguration(const std::string& bucket,
                                          const s3::ObjectLockConfiguration& config) override;
  absl::StatusOr<std::vector<s3::ObjectInfo>> ScanObjectVersions(
      const s3::ScanObjectVersionsRequest& request) override;
  absl::Status PutObjectRetention(const s3::PutObjectRetentionRequest& request) override;
  absl::Status PutObjectLegalHold(const std::string& bucket, const std::string& key,
                                  const std::optional<std::string>& version_id,
                                  s3::LegalHold legal_hold) override;

  // ---- Master key rotation (local_backend_rotation.cc, docs/encryption.md) ----
  // The keyring, each key's references and the last rotation's progress.
  // Scans every stored data key. kFailedPrecondition without master keys.
  absl::StatusOr<KeyStatus> GetKeyStatus();
  // Makes a new random master key active (durable in the keyring before
  // anything is wrapped under it) and records a rotation towards it; returns
  // the key's id. Re-wrapping is RewrapBatch's job. kFailedPrecondition
  // without master keys; the keyring file's I/O errors.
  absl::StatusOr<std::string> StartKeyRotation();
  // Re-wraps under the active key up to `max_records` data keys still under
  // other keys, scanning from `*cursor` (empty: from the start), and advances
  // the cursor (empty again once the pass reached the end). A pass that starts
  // while no rotation record names the active key (a crash between
  // StartKeyRotation's two steps) records one first. Data keys under a key the
  // keyring lacks are skipped; with a single key in the keyring it returns at
  // once (nothing to re-wrap from). A data key its master key cannot unwrap
  // (a damaged record) is skipped and counted in the result; the counts of the
  // last complete pass show in GetKeyStatus. REQUIRES: one caller at a time.
  absl::StatusOr<RewrapBatchResult> RewrapBatch(size_t max_records, std::string* cursor);
  // Retires master key `id` and removes it from the keyring: kNotFound if the
  // keyring lacks it, kFailedPrecondition for the active key or while any
  // stored data key is wrapped under it (the message says how many).
  absl::Status RetireMasterKey(const std::string& id);

  // One pass over the garbage queue: deletes the shard files of every queued
  // data id no open reader uses, then dequeues it. A queued data id that a
  // record still references is dequeued and kept (invariants 4 and 8 hold
  // even if the queue were wrong). Returns the first I/O error.
  absl::StatusOr<GarbageStats> CollectGarbage();

  // Deletes temporary files of unfinished writes and shard files whose data
  // id no committed record references (a crash between a shard becoming
  // durable and its command committing). Returns how many shard files it
  // deleted. REQUIRES: no write is in flight (call before serving).
  absl::StatusOr<uint64_t> RemoveOrphans();

 private:
  // Encryption at rest: a copy that cannot share the source's data (their
  // encryption differs) decrypts and re-encrypts it (local_backend_encryption.cc).
  absl::StatusOr<s3::ObjectInfo> CopyByRewrite(const s3::CopyObjectRequest& request);
  // Rotation: records a rotation towards `active_id` if the last one names
  // another key and data keys remain under other keys.
  absl::Status RecordMissingRotation(const std::string& active_id);
  // Adds a batch's unreadable data keys to the pass's, reports the pass's so
  // far in `batch`, and publishes them for GetKeyStatus when the pass ends.
  void NoteRewrapFailures(bool started_pass, RewrapBatchResult* batch);

  struct State;
  explicit LocalBackend(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace hamster::node

#endif  // HAMSTER_NODE_LOCAL_BACKEND_H_
