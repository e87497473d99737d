// Conversions between the stored records (proto/metadata.proto) and the S3
// types of hamster::s3::Backend, and small helpers on records.
#ifndef HAMSTER_NODE_SRC_RECORDS_H_
#define HAMSTER_NODE_SRC_RECORDS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_field.h"
#include "hamster/ec/shard_format.h"
#include "hamster/proto/metadata.pb.h"
#include "hamster/s3/backend.h"

namespace hamster::node {

inline constexpr char kNullVersionId[] = "null";

int64_t UnixNanosOf(absl::Time time);
absl::Time TimeOfUnixNanos(int64_t nanos);

void ToRecord(const s3::ObjectMetadata& metadata, meta::ContentMetadata* record);
s3::ObjectMetadata FromRecord(const meta::ContentMetadata& record);
void ToRecord(const s3::Tags& tags, google::protobuf::RepeatedPtrField<meta::KeyValue>* record);
s3::Tags FromRecord(const google::protobuf::RepeatedPtrField<meta::KeyValue>& record);

s3::ObjectInfo ToObjectInfo(const meta::ObjectVersionRecord& record);
s3::BucketInfo ToBucketInfo(const meta::BucketRecord& record);
s3::MultipartUploadInfo ToUploadInfo(const meta::MultipartUploadRecord& record);
s3::PartInfo ToPartInfo(const meta::PartRecord& record);
void ToRecord(const s3::WriteConditions& conditions, meta::WriteConditions* record);

// Parses a stored record; kDataLoss naming `what` if the bytes do not parse.
template <typename Record>
absl::StatusOr<Record> ParseRecord(const std::string& bytes, const char* what) {
  Record record;
  if (!record.ParseFromString(bytes)) {
    return absl::DataLossError(std::string("unparsable stored ") + what);
  }
  return record;
}

// The 16-byte data id of a segment; kDataLoss if the stored bytes are not one.
absl::StatusOr<ec::DataId> SegmentDataId(const meta::Segment& segment);
std::string DataIdBytes(const ec::DataId& data_id);

// ETags compare without quotes and case-insensitively (clients echo them
// back in different forms).
bool SameEtag(const std::string& a, const std::string& b);

// ---- Versioning and object lock ----
// "null" or 32 lowercase hex digits, the forms this node hands out.
bool IsWellFormedVersionId(const std::string& version_id);
// A fresh version id: 16 hex digits of the inverted time (so one proposer's
// ids sort newest first) and 16 random ones.
std::string NewVersionId(absl::Time now, uint64_t random);
meta::RetentionMode ToRecord(s3::RetentionMode mode);
s3::RetentionMode FromRecord(meta::RetentionMode mode);
meta::LegalHoldStatus ToRecord(s3::LegalHold legal_hold);
s3::LegalHold FromRecord(meta::LegalHoldStatus legal_hold);
meta::VersioningState ToRecord(s3::VersioningState state);
s3::VersioningState FromRecord(meta::VersioningState state);

}  // namespace hamster::node

#endif  // HAMSTER_NODE_SRC_RECORDS_H_
