// ListObjects (v1) and ListObjectsV2. The Backend only scans keys in order;
// delimiter grouping happens here, skipping past each common prefix with one
// seek so a prefix holding millions of keys costs one scan step.
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "hamster/s3/errors.h"
#include "hamster/s3/sigv4.h"
#include "src/handler_context.h"
#include "src/xml.h"
#include "src/strings.h"

namespace hamster::s3 {
namespace {

constexpr size_t kMaxKeys = 1000;
// 0xFF never occurs in UTF-8, so prefix + "\xff" sorts after every key that
// starts with prefix.
constexpr char kAfterEveryUtf8Suffix = '\xff';

struct Listing {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string last_returned;  // key or common prefix; NextMarker of v1
  std::string resume_after;   // where the next page scans from
};

absl::StatusOr<Listing> Collect(HandlerContext& context, const std::string& prefix,
                                const std::string& delimiter, std::string cursor,
                                size_t max_keys) {
  Listing listing;
  size_t count = 0;
  while (true) {
    const size_t wanted = max_keys - count + 1;
    absl::StatusOr<std::vector<ObjectInfo>> batch = context.backend.ScanObjects(
        {.bucket = context.bucket(), .prefix = prefix, .start_after = cursor, .limit = wanted});
    if (!batch.ok()) return batch.status();
    if (batch->empty()) return listing;
    for (ObjectInfo& object : *batch) {
      if (object.key <= cursor) continue;  // inside a common prefix skipped below
      std::string common_prefix;
      if (!delimiter.empty()) {
        const size_t position = object.key.find(delimiter, prefix.size());
        if (position != std::string::npos) {
          common_prefix = object.key.substr(0, position + delimiter.size());
        }
      }
      if (count == max_keys) {
        listing.truncated = true;
        return listing;
      }
      ++count;
      if (common_prefix.empty()) {
        cursor = object.key;
        listing.last_returned = object.key;
        listing.resume_after = object.key;
        listing.objects.push_back(std::move(object));
      } else {
        listing.last_returned = common_prefix;
        cursor = common_prefix + kAfterEveryUtf8Suffix;
        listing.resume_after = cursor;
        listing.common_prefixes.push_back(std::move(common_prefix));
      }
    }
    if (batch->size() < wanted && cursor >= batch->back().key) return listing;
  }
}

// Where a listing starts: keys after the marker, and after every key of a
// common prefix the marker names (a v1 NextMarker can be a common prefix).
std::string StartCursor(const std::string& marker, const std::string& prefix,
                        const std::string& delimiter) {
  if (!delimiter.empty() && marker.size() >= delimiter.size() && marker.starts_with(prefix) &&
      marker.find(delimiter, prefix.size()) == marker.size() - delimiter.size()) {
    return marker + kAfterEveryUtf8Suffix;
  }
  return marker;
}

void WriteObject(XmlWriter& xml, const ObjectInfo& object, bool owner,
                 const std::function<std::string(std::string_view)>& encode) {
  xml.Open("Contents");
  xml.Element("Key", encode(object.key));
  xml.Element("LastModified", FormatIsoTime(object.last_modified));
  xml.Element("ETag", Quoted(object.etag));
  xml.Element("Size", Cat(object.size));
  if (owner) {
    xml.Open("Owner");
    xml.Element("ID", object.owner);
    xml.Element("DisplayName", object.owner);
    xml.Close();
  }
  xml.Element("StorageClass", "STANDARD");
  xml.Close();
}

}  // namespace

absl::Status ListObjects(HandlerContext& context, bool v2) {
  absl::StatusOr<bool> url_encoding = UrlEncodingRequested(context);
  if (!url_encoding.ok()) return url_encoding.status();
  const bool url = *url_encoding;
  const auto encode = [url](std::string_view text) { return ListingText(text, url); };
  size_t max_keys = kMaxKeys;
  if (context.HasQuery("max-keys")) {
    int value = 0;
    if (!ParseInteger(context.Query("max-keys"), &value) || value < 0) {
      return Error(ErrorCode::kInvalidArgument, "max-keys must be a non-negative integer");
    }
    max_keys = std::min<size_t>(value, kMaxKeys);
  }
  const std::string prefix = context.Query("prefix");
  const std::string delimiter = context.Query("delimiter");
  std::string marker = context.Query(v2 ? "start-after" : "marker");
  std::string cursor = StartCursor(marker, prefix, delimiter);
  if (v2 && context.HasQuery("continuation-token")) {
    std::string decoded;
    if (!absl::WebSafeBase64Unescape(context.Query("continuation-token"), &decoded)) {
      return Error(ErrorCode::kInvalidArgument, "The continuation token provided is incorrect");
    }
    cursor = std::max(cursor, decoded);
  }
  absl::StatusOr<Listing> listing = Collect(context, prefix, delimiter, cursor, max_keys);
  if (!listing.ok()) return listing.status();

  XmlWriter xml("ListBucketResult");
  xml.Element("Name", context.bucket());
  xml.Element("Prefix", encode(prefix));
  if (!delimiter.empty()) xml.Element("Delimiter", encode(delimiter));
  xml.Element("MaxKeys", Cat(max_keys));
  if (url) xml.Element("EncodingType", "url");
  xml.Element("IsTruncated", listing->truncated ? "true" : "false");
  if (v2) {
    xml.Element("KeyCount",
                Cat(listing->objects.size() + listing->common_prefixes.size()));
    if (context.HasQuery("start-after")) xml.Element("StartAfter", encode(marker));
    if (context.HasQuery("continuation-token")) {
      xml.Element("ContinuationToken", context.Query("continuation-token"));
    }
    if (listing->truncated) {
      xml.Element("NextContinuationToken", absl::WebSafeBase64Escape(listing->resume_after));
    }
  } else {
    xml.Element("Marker", encode(marker));
    // S3 sends NextMarker only with a delimiter; without one clients use the last key.
    if (listing->truncated && !delimiter.empty()) {
      xml.Element("NextMarker", encode(listing->last_returned));
    }
  }
  const bool owner = !v2 || context.Query("fetch-owner") == "true";
  for (const ObjectInfo& object : listing->objects) WriteObject(xml, object, owner, encode);
  WriteCommonPrefixes(xml, listing->common_prefixes, url);
  return SendXml(context, 200, xml.Finish());
}

void WriteCommonPrefixes(XmlWriter& xml, const std::vector<std::string>& prefixes, bool url) {
  for (const std::string& common_prefix : prefixes) {
    xml.Open("CommonPrefixes");
    xml.Element("Prefix", ListingText(common_prefix, url));
    xml.Close();
  }
}

}  // namespace hamster::s3
