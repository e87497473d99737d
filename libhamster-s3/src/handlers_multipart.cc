// Multipart uploads: Create, UploadPart, Complete, Abort, ListParts and
// ListMultipartUploads. UploadPartCopy lives in handlers_copy.cc.
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "hamster/s3/errors.h"
#include "src/handler_context.h"
#include "src/object_headers.h"
#include "src/sse.h"
#include "src/strings.h"
#include "src/xml.h"

namespace hamster::s3 {
namespace {

constexpr size_t kMaxCompleteRequestBytes = 4 * 1024 * 1024;
constexpr int kMaxPartNumber = 10000;
constexpr size_t kMaxListEntries = 1000;

// A non-negative integer query parameter capped at kMaxListEntries, or `fallback`.
absl::StatusOr<size_t> ListLimit(const HandlerContext& context, std::string_view name,
                                 size_t fallback) {
  if (!context.HasQuery(name)) return fallback;
  int value = 0;
  if (!ParseInteger(context.Query(name), &value) || value < 0) {
    return Error(ErrorCode::kInvalidArgument,
                 Cat("Argument ", name, " must be an integer between 0 and 2147483647"));
  }
  return std::min<size_t>(value, kMaxListEntries);
}

struct UploadListing {
  std::vector<MultipartUploadInfo> uploads;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};

// One page of uploads, uploads under a common prefix rolled up into it (the
// same rules as ListObjects; handlers_list.cc).
absl::StatusOr<UploadListing> CollectUploads(HandlerContext& context, ScanUploadsRequest request,
                                             const std::string& delimiter, size_t max_entries) {
  UploadListing listing;
  size_t count = 0;
  while (true) {
    request.limit = max_entries - count + 1;
    absl::StatusOr<std::vector<MultipartUploadInfo>> batch = context.backend.ScanUploads(request);
    if (!batch.ok()) return batch.status();
    bool skipped_prefix = false;
    for (MultipartUploadInfo& upload : *batch) {
      std::string common_prefix;
      if (!delimiter.empty()) {
        const size_t position = upload.key.find(delimiter, request.prefix.size());
        if (position != std::string::npos) {
          common_prefix = upload.key.substr(0, position + delimiter.size());
        }
      }
      const bool already_listed = !common_prefix.empty() && common_prefix <= request.key_marker;
      if (!already_listed) {
        if (count == max_entries) {
          listing.truncated = true;
          return listing;
        }
        ++count;
      }
      if (common_prefix.empty()) {
        request.key_marker = listing.next_key_marker = upload.key;
        request.upload_id_marker = listing.next_upload_id_marker = upload.upload_id;
        listing.uploads.push_back(std::move(upload));
        continue;
      }
      // A marker naming a common prefix (a previous page's NextKeyMarker)
      // passes it; otherwise the prefix is listed once.
      if (!already_listed) {
        listing.next_key_marker = common_prefix;
        listing.next_upload_id_marker.clear();
        listing.common_prefixes.push_back(common_prefix);
      }
      // 0xFF never occurs in UTF-8: this marker passes every key under the prefix.
      request.key_marker = common_prefix + '\xff';
      request.upload_id_marker.clear();
      skipped_prefix = true;
      break;
    }
    if (!skipped_prefix && batch->size() < request.limit) return listing;
  }
}

void WriteInitiatorAndOwner(XmlWriter& xml, std::string_view owner) {
  for (std::string_view element : {"Initiator", "Owner"}) {
    xml.Open(element);
    xml.Element("ID", owner);
    xml.Element("DisplayName", owner);
    xml.Close();
  }
}

}  // namespace

absl::Status CreateMultipartUpload(HandlerContext& context) {
  absl::StatusOr<PutObjectRequest> request = WriteRequestFromHeaders(context);
  if (!request.ok()) return request.status();
  if (absl::Status s = ObjectLockFromHeaders(context, &request->retention, &request->legal_hold);
      !s.ok()) {
    return s;
  }
  const EncryptionRequest& encryption = request->encryption;
  ObjectEncryption echoed{.mode = encryption.mode,
                          .customer_key_md5_base64 = encryption.customer_key
                                                         ? encryption.customer_key->key_md5_base64
                                                         : ""};
  // As PutObject, the response names the encryption a bucket default applies
  // (S3 sends x-amz-server-side-encryption then too). Read before the upload
  // is created, as the backend reads it; without a default (or bucket) there
  // is nothing to echo and CreateMultipartUpload reports a missing bucket.
  if (echoed.mode == EncryptionMode::kNone) {
    absl::StatusOr<BucketEncryption> bucket_default =
        context.backend.GetBucketEncryption(context.bucket());
    if (bucket_default.ok()) echoed.mode = bucket_default->mode;
  }
  absl::StatusOr<std::string> upload_id = context.backend.CreateMultipartUpload(*request);
  if (!upload_id.ok()) return upload_id.status();
  XmlWriter xml("InitiateMultipartUploadResult");
  xml.Element("Bucket", context.bucket());
  xml.Element("Key", context.key());
  xml.Element("UploadId", *upload_id);
  std::vector<HttpHeader> headers;
  AppendEncryptionHeaders(echoed, headers);
  return SendXml(context, 200, xml.Finish(), std::move(headers));
}

absl::Status UploadPart(HandlerContext& context) {
  int part_number = 0;
  if (!ParseInteger(context.Query("partNumber"), &part_number) || part_number < 1 ||
      part_number > kMaxPartNumber || !context.HasQuery("uploadId")) {
    return Error(ErrorCode::kInvalidArgument,
                 "UploadPart needs uploadId and a partNumber in 1..10000");
  }
  absl::StatusOr<std::optional<CustomerKey>> customer_key =
      CustomerKeyFromHeaders(context.http, "");
  if (!customer_key.ok()) return customer_key.status();
  absl::StatusOr<std::unique_ptr<Payload>> payload = OpenPayload(context);
  if (!payload.ok()) return payload.status();
  std::optional<uint64_t> size = context.http.content_length;
  if (std::optional<std::string> decoded = context.Header("x-amz-decoded-content-length")) {
    uint64_t length = 0;
    if (ParseInteger(*decoded, &length)) size = length;
  }
  absl::StatusOr<PartInfo> part =
      context.backend.UploadPart(context.bucket(), context.key(), context.Query("uploadId"),
                                 part_number, size, **payload, *customer_key);
  if (!part.ok()) return part.status();
  std::vector<HttpHeader> headers = {{"etag", Quoted(part->etag)}};
  for (const auto& [algorithm, value] : (*payload)->verified_checksums()) {
    headers.push_back({Cat("x-amz-checksum-", algorithm), value});
  }
  if (customer_key->has_value()) {
    AppendEncryptionHeaders({.mode = EncryptionMode::kCustomer,
                             .customer_key_md5_base64 = (*customer_key)->key_md5_base64},
                            headers);
  }
  return SendEmpty(context, 200, std::move(headers));
}

absl::Status CompleteMultipartUpload(HandlerContext& context) {
  absl::StatusOr<std::string> body = ReadSmallBody(context, kMaxCompleteRequestBytes);
  if (!body.ok()) return body.status();
  absl::StatusOr<std::vector<CompletedPart>> parts = ParseCompleteMultipartUpload(*body);
  if (!parts.ok()) return parts.status();
  absl::StatusOr<ObjectInfo> completed = context.backend.CompleteMultipartUpload(
      context.bucket(), context.key(), context.Query("uploadId"), *parts,
      WriteConditionsFromHeaders(context.http));
  if (!completed.ok()) return completed.status();
  XmlWriter xml("CompleteMultipartUploadResult");
  xml.Element("Location", Cat("/", context.bucket(), "/", context.key()));
  xml.Element("Bucket", context.bucket());
  xml.Element("Key", context.key());
  xml.Element("ETag", Quoted(completed->etag));
  std::vector<HttpHeader> headers;
  if (completed->version_id != "null") {
    headers.push_back({"x-amz-version-id", completed->version_id});
  }
  AppendEncryptionHeaders(completed->encryption, headers);
  return SendXml(context, 200, xml.Finish(), std::move(headers));
}

absl::Status AbortMultipartUpload(HandlerContext& context) {
  absl::Status aborted = context.backend.AbortMultipartUpload(context.bucket(), context.key(),
                                                              context.Query("uploadId"));
  if (!aborted.ok()) return aborted;
  return SendEmpty(context, 204);
}

absl::Status ListParts(HandlerContext& context) {
  absl::StatusOr<size_t> max_parts = ListLimit(context, "max-parts", kMaxListEntries);
  if (!max_parts.ok()) return max_parts.status();
  int marker = 0;
  if (context.HasQuery("part-number-marker") &&
      (!ParseInteger(context.Query("part-number-marker"), &marker) || marker < 0)) {
    return Error(ErrorCode::kInvalidArgument, "part-number-marker must be a non-negative integer");
  }
  // One extra part tells whether the listing is truncated.
  absl::StatusOr<std::vector<PartInfo>> parts = context.backend.ListParts(
      context.bucket(), context.key(), context.Query("uploadId"), marker, *max_parts + 1);
  if (!parts.ok()) return parts.status();
  const bool truncated = parts->size() > *max_parts;
  if (truncated) parts->resize(*max_parts);
  XmlWriter xml("ListPartsResult");
  xml.Element("Bucket", context.bucket());
  xml.Element("Key", context.key());
  xml.Element("UploadId", context.Query("uploadId"));
  WriteInitiatorAndOwner(xml, context.auth.access_key_id);
  xml.Element("StorageClass", "STANDARD");
  xml.Element("PartNumberMarker", Cat(marker));
  if (!parts->empty()) xml.Element("NextPartNumberMarker", Cat(parts->back().part_number));
  xml.Element("MaxParts", Cat(*max_parts));
  xml.Element("IsTruncated", truncated ? "true" : "false");
  for (const PartInfo& part : *parts) {
    xml.Open("Part");
    xml.Element("PartNumber", Cat(part.part_number));
    xml.Element("LastModified", FormatIsoTime(part.last_modified));
    xml.Element("ETag", Quoted(part.etag));
    xml.Element("Size", Cat(part.size));
    xml.Close();
  }
  return SendXml(context, 200, xml.Finish());
}

absl::Status ListMultipartUploads(HandlerContext& context) {
  absl::StatusOr<size_t> max_uploads = ListLimit(context, "max-uploads", kMaxListEntries);
  if (!max_uploads.ok()) return max_uploads.status();
  absl::StatusOr<bool> url = UrlEncodingRequested(context);
  if (!url.ok()) return url.status();
  const auto encode = [url = *url](std::string_view text) { return ListingText(text, url); };
  ScanUploadsRequest request{.bucket = context.bucket(),
                             .prefix = context.Query("prefix"),
                             .key_marker = context.Query("key-marker"),
                             .upload_id_marker = context.Query("upload-id-marker")};
  absl::StatusOr<UploadListing> listing =
      CollectUploads(context, request, context.Query("delimiter"), *max_uploads);
  if (!listing.ok()) return listing.status();
  XmlWriter xml("ListMultipartUploadsResult");
  xml.Element("Bucket", context.bucket());
  xml.Element("KeyMarker", encode(context.Query("key-marker")));
  xml.Element("UploadIdMarker", context.Query("upload-id-marker"));
  if (listing->truncated) {
    xml.Element("NextKeyMarker", encode(listing->next_key_marker));
    xml.Element("NextUploadIdMarker", listing->next_upload_id_marker);
  }
  if (*url) xml.Element("EncodingType", "url");
  xml.Element("Prefix", encode(request.prefix));
  if (context.HasQuery("delimiter")) xml.Element("Delimiter", encode(context.Query("delimiter")));
  xml.Element("MaxUploads", Cat(*max_uploads));
  xml.Element("IsTruncated", listing->truncated ? "true" : "false");
  for (const MultipartUploadInfo& upload : listing->uploads) {
    xml.Open("Upload");
    xml.Element("Key", encode(upload.key));
    xml.Element("UploadId", upload.upload_id);
    WriteInitiatorAndOwner(xml, upload.owner);
    xml.Element("StorageClass", "STANDARD");
    xml.Element("Initiated", FormatIsoTime(upload.initiated));
    xml.Close();
  }
  WriteCommonPrefixes(xml, listing->common_prefixes, *url);
  return SendXml(context, 200, xml.Finish());
}

}  // namespace hamster::s3
