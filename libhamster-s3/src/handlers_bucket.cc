// Bucket operations: ListBuckets, Create/Head/DeleteBucket, GetBucketLocation
// and bucket tagging. Versioning lives in handlers_versioning.cc.
#include "absl/strings/str_cat.h"
#include "hamster/s3/errors.h"
#include "src/handler_context.h"
#include "src/xml.h"
#include "src/strings.h"

namespace hamster::s3 {
namespace {

constexpr size_t kMaxBucketTags = 50;
constexpr size_t kMaxConfigurationBytes = 64 * 1024;

void WriteOwner(XmlWriter& xml, std::string_view owner) {
  xml.Open("Owner");
  xml.Element("ID", owner);
  xml.Element("DisplayName", owner);
  xml.Close();
}

}  // namespace

std::string TagSetXml(const Tags& tags) {
  XmlWriter xml("Tagging");
  xml.Open("TagSet");
  for (const auto& [key, value] : tags) {
    xml.Open("Tag");
    xml.Element("Key", key);
    xml.Element("Value", value);
    xml.Close();
  }
  return xml.Finish();
}

absl::Status ListBuckets(HandlerContext& context) {
  absl::StatusOr<std::vector<BucketInfo>> buckets = context.backend.ListBuckets();
  if (!buckets.ok()) return buckets.status();
  XmlWriter xml("ListAllMyBucketsResult");
  WriteOwner(xml, context.auth.access_key_id);
  xml.Open("Buckets");
  for (const BucketInfo& bucket : *buckets) {
    xml.Open("Bucket");
    xml.Element("Name", bucket.name);
    xml.Element("CreationDate", FormatIsoTime(bucket.created));
    xml.Close();
  }
  return SendXml(context, 200, xml.Finish());
}

absl::Status CreateBucket(HandlerContext& context) {
  if (!IsValidBucketName(context.bucket())) {
    return Error(ErrorCode::kInvalidBucketName, "The specified bucket is not valid.");
  }
  // A CreateBucketConfiguration may name a location; one node serves one
  // region, so the body only has to be readable.
  absl::StatusOr<std::string> body = ReadSmallBody(context, kMaxConfigurationBytes);
  if (!body.ok()) return body.status();
  absl::StatusOr<std::string> location = ParseCreateBucketConfiguration(*body);
  if (!location.ok()) return location.status();
  if (!location->empty() && *location != context.options.region &&
      !(*location == "US" && context.options.region == "us-east-1")) {
    return Error(ErrorCode::kInvalidLocationConstraint,
                 Cat("this server serves region ", context.options.region, ", not ", *location));
  }
  CreateBucketRequest request{.bucket = context.bucket(), .owner = context.auth.access_key_id};
  if (std::optional<std::string> lock = context.Header("x-amz-bucket-object-lock-enabled")) {
    request.object_lock_enabled = Lowercase(*lock) == "true";
  }
  absl::Status created = context.backend.CreateBucket(request);
  if (!created.ok()) return created;
  return SendEmpty(context, 200, {{"location", Cat("/", context.bucket())}});
}

absl::Status HeadBucket(HandlerContext& context) {
  absl::StatusOr<BucketInfo> bucket = context.backend.GetBucket(context.bucket());
  if (!bucket.ok()) return bucket.status();
  return SendEmpty(context, 200, {{"x-amz-bucket-region", context.options.region}});
}

absl::Status DeleteBucket(HandlerContext& context) {
  absl::Status deleted = context.backend.DeleteBucket(context.bucket());
  if (!deleted.ok()) return deleted;
  return SendEmpty(context, 204);
}

absl::Status GetBucketLocation(HandlerContext& context) {
  absl::StatusOr<BucketInfo> bucket = context.backend.GetBucket(context.bucket());
  if (!bucket.ok()) return bucket.status();
  // S3 reports us-east-1 as an empty constraint.
  XmlWriter xml("LocationConstraint");
  if (context.options.region != "us-east-1") xml.Text(context.options.region);
  return SendXml(context, 200, xml.Finish());
}

absl::Status GetBucketTagging(HandlerContext& context) {
  absl::StatusOr<Tags> tags = context.backend.GetBucketTags(context.bucket());
  if (!tags.ok()) return tags.status();
  return SendXml(context, 200, TagSetXml(*tags));
}

absl::Status PutBucketTagging(HandlerContext& context) {
  absl::StatusOr<std::string> body = ReadSmallBody(context, kMaxConfigurationBytes);
  if (!body.ok()) return body.status();
  absl::StatusOr<Tags> tags = ParseTagging(*body, kMaxBucketTags);
  if (!tags.ok()) return tags.status();
  absl::Status stored = context.backend.PutBucketTags(context.bucket(), *tags);
  if (!stored.ok()) return stored;
  return SendEmpty(context, 204);
}

absl::Status DeleteBucketTagging(HandlerContext& context) {
  absl::Status deleted = context.backend.DeleteBucketTags(context.bucket());
  if (!deleted.ok()) return deleted;
  return SendEmpty(context, 204);
}

}  // namespace hamster::s3
