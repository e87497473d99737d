// Object operations: PutObject, GetObject/HeadObject, DeleteObject(s) and
// object tagging. CopyObject lives in handlers_copy.cc.
#include <algorithm>
#include <array>

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

constexpr size_t kMaxDeleteRequestBytes = 2 * 1024 * 1024;
constexpr size_t kMaxTaggingBytes = 64 * 1024;
constexpr size_t kStreamBufferBytes = 1024 * 1024;

// response-* query parameters override the stored headers of a GET.
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kResponseOverrides = {{
    {"response-content-type", "content-type"},
    {"response-content-language", "content-language"},
    {"response-expires", "expires"},
    {"response-cache-control", "cache-control"},
    {"response-content-disposition", "content-disposition"},
    {"response-content-encoding", "content-encoding"},
}};

std::optional<std::string> VersionId(const HandlerContext& context) {
  if (!context.HasQuery("versionId")) return std::nullopt;
  return context.Query("versionId");
}

void ApplyResponseOverrides(const HandlerContext& context, std::vector<HttpHeader>& headers) {
  for (const auto& [parameter, header_name] : kResponseOverrides) {
    if (!context.HasQuery(parameter)) continue;
    std::erase_if(headers, [&](const HttpHeader& header) { return header.name == header_name; });
    headers.push_back({std::string(header_name), context.Query(parameter)});
  }
}

// The byte range a GET serves: a Range header, or ?partNumber of a multipart
// object; nullopt for the whole object.
absl::StatusOr<std::optional<ByteRange>> RequestedRange(const HandlerContext& context,
                                                        const ObjectInfo& info) {
  if (context.HasQuery("partNumber")) {
    int part_number = 0;
    const size_t part_count = std::max<size_t>(info.part_sizes.size(), 1);
    if (!ParseInteger(context.Query("partNumber"), &part_number) || part_number < 1 ||
        part_number > 10000) {
      return Error(ErrorCode::kInvalidArgument, "Part number must be an integer in 1..10000");
    }
    if (static_cast<size_t>(part_number) > part_count) {
      return Error(ErrorCode::kInvalidPartNumber, "The requested partnumber is not satisfiable");
    }
    if (context.Header("range").has_value()) {
      return Error(ErrorCode::kInvalidRequest, "Cannot specify both Range header and partNumber");
    }
    if (info.part_sizes.empty()) return ByteRange{.offset = 0, .length = info.size};
    uint64_t offset = 0;
    for (int i = 0; i < part_number - 1; ++i) offset += info.part_sizes[i];
    return ByteRange{.offset = offset, .length = info.part_sizes[part_number - 1]};
  }
  std::optional<std::string> range = context.Header("range");
  if (!range.has_value()) return std::nullopt;
  return ParseRange(*range, info.size);
}

absl::Status StreamRange(HandlerContext& context, ObjectReader& reader, const ByteRange& range) {
  absl::StatusOr<std::unique_ptr<BodyReader>> body = reader.OpenRange(range.offset, range.length);
  if (!body.ok()) return body.status();
  std::vector<uint8_t> buffer(std::min<uint64_t>(kStreamBufferBytes, std::max<uint64_t>(range.length, 1)));
  uint64_t sent = 0;
  while (sent < range.length) {
    absl::StatusOr<size_t> read = (*body)->Read(buffer);
    if (!read.ok()) return read.status();
    if (*read == 0) {
      return absl::DataLossError(Cat("object data ended after ", sent, " of ",
                                              range.length, " bytes"));
    }
    absl::Status written = context.response.Write({buffer.data(), *read});
    if (!written.ok()) return written;
    sent += *read;
  }
  return context.response.Finish();
}

absl::Status RespondNotModified(HandlerContext& context, const ObjectInfo& info) {
  return SendEmpty(context, 304,
                   {{"etag", Quoted(info.etag)},
                    {"last-modified", FormatHttpDate(info.last_modified)}});
}

}  // namespace

absl::Status PutObject(HandlerContext& context) {
  const bool declared_length = context.http.content_length.has_value() ||
                               context.Header("x-amz-decoded-content-length").has_value();
  if (!declared_length) {
    return Error(ErrorCode::kMissingContentLength, "You must provide the Content-Length HTTP header.");
  }
  absl::StatusOr<PutObjectRequest> request = WriteRequestFromHeaders(context);
  if (!request.ok()) return request.status();
  if (absl::Status s = ObjectLockFromHeaders(context, &request->retention, &request->legal_hold);
      !s.ok()) {
    return s;
  }
  if (HasObjectLockHeaders(context) && !HasIntegrityHeader(context)) {
    return Error(ErrorCode::kInvalidRequest,
                 "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests "
                 "with Object Lock parameters");
  }
  absl::StatusOr<std::unique_ptr<Payload>> payload = OpenPayload(context);
  if (!payload.ok()) return payload.status();
  absl::StatusOr<ObjectInfo> stored = context.backend.PutObject(*request, **payload);
  if (!stored.ok()) return stored.status();
  std::vector<HttpHeader> headers = {{"etag", Quoted(stored->etag)}};
  if (stored->version_id != "null") headers.push_back({"x-amz-version-id", stored->version_id});
  for (const auto& [algorithm, value] : (*payload)->verified_checksums()) {
    headers.push_back({Cat("x-amz-checksum-", algorithm), value});
  }
  AppendEncryptionHeaders(stored->encryption, headers);
  return SendEmpty(context, 200, std::move(headers));
}

absl::Status GetObject(HandlerContext& context, bool head) {
  // Encryption at rest: an SSE-C object needs its key, for HEAD too.
  absl::StatusOr<std::optional<CustomerKey>> customer_key =
      CustomerKeyFromHeaders(context.http, "");
  if (!customer_key.ok()) return customer_key.status();
  std::unique_ptr<ObjectReader> reader;
  ObjectInfo info;
  if (head) {
    absl::StatusOr<ObjectInfo> stat =
        context.backend.StatObject(context.bucket(), context.key(), VersionId(context));
    if (!stat.ok()) return stat.status();
    info = *std::move(stat);
  } else {
    absl::StatusOr<std::unique_ptr<ObjectReader>> opened =
        context.backend.OpenObject(context.bucket(), context.key(), VersionId(context));
    if (!opened.ok()) return opened.status();
    reader = *std::move(opened);
    info = reader->info();
  }
  if (absl::Status s = CheckReadKey(info, *customer_key); !s.ok()) return s;
  if (reader != nullptr && customer_key->has_value()) {
    if (absl::Status s = reader->UseCustomerKey(**customer_key); !s.ok()) return s;
  }
  switch (EvaluateConditions(context.http, info, "")) {
    case ConditionOutcome::kNotModified:
      return RespondNotModified(context, info);
    case ConditionOutcome::kPreconditionFailed:
      return Error(ErrorCode::kPreconditionFailed,
                   "At least one of the pre-conditions you specified did not hold");
    case ConditionOutcome::kProceed:
      break;
  }
  absl::StatusOr<std::optional<ByteRange>> range = RequestedRange(context, info);
  if (!range.ok()) {
    if (ErrorCodeOf(range.status()) != ErrorCode::kInvalidRange) return range.status();
    // S3 tells the client the size it can ask for.
    return SendError(context, range.status(),
                     {{"content-range", Cat("bytes */", info.size)}});
  }
  std::vector<HttpHeader> headers;
  // Stored checksums cover the whole object: a part of it gets none, as in S3.
  const bool whole_object = !range->has_value() && !context.HasQuery("partNumber");
  AppendObjectHeaders(info, whole_object && context.Header("x-amz-checksum-mode") == "ENABLED",
                      headers);
  AppendVersionHeaders(info, headers);
  AppendEncryptionHeaders(info.encryption, headers);
  ApplyResponseOverrides(context, headers);
  if (context.HasQuery("partNumber")) {
    headers.push_back({"x-amz-mp-parts-count",
                       Cat(std::max<size_t>(info.part_sizes.size(), 1))});
  }
  const ByteRange served = range->value_or(ByteRange{.offset = 0, .length = info.size});
  int status = 200;
  if (range->has_value()) {
    status = 206;
    headers.push_back({"content-range", Cat("bytes ", served.offset, "-",
                                                     served.offset + served.length - 1, "/",
                                                     info.size)});
  }
  absl::Status started =
      context.response.Start(status, ResponseHeaders(context, std::move(headers)), served.length);
  if (!started.ok()) return started;
  if (head || served.length == 0) return context.response.Finish();
  return StreamRange(context, *reader, served);
}

absl::Status DeleteObject(HandlerContext& context) {
  absl::StatusOr<bool> bypass = BypassGovernanceRetention(context);
  if (!bypass.ok()) return bypass.status();
  absl::StatusOr<DeleteObjectResult> deleted =
      context.backend.DeleteObject({.bucket = context.bucket(),
                                    .key = context.key(),
                                    .version_id = VersionId(context),
                                    .owner = context.auth.access_key_id,
                                    .bypass_governance_retention = *bypass});
  if (!deleted.ok()) return deleted.status();
  std::vector<HttpHeader> headers;
  if (deleted->delete_marker) headers.push_back({"x-amz-delete-marker", "true"});
  // A null version is named only when the client named it or it is a marker.
  if (!deleted->version_id.empty() &&
      (deleted->version_id != "null" || deleted->delete_marker || context.HasQuery("versionId"))) {
    headers.push_back({"x-amz-version-id", deleted->version_id});
  }
  return SendEmpty(context, 204, std::move(headers));
}

absl::Status DeleteObjects(HandlerContext& context) {
  // S3 requires proof that the list of keys arrived intact.
  if (!HasIntegrityHeader(context)) {
    return Error(ErrorCode::kInvalidRequest,
                 "Missing required header for this request: Content-MD5");
  }
  absl::StatusOr<std::string> body = ReadSmallBody(context, kMaxDeleteRequestBytes);
  if (!body.ok()) return body.status();
  absl::StatusOr<DeleteObjectsRequest> request = ParseDeleteObjects(*body);
  if (!request.ok()) return request.status();
  absl::StatusOr<bool> bypass = BypassGovernanceRetention(context);
  if (!bypass.ok()) return bypass.status();
  XmlWriter xml("DeleteResult");
  for (const ObjectToDelete& object : request->objects) {
    absl::StatusOr<DeleteObjectResult> deleted =
        object.key.size() > 1024
            ? Error(ErrorCode::kKeyTooLongError, "Your key is too long (more than 1024 bytes).")
            : context.backend.DeleteObject({.bucket = context.bucket(),
                                            .key = object.key,
                                            .version_id = object.version_id,
                                            .owner = context.auth.access_key_id,
                                            .bypass_governance_retention = *bypass});
    if (deleted.ok()) {
      if (request->quiet) continue;
      xml.Open("Deleted");
      xml.Element("Key", object.key);
      if (object.version_id.has_value()) xml.Element("VersionId", *object.version_id);
      if (deleted->delete_marker) {
        xml.Element("DeleteMarker", "true");
        // The marker this delete added (without a version id in the request).
        if (!object.version_id.has_value()) {
          xml.Element("DeleteMarkerVersionId", deleted->version_id);
        }
      }
      xml.Close();
      continue;
    }
    // A missing bucket fails the whole request, as in S3.
    if (ErrorCodeOf(deleted.status()) == ErrorCode::kNoSuchBucket) return deleted.status();
    xml.Open("Error");
    xml.Element("Key", object.key);
    if (object.version_id.has_value()) xml.Element("VersionId", *object.version_id);
    xml.Element("Code",
                ErrorCodeName(ErrorCodeOf(deleted.status()).value_or(ErrorCode::kInternalError)));
    xml.Element("Message", ToStd(deleted.status().message()));
    xml.Close();
  }
  return SendXml(context, 200, xml.Finish());
}

absl::Status GetObjectTagging(HandlerContext& context) {
  absl::StatusOr<Tags> tags =
      context.backend.GetObjectTags(context.bucket(), context.key(), VersionId(context));
  if (!tags.ok()) return tags.status();
  return SendXml(context, 200, TagSetXml(*tags));
}

absl::Status PutObjectTagging(HandlerContext& context) {
  absl::StatusOr<std::string> body = ReadSmallBody(context, kMaxTaggingBytes);
  if (!body.ok()) return body.status();
  absl::StatusOr<Tags> tags = ParseTagging(*body, kMaxObjectTags);
  if (!tags.ok()) return tags.status();
  absl::Status stored =
      context.backend.PutObjectTags(context.bucket(), context.key(), VersionId(context), *tags);
  if (!stored.ok()) return stored;
  return SendEmpty(context, 200);
}

absl::Status DeleteObjectTagging(HandlerContext& context) {
  absl::Status stored =
      context.backend.PutObjectTags(context.bucket(), context.key(), VersionId(context), Tags());
  if (!stored.ok()) return stored;
  return SendEmpty(context, 204);
}

}  // namespace hamster::s3
