// LocalBackend: construction, buckets, and the read side of objects.
#include "hamster/node/local_backend.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "hamster/s3/errors.h"
#include "src/backend_state.h"
#include "src/keys.h"
#include "src/object_reader.h"
#include "src/records.h"

namespace hamster::node {
namespace {

using s3::Error;
using s3::ErrorCode;

// Listing pages read from the store at a time.
constexpr size_t kScanPageEntries = 1000;

std::vector<ec::DataId> DataIdsOf(const meta::ObjectVersionRecord& record) {
  std::vector<ec::DataId> data_ids;
  for (const meta::Segment& segment : record.segments()) {
    absl::StatusOr<ec::DataId> data_id = SegmentDataId(segment);
    if (data_id.ok()) data_ids.push_back(*data_id);
  }
  return data_ids;
}

}  // namespace

ec::DataId LocalBackend::State::NewDataId() {
  ec::DataId data_id;
  env.random->Fill(data_id);
  return data_id;
}

std::string LocalBackend::State::NewUploadId(absl::Time initiated) {
  uint8_t random[8];
  env.random->Fill(random);
  return absl::StrCat(
      absl::StrFormat("%016x", uint64_t(UnixNanosOf(initiated))),
      absl::BytesToHexString(std::string(reinterpret_cast<const char*>(random), sizeof random)));
}

std::string LocalBackend::State::NewVersionId(absl::Time now) {
  uint64_t random = 0;
  uint8_t bytes[8];
  env.random->Fill(bytes);
  for (uint8_t byte : bytes) random = random << 8 | byte;
  return node::NewVersionId(now, random);
}

absl::StatusOr<ApplyResult> LocalBackend::State::Commit(const meta::Command& command) {
  absl::StatusOr<ApplyResult> result = committer->Commit(command);
  if (!result.ok()) return result.status();
  if (!result->outcome.ok()) return result->outcome;
  return result;
}

absl::StatusOr<meta::BucketRecord> LocalBackend::State::ReadBucket(const std::string& bucket) {
  absl::StatusOr<std::optional<std::string>> stored = env.meta->Get(keys::BucketKey(bucket));
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    return Error(ErrorCode::kNoSuchBucket, absl::StrCat("bucket ", bucket, " does not exist"));
  }
  return ParseRecord<meta::BucketRecord>(**stored, "bucket record");
}

absl::StatusOr<std::optional<meta::ObjectVersionRecord>> LocalBackend::State::ReadRecord(
    const std::string& key) {
  absl::StatusOr<std::optional<std::string>> stored = env.meta->Get(key);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return std::optional<meta::ObjectVersionRecord>();
  absl::StatusOr<meta::ObjectVersionRecord> parsed =
      ParseRecord<meta::ObjectVersionRecord>(**stored, "object record");
  if (!parsed.ok()) return parsed.status();
  return std::optional<meta::ObjectVersionRecord>(*std::move(parsed));
}

absl::StatusOr<std::optional<meta::ObjectVersionRecord>> LocalBackend::State::ReadNoncurrent(
    const std::string& bucket, const std::string& key, const std::string& version_id) {
  absl::StatusOr<std::optional<std::string>> indexed =
      env.meta->Get(keys::VersionIndexKey(bucket, key, version_id));
  if (!indexed.ok()) return indexed.status();
  if (!indexed->has_value()) return std::optional<meta::ObjectVersionRecord>();
  std::optional<uint64_t> stamp = keys::DecodeUint64(**indexed);
  if (!stamp) return absl::DataLossError("stored version index entry is malformed");
  return ReadRecord(keys::VersionKey(bucket, key, *stamp));
}

absl::StatusOr<meta::ObjectVersionRecord> LocalBackend::State::ReadObject(
    const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  if (version_id.has_value() && !IsWellFormedVersionId(*version_id)) {
    return Error(ErrorCode::kInvalidArgument, "Invalid version id specified");
  }
  absl::StatusOr<std::optional<meta::ObjectVersionRecord>> record =
      ReadRecord(keys::ObjectKey(bucket, key));
  if (!record.ok()) return record.status();
  if (version_id.has_value() && !(record->has_value() && (*record)->version_id() == *version_id)) {
    record = ReadNoncurrent(bucket, key, *version_id);
    if (!record.ok()) return record.status();
    if (!record->has_value()) {
      // A concurrent delete may have made it current between the two reads.
      record = ReadRecord(keys::ObjectKey(bucket, key));
      if (!record.ok()) return record.status();
      if (record->has_value() && (*record)->version_id() != *version_id) record->reset();
    }
  }
  if (!record->has_value()) {
    // A bucket with objects cannot be deleted, so only a miss needs the bucket checked.
    absl::StatusOr<meta::BucketRecord> bucket_record = ReadBucket(bucket);
    if (!bucket_record.ok()) return bucket_record.status();
    if (version_id.has_value()) {
      return Error(ErrorCode::kNoSuchVersion, "The specified version does not exist.");
    }
    return Error(ErrorCode::kNoSuchKey, absl::StrCat("no object ", key));
  }
  if ((*record)->delete_marker()) {
    return s3::DeleteMarkerError(
        version_id.has_value() ? ErrorCode::kMethodNotAllowed : ErrorCode::kNoSuchKey,
        (*record)->version_id());
  }
  return **std::move(record);
}

LocalBackend::LocalBackend(std::unique_ptr<State> state) : state_(std::move(state)) {}
LocalBackend::~LocalBackend() = default;

absl::StatusOr<std::unique_ptr<LocalBackend>> LocalBackend::Open(
    const Env& env, const LocalBackendOptions& options) {
  if (env.clock == nullptr || env.random == nullptr || env.meta == nullptr ||
      env.shards == nullptr) {
    return absl::InvalidArgumentError("LocalBackend needs every part of the Env");
  }
  auto state = std::make_unique<State>();
  state->env = env;
  state->options = options;
  absl::StatusOr<std::unique_ptr<Committer>> committer =
      Committer::Create(env.meta, options.on_garbage);
  if (!committer.ok()) return committer.status();
  state->committer = *std::move(committer);
  return std::unique_ptr<LocalBackend>(new LocalBackend(std::move(state)));
}

absl::StatusOr<std::vector<s3::BucketInfo>> LocalBackend::ListBuckets() {
  std::vector<s3::BucketInfo> buckets;
  const std::string end = keys::PrefixEnd(keys::BucketTableStart());
  std::string from = keys::BucketTableStart();
  for (;;) {
    absl::StatusOr<std::vector<KeyValuePair>> page =
        state_->env.meta->Scan(from, end, kScanPageEntries);
    if (!page.ok()) return page.status();
    for (const auto& [key, value] : *page) {
      absl::StatusOr<meta::BucketRecord> record =
          ParseRecord<meta::BucketRecord>(value, "bucket record");
      if (!record.ok()) return record.status();
      buckets.push_back(ToBucketInfo(*record));
    }
    if (page->size() < kScanPageEntries) return buckets;
    from = keys::Successor(page->back().first);
  }
}

absl::Status LocalBackend::CreateBucket(const s3::CreateBucketRequest& request) {
  meta::Command command;
  meta::CreateBucket* create = command.mutable_create_bucket();
  create->set_name(request.bucket);
  create->set_owner(request.owner);
  create->set_object_lock_enabled(request.object_lock_enabled);
  create->set_created_unix_nanos(UnixNanosOf(state_->env.clock->Now()));
  return state_->Commit(command).status();
}

absl::StatusOr<s3::BucketInfo> LocalBackend::GetBucket(const std::string& bucket) {
  absl::StatusOr<meta::BucketRecord> record = state_->ReadBucket(bucket);
  if (!record.ok()) return record.status();
  return ToBucketInfo(*record);
}

absl::Status LocalBackend::DeleteBucket(const std::string& bucket) {
  meta::Command command;
  command.mutable_delete_bucket()->set_name(bucket);
  return state_->Commit(command).status();
}

absl::StatusOr<s3::Tags> LocalBackend::GetBucketTags(const std::string& bucket) {
  absl::StatusOr<meta::BucketRecord> record = state_->ReadBucket(bucket);
  if (!record.ok()) return record.status();
  if (!record->has_tags()) return Error(ErrorCode::kNoSuchTagSet, "the bucket has no tag set");
  return FromRecord(record->tags());
}

absl::Status LocalBackend::PutBucketTags(const std::string& bucket, const s3::Tags& tags) {
  meta::Command command;
  meta::PutBucketTags* put = command.mutable_put_bucket_tags();
  put->set_name(bucket);
  ToRecord(tags, put->mutable_tags());
  return state_->Commit(command).status();
}

absl::Status LocalBackend::DeleteBucketTags(const std::string& bucket) {
  meta::Command command;
  command.mutable_delete_bucket_tags()->set_name(bucket);
  return state_->Commit(command).status();
}

absl::StatusOr<s3::ObjectInfo> LocalBackend::StatObject(
    const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  absl::StatusOr<meta::ObjectVersionRecord> record = state_->ReadObject(bucket, key, version_id);
  if (!record.ok()) return record.status();
  return ToObjectInfo(*record);
}

absl::StatusOr<std::unique_ptr<s3::ObjectReader>> LocalBackend::OpenObject(
    const std::string& bucket, const std::string& key,
    const std::optional<std::string>& version_id) {
  std::shared_ptr<PinnedData> pinned;
  absl::StatusOr<meta::ObjectVersionRecord> record;
  {
    // Reading the record and pinning its data is atomic with respect to the
    // garbage collector's pin check (pin_table.h).
    std::lock_guard lock(state_->pins.mu());
    record = state_->ReadObject(bucket, key, version_id);
    if (!record.ok()) return record.status();
    std::vector<ec::DataId> data_ids = DataIdsOf(*record);
    state_->pins.PinLocked(data_ids);
    pinned = std::make_shared<PinnedData>(&state_->pins, std::move(data_ids));
  }
  return NewObjectReader(*record, state_->env.shards, state_->options.master_keys,
                         std::move(pinned));
}

absl::StatusOr<std::vector<s3::ObjectInfo>> LocalBackend::ScanObjects(
    const s3::ScanObjectsRequest& request) {
  absl::StatusOr<meta::BucketRecord> bucket = state_->ReadBucket(request.bucket);
  if (!bucket.ok()) return bucket.status();
  std::vector<s3::ObjectInfo> objects;
  if (request.limit == 0) return objects;
  const std::string prefix = keys::ObjectPrefix(request.bucket, request.prefix);
  const std::string end = keys::PrefixEnd(prefix);
  std::string from = prefix;
  if (!request.start_after.empty()) {
    from = std::max(from, keys::Successor(keys::ObjectKey(request.bucket, request.start_after)));
  }
  for (;;) {
    const size_t want = std::min(kScanPageEntries, request.limit - objects.size());
    absl::StatusOr<std::vector<KeyValuePair>> page = state_->env.meta->Scan(from, end, want);
    if (!page.ok()) return page.status();
    for (const auto& [key, value] : *page) {
      absl::StatusOr<meta::ObjectVersionRecord> record =
          ParseRecord<meta::ObjectVersionRecord>(value, "object record");
      if (!record.ok()) return record.status();
      if (!record->delete_marker()) objects.push_back(ToObjectInfo(*record));
    }
    if (page->size() < want || objects.size() >= request.limit) return objects;
    from = keys::Successor(page->back().first);
  }
}

absl::StatusOr<s3::Tags> LocalBackend::GetObjectTags(const std::string& bucket,
                                                     const std::string& key,
                                                     const std::optional<std::string>& version_id) {
  absl::StatusOr<meta::ObjectVersionRecord> record = state_->ReadObject(bucket, key, version_id);
  if (!record.ok()) return record.status();
  return FromRecord(record->tags());
}

}  // namespace hamster::node
