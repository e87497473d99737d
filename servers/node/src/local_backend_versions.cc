// LocalBackend: versioning and object lock. The listing of versions merges
// two range scans, the current versions ("O") and the noncurrent ones ("V"),
// which are both in key order; a key's current version comes first, then
// its noncurrent ones newest first (keys.h, ADR 0012).
#include "absl/strings/str_cat.h"
#include "hamster/node/local_backend.h"
#include "hamster/s3/errors.h"
#include "src/backend_state.h"
#include "src/keys.h"
#include "src/records.h"

namespace hamster::node {
namespace {

using s3::Error;
using s3::ErrorCode;

constexpr size_t kScanPageEntries = 1000;

// The records of one table in [from, end), read a page at a time.
class RecordStream {
 public:
  RecordStream(MetaStore* meta, std::string from, std::string end)
      : meta_(meta), from_(std::move(from)), end_(std::move(end)) {}

  // The next record, nullptr at the end.
  absl::StatusOr<const meta::ObjectVersionRecord*> Peek() {
    if (position_ < page_.size()) return &page_[position_];
    if (exhausted_) return nullptr;
    absl::StatusOr<std::vector<KeyValuePair>> entries = meta_->Scan(from_, end_, kScanPageEntries);
    if (!entries.ok()) return entries.status();
    exhausted_ = entries->size() < kScanPageEntries;
    page_.clear();
    position_ = 0;
    for (const auto& [key, value] : *entries) {
      absl::StatusOr<meta::ObjectVersionRecord> record =
          ParseRecord<meta::ObjectVersionRecord>(value, "object version record");
      if (!record.ok()) return record.status();
      page_.push_back(*std::move(record));
    }
    if (!entries->empty()) from_ = keys::Successor(entries->back().first);
    if (page_.empty()) return nullptr;
    return &page_[0];
  }
  void Pop() { ++position_; }

 private:
  MetaStore* meta_;
  std::string from_;
  std::string end_;
  std::vector<meta::ObjectVersionRecord> page_;
  size_t position_ = 0;
  bool exhausted_ = false;
};

struct ScanStart {
  std::string current_from;     // in "O"
  std::string noncurrent_from;  // in "V"
};

// Where a version listing resumes after (key_marker, version_id_marker).
absl::StatusOr<ScanStart> ResolveStart(MetaStore& meta,
                                       const s3::ScanObjectVersionsRequest& request) {
  const std::string& bucket = request.bucket;
  ScanStart start{.current_from = keys::ObjectPrefix(bucket, request.prefix),
                  .noncurrent_from = keys::VersionPrefix(bucket, request.prefix)};
  if (request.key_marker.empty()) return start;
  const std::string& key = request.key_marker;
  start.current_from = std::max(start.current_from, keys::Successor(keys::ObjectKey(bucket, key)));
  start.noncurrent_from =
      std::max(start.noncurrent_from, keys::PrefixEnd(keys::VersionKeyPrefix(bucket, key)));
  if (request.version_id_marker.empty()) return start;
  absl::StatusOr<std::optional<std::string>> stored = meta.Get(keys::ObjectKey(bucket, key));
  if (!stored.ok()) return stored.status();
  std::optional<meta::ObjectVersionRecord> current;
  if (stored->has_value()) {
    absl::StatusOr<meta::ObjectVersionRecord> parsed =
        ParseRecord<meta::ObjectVersionRecord>(**stored, "object record");
    if (!parsed.ok()) return parsed.status();
    current = *std::move(parsed);
  }
  if (current.has_value() && current->version_id() == request.version_id_marker) {
    // After the current version come the key's noncurrent ones.
    start.noncurrent_from =
        std::max(keys::VersionPrefix(bucket, request.prefix), keys::VersionKeyPrefix(bucket, key));
    return start;
  }
  absl::StatusOr<std::optional<std::string>> indexed =
      meta.Get(keys::VersionIndexKey(bucket, key, request.version_id_marker));
  if (!indexed.ok()) return indexed.status();
  if (!indexed->has_value()) return start;  // gone: resume after the key
  std::optional<uint64_t> stamp = keys::DecodeUint64(**indexed);
  if (!stamp) return absl::DataLossError("stored version index entry is malformed");
  start.noncurrent_from = std::max(keys::VersionPrefix(bucket, request.prefix),
                                   keys::Successor(keys::VersionKey(bucket, key, *stamp)));
  return start;
}

}  // namespace

absl::Status LocalBackend::PutBucketVersioning(const std::string& bucket,
                                               s3::VersioningState versioning) {
  meta::Command command;
  meta::PutBucketVersioning* put = command.mutable_put_bucket_versioning();
  put->set_name(bucket);
  put->set_versioning(ToRecord(versioning));
  return state_->Commit(command).status();
}

absl::Status LocalBackend::PutObjectLockConfiguration(const std::string& bucket,
                                                      const s3::ObjectLockConfiguration& config) {
  if (!config.enabled) {
    return Error(ErrorCode::kMalformedXML, "object lock can only be Enabled");
  }
  meta::Command command;
  meta::PutObjectLockConfiguration* put = command.mutable_put_object_lock_configuration();
  put->set_name(bucket);
  if (config.default_retention.has_value()) {
    put->set_default_retention_mode(ToRecord(config.default_retention->mode));
    put->set_default_retention_days(config.default_retention->days);
    put->set_default_retention_years(config.default_retention->years);
  }
  return state_->Commit(command).status();
}

absl::Status LocalBackend::PutObjectRetention(const s3::PutObjectRetentionRequest& request) {
  if (request.version_id.has_value() && !IsWellFormedVersionId(*request.version_id)) {
    return Error(ErrorCode::kInvalidArgument, "Invalid version id specified");
  }
  meta::Command command;
  meta::PutObjectRetention* put = command.mutable_put_object_retention();
  put->set_bucket(request.bucket);
  put->set_key(request.key);
  put->set_version_id(request.version_id.value_or(""));
  put->set_retention_mode(ToRecord(request.retention.mode));
  if (request.retention.mode != s3::RetentionMode::kNone) {
    put->set_retain_until_unix_nanos(UnixNanosOf(request.retention.retain_until));
  }
  put->set_bypass_governance_retention(request.bypass_governance_retention);
  put->set_now_unix_nanos(UnixNanosOf(state_->env.clock->Now()));
  return state_->Commit(command).status();
}

absl::Status LocalBackend::PutObjectLegalHold(const std::string& bucket, const std::string& key,
                                              const std::optional<std::string>& version_id,
                                              s3::LegalHold legal_hold) {
  if (version_id.has_value() && !IsWellFormedVersionId(*version_id)) {
    return Error(ErrorCode::kInvalidArgument, "Invalid version id specified");
  }
  meta::Command command;
  meta::PutObjectLegalHold* put = command.mutable_put_object_legal_hold();
  put->set_bucket(bucket);
  put->set_key(key);
  put->set_version_id(version_id.value_or(""));
  put->set_legal_hold(ToRecord(legal_hold));
  return state_->Commit(command).status();
}

absl::StatusOr<std::vector<s3::ObjectInfo>> LocalBackend::ScanObjectVersions(
    const s3::ScanObjectVersionsRequest& request) {
  absl::StatusOr<meta::BucketRecord> bucket = state_->ReadBucket(request.bucket);
  if (!bucket.ok()) return bucket.status();
  std::vector<s3::ObjectInfo> versions;
  if (request.limit == 0) return versions;
  absl::StatusOr<ScanStart> start = ResolveStart(*state_->env.meta, request);
  if (!start.ok()) return start.status();
  RecordStream current(state_->env.meta, start->current_from,
                       keys::PrefixEnd(keys::ObjectPrefix(request.bucket, request.prefix)));
  RecordStream noncurrent(state_->env.meta, start->noncurrent_from,
                          keys::PrefixEnd(keys::VersionPrefix(request.bucket, request.prefix)));
  while (versions.size() < request.limit) {
    absl::StatusOr<const meta::ObjectVersionRecord*> latest = current.Peek();
    if (!latest.ok()) return latest.status();
    absl::StatusOr<const meta::ObjectVersionRecord*> older = noncurrent.Peek();
    if (!older.ok()) return older.status();
    if (*latest == nullptr && *older == nullptr) break;
    // A key's noncurrent versions follow its current one; a resumed listing
    // may start inside them, before the next current key.
    const bool take_older =
        *older != nullptr && (*latest == nullptr || (*older)->key() < (*latest)->key());
    s3::ObjectInfo info = ToObjectInfo(take_older ? **older : **latest);
    info.is_latest = !take_older;
    versions.push_back(std::move(info));
    if (take_older) {
      noncurrent.Pop();
    } else {
      current.Pop();
    }
  }
  return versions;
}

}  // namespace hamster::node
