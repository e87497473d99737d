// Versioning: PutBucketVersioning, GetBucketVersioning and ListObjectVersions.
// The Backend scans versions in (key, newest first) order; delimiter grouping
// and markers live here, as for ListObjects (handlers_list.cc).
#include "absl/strings/str_cat.h"
#include "hamster/s3/errors.h"
#include "src/handler_context.h"
#include "src/strings.h"
#include "src/versioning_xml.h"
#include "src/xml.h"

namespace hamster::s3 {
namespace {

constexpr size_t kMaxKeys = 1000;
constexpr size_t kMaxConfigurationBytes = 64 * 1024;
// 0xFF never occurs in UTF-8, so prefix + "\xff" sorts after every key that
// starts with prefix.
constexpr char kAfterEveryUtf8Suffix = '\xff';

struct VersionListing {
  std::vector<ObjectInfo> versions;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_version_id_marker;
};

absl::StatusOr<VersionListing> CollectVersions(HandlerContext& context,
                                               ScanObjectVersionsRequest request,
                                               const std::string& delimiter, size_t max_keys) {
  VersionListing listing;
  size_t count = 0;
  while (true) {
    request.limit = max_keys - count + 1;
    absl::StatusOr<std::vector<ObjectInfo>> batch = context.backend.ScanObjectVersions(request);
    if (!batch.ok()) return batch.status();
    bool skipped_prefix = false;
    for (ObjectInfo& version : *batch) {
      std::string common_prefix;
      if (!delimiter.empty()) {
        const size_t position = version.key.find(delimiter, request.prefix.size());
        if (position != std::string::npos) {
          common_prefix = version.key.substr(0, position + delimiter.size());
        }
      }
      if (count == max_keys) {
        listing.truncated = true;
        return listing;
      }
      ++count;
      if (common_prefix.empty()) {
        request.key_marker = listing.next_key_marker = version.key;
        request.version_id_marker = listing.next_version_id_marker = version.version_id;
        listing.versions.push_back(std::move(version));
        continue;
      }
      listing.next_key_marker = common_prefix;
      listing.next_version_id_marker.clear();
      listing.common_prefixes.push_back(common_prefix);
      // One seek past every version under the common prefix.
      request.key_marker = common_prefix + kAfterEveryUtf8Suffix;
      request.version_id_marker.clear();
      skipped_prefix = true;
      break;
    }
    if (!skipped_prefix && batch->size() < request.limit) return listing;
  }
}

void WriteVersion(XmlWriter& xml, const ObjectInfo& version, bool url) {
  xml.Open(version.delete_marker ? "DeleteMarker" : "Version");
  xml.Element("Key", ListingText(version.key, url));
  xml.Element("VersionId", version.version_id);
  xml.Element("IsLatest", version.is_latest ? "true" : "false");
  xml.Element("LastModified", FormatIsoTime(version.last_modified));
  if (!version.delete_marker) {
    xml.Element("ETag", Quoted(version.etag));
    xml.Element("Size", Cat(version.size));
  }
  xml.Open("Owner");
  xml.Element("ID", version.owner);
  xml.Element("DisplayName", version.owner);
  xml.Close();
  if (!version.delete_marker) xml.Element("StorageClass", "STANDARD");
  xml.Close();
}

}  // namespace

absl::Status GetBucketVersioning(HandlerContext& context) {
  absl::StatusOr<BucketInfo> bucket = context.backend.GetBucket(context.bucket());
  if (!bucket.ok()) return bucket.status();
  return SendXml(context, 200, VersioningConfigurationXml(bucket->versioning));
}

absl::Status PutBucketVersioning(HandlerContext& context) {
  absl::StatusOr<std::string> body = ReadSmallBody(context, kMaxConfigurationBytes);
  if (!body.ok()) return body.status();
  absl::StatusOr<std::optional<VersioningState>> state = ParseVersioningConfiguration(*body);
  if (!state.ok()) return state.status();
  if (!state->has_value()) {
    // Nothing to change; the bucket must still exist.
    absl::StatusOr<BucketInfo> bucket = context.backend.GetBucket(context.bucket());
    if (!bucket.ok()) return bucket.status();
    return SendEmpty(context, 200);
  }
  absl::Status stored = context.backend.PutBucketVersioning(context.bucket(), **state);
  if (!stored.ok()) return stored;
  return SendEmpty(context, 200);
}

absl::Status ListObjectVersions(HandlerContext& context) {
  absl::StatusOr<bool> url_encoding = UrlEncodingRequested(context);
  if (!url_encoding.ok()) return url_encoding.status();
  const bool url = *url_encoding;
  size_t max_keys = kMaxKeys;
  if (context.HasQuery("max-keys")) {
    int value = 0;
    if (!ParseInteger(context.Query("max-keys"), &value) || value < 0) {
      return Error(ErrorCode::kInvalidArgument, "max-keys must be a non-negative integer");
    }
    max_keys = std::min<size_t>(value, kMaxKeys);
  }
  const std::string key_marker = context.Query("key-marker");
  const std::string version_id_marker = context.Query("version-id-marker");
  if (!version_id_marker.empty() && key_marker.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "A version-id marker cannot be specified without a key marker.");
  }
  const std::string prefix = context.Query("prefix");
  const std::string delimiter = context.Query("delimiter");
  ScanObjectVersionsRequest request{.bucket = context.bucket(),
                                    .prefix = prefix,
                                    .key_marker = key_marker,
                                    .version_id_marker = version_id_marker};
  // A previous page's NextKeyMarker may be a common prefix: pass all of it.
  if (!delimiter.empty() && version_id_marker.empty() && key_marker.starts_with(prefix) &&
      key_marker.size() >= delimiter.size() &&
      key_marker.find(delimiter, prefix.size()) == key_marker.size() - delimiter.size()) {
    request.key_marker = key_marker + kAfterEveryUtf8Suffix;
  }
  absl::StatusOr<VersionListing> listing = CollectVersions(context, request, delimiter, max_keys);
  if (!listing.ok()) return listing.status();

  XmlWriter xml("ListVersionsResult");
  xml.Element("Name", context.bucket());
  xml.Element("Prefix", ListingText(prefix, url));
  xml.Element("KeyMarker", ListingText(key_marker, url));
  xml.Element("VersionIdMarker", version_id_marker);
  if (listing->truncated) {
    xml.Element("NextKeyMarker", ListingText(listing->next_key_marker, url));
    xml.Element("NextVersionIdMarker", listing->next_version_id_marker);
  }
  xml.Element("MaxKeys", Cat(max_keys));
  if (!delimiter.empty()) xml.Element("Delimiter", ListingText(delimiter, url));
  if (url) xml.Element("EncodingType", "url");
  xml.Element("IsTruncated", listing->truncated ? "true" : "false");
  for (const ObjectInfo& version : listing->versions) WriteVersion(xml, version, url);
  WriteCommonPrefixes(xml, listing->common_prefixes, url);
  return SendXml(context, 200, xml.Finish());
}

}  // namespace hamster::s3
