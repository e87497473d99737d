// CopyObject and UploadPartCopy: the source named by x-amz-copy-source, its
// x-amz-copy-source-if-* conditions, and (for parts) a byte range of it.
#include <openssl/evp.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "hamster/s3/errors.h"
#include "hamster/s3/sigv4.h"
#include "src/handler_context.h"
#include "src/object_headers.h"
#include "src/sse.h"
#include "src/strings.h"
#include "src/xml.h"

namespace hamster::s3 {
namespace {


struct CopySource {
  std::string bucket;
  std::string key;
  std::optional<std::string> version_id;
};

absl::StatusOr<CopySource> ParseCopySource(std::string_view header) {
  const auto invalid = [] {
    return Error(ErrorCode::kInvalidArgument,
                 "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  };
  std::string_view text = header;
  CopySource source;
  const size_t question = text.find('?');
  if (question != std::string_view::npos) {
    std::string_view query = text.substr(question + 1);
    text = text.substr(0, question);
    if (!ConsumePrefix(&query, "versionId=")) return invalid();
    source.version_id = PercentDecode(query, false);
  }
  const std::string path = PercentDecode(text, false);
  std::string_view rest = path;
  ConsumePrefix(&rest, "/");
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size()) return invalid();
  source.bucket = std::string(rest.substr(0, slash));
  source.key = std::string(rest.substr(slash + 1));
  return source;
}

// A copy source that is a delete marker: S3 refuses one named by version id
// and reports a current one as a missing key, without the marker headers of
// a read.
absl::Status SourceError(const absl::Status& status) {
  if (!DeleteMarkerVersionOf(status).has_value()) return status;
  if (ErrorCodeOf(status) == ErrorCode::kMethodNotAllowed) {
    return Error(ErrorCode::kInvalidRequest,
                 "The source of a copy request may not specifically refer to a delete marker by "
                 "version id.");
  }
  return Error(ErrorCode::kNoSuchKey, "The specified key does not exist.");
}

absl::Status CheckSourceConditions(const HandlerContext& context, const ObjectInfo& source) {
  if (EvaluateConditions(context.http, source, "x-amz-copy-source-") ==
      ConditionOutcome::kProceed) {
    return absl::OkStatus();
  }
  return Error(ErrorCode::kPreconditionFailed,
               "At least one of the pre-conditions you specified did not hold");
}

// A copied range presented as a payload: the MD5 of what passes through
// becomes the part's ETag, as for an uploaded part.
class Md5Reader : public PayloadReader {
 public:
  explicit Md5Reader(std::unique_ptr<BodyReader> source)
      : source_(std::move(source)), context_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(context_, EVP_md5(), nullptr);
  }
  ~Md5Reader() override { EVP_MD_CTX_free(context_); }

  absl::StatusOr<size_t> Read(std::span<uint8_t> buffer) override {
    absl::StatusOr<size_t> read = source_->Read(buffer);
    if (!read.ok()) return read;
    if (*read > 0) {
      EVP_DigestUpdate(context_, buffer.data(), *read);
    } else if (md5_hex_.empty()) {
      unsigned char digest[EVP_MAX_MD_SIZE];
      unsigned int length = 0;
      EVP_DigestFinal_ex(context_, digest, &length);
      md5_hex_ = HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
    }
    return read;
  }
  std::string_view md5_hex() const override { return md5_hex_; }
  // A copy carries no client checksums; the source's stay with the source.
  const std::map<std::string, std::string>& verified_checksums() const override {
    return no_checksums_;
  }

 private:
  std::unique_ptr<BodyReader> source_;
  EVP_MD_CTX* context_;
  std::string md5_hex_;
  std::map<std::string, std::string> no_checksums_;
};

// x-amz-copy-source-range: "bytes=first-last", both ends required and inside the source.
absl::StatusOr<ByteRange> CopyRange(const HandlerContext& context, uint64_t source_size) {
  std::optional<std::string> header = context.Header("x-amz-copy-source-range");
  if (!header.has_value()) return ByteRange{.offset = 0, .length = source_size};
  std::string_view spec = *header;
  uint64_t first = 0;
  uint64_t last = 0;
  const bool prefixed = ConsumePrefix(&spec, "bytes=");
  const size_t dash = spec.find('-');
  if (!prefixed || dash == std::string_view::npos ||
      !ParseInteger(spec.substr(0, dash), &first) ||
      !ParseInteger(spec.substr(dash + 1), &last) || last < first) {
    return Error(ErrorCode::kInvalidArgument,
                 "The x-amz-copy-source-range value must be of the form bytes=first-last");
  }
  if (last >= source_size) {
    return Error(ErrorCode::kInvalidRange,
                 Cat("Range specified is not valid for source object of size: ",
                              source_size));
  }
  return ByteRange{.offset = first, .length = last - first + 1};
}

std::string CopyResultXml(std::string_view root, const std::string& etag, absl::Time modified) {
  XmlWriter xml(root);
  xml.Element("LastModified", FormatIsoTime(modified));
  xml.Element("ETag", Quoted(etag));
  return xml.Finish();
}

absl::StatusOr<MetadataDirective> Directive(const HandlerContext& context,
                                            std::string_view header) {
  std::optional<std::string> value = context.Header(header);
  if (!value.has_value() || *value == "COPY") return MetadataDirective::kCopy;
  if (*value == "REPLACE") return MetadataDirective::kReplace;
  return Error(ErrorCode::kInvalidArgument, Cat("Unknown ", header, ": ", *value));
}

}  // namespace

absl::Status CopyObject(HandlerContext& context) {
  absl::StatusOr<CopySource> source = ParseCopySource(*context.Header("x-amz-copy-source"));
  if (!source.ok()) return source.status();
  absl::StatusOr<MetadataDirective> directive = Directive(context, "x-amz-metadata-directive");
  if (!directive.ok()) return directive.status();
  absl::StatusOr<MetadataDirective> tagging = Directive(context, "x-amz-tagging-directive");
  if (!tagging.ok()) return tagging.status();
  if (source->bucket == context.bucket() && source->key == context.key() &&
      *directive == MetadataDirective::kCopy && *tagging == MetadataDirective::kCopy) {
    return Error(ErrorCode::kInvalidRequest,
                 "This copy request is illegal because it is trying to copy an object to itself "
                 "without changing the object's metadata.");
  }
  absl::StatusOr<std::optional<CustomerKey>> source_key =
      CustomerKeyFromHeaders(context.http, "x-amz-copy-source-");
  if (!source_key.ok()) return source_key.status();
  absl::StatusOr<EncryptionRequest> encryption = EncryptionFromHeaders(context.http);
  if (!encryption.ok()) return encryption.status();
  absl::StatusOr<ObjectInfo> info =
      context.backend.StatObject(source->bucket, source->key, source->version_id);
  if (!info.ok()) return SourceError(info.status());
  if (absl::Status s = CheckReadKey(*info, *source_key); !s.ok()) return s;
  absl::Status conditions = CheckSourceConditions(context, *info);
  if (!conditions.ok()) return conditions;
  CopyObjectRequest request{.source_bucket = source->bucket,
                            .source_key = source->key,
                            .source_version_id = source->version_id,
                            .source_etag = info->etag,
                            .bucket = context.bucket(),
                            .key = context.key(),
                            .owner = context.auth.access_key_id,
                            .metadata_directive = *directive,
                            .conditions = WriteConditionsFromHeaders(context.http),
                            .encryption = *std::move(encryption),
                            .source_customer_key = *std::move(source_key)};
  if (*directive == MetadataDirective::kReplace) {
    absl::StatusOr<ObjectMetadata> metadata = MetadataFromHeaders(context.http);
    if (!metadata.ok()) return metadata.status();
    request.metadata = *std::move(metadata);
  }
  if (*tagging == MetadataDirective::kReplace) {
    absl::StatusOr<Tags> tags =
        ParseTaggingHeader(context.Header("x-amz-tagging").value_or(""), kMaxObjectTags);
    if (!tags.ok()) return tags.status();
    request.tags = *std::move(tags);
  }
  if (absl::Status s = ObjectLockFromHeaders(context, &request.retention, &request.legal_hold);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<ObjectInfo> copied = context.backend.CopyObject(request);
  if (!copied.ok()) return copied.status();
  std::vector<HttpHeader> headers;
  if (copied->version_id != "null") headers.push_back({"x-amz-version-id", copied->version_id});
  if (info->version_id != "null") {
    headers.push_back({"x-amz-copy-source-version-id", info->version_id});
  }
  AppendEncryptionHeaders(copied->encryption, headers);
  return SendXml(context, 200,
                 CopyResultXml("CopyObjectResult", copied->etag, copied->last_modified),
                 std::move(headers));
}

absl::Status UploadPartCopy(HandlerContext& context) {
  int part_number = 0;
  if (!ParseInteger(context.Query("partNumber"), &part_number) || part_number < 1 ||
      part_number > 10000 || !context.HasQuery("uploadId")) {
    return Error(ErrorCode::kInvalidArgument,
                 "UploadPartCopy needs uploadId and a partNumber in 1..10000");
  }
  absl::StatusOr<CopySource> source = ParseCopySource(*context.Header("x-amz-copy-source"));
  if (!source.ok()) return source.status();
  absl::StatusOr<std::optional<CustomerKey>> source_key =
      CustomerKeyFromHeaders(context.http, "x-amz-copy-source-");
  if (!source_key.ok()) return source_key.status();
  absl::StatusOr<std::optional<CustomerKey>> customer_key =
      CustomerKeyFromHeaders(context.http, "");
  if (!customer_key.ok()) return customer_key.status();
  absl::StatusOr<std::unique_ptr<ObjectReader>> reader =
      context.backend.OpenObject(source->bucket, source->key, source->version_id);
  if (!reader.ok()) return SourceError(reader.status());
  if (absl::Status s = CheckReadKey((*reader)->info(), *source_key); !s.ok()) return s;
  if (source_key->has_value()) {
    if (absl::Status s = (*reader)->UseCustomerKey(**source_key); !s.ok()) return s;
  }
  absl::Status conditions = CheckSourceConditions(context, (*reader)->info());
  if (!conditions.ok()) return conditions;
  absl::StatusOr<ByteRange> range = CopyRange(context, (*reader)->info().size);
  if (!range.ok()) return range.status();
  absl::StatusOr<std::unique_ptr<BodyReader>> bytes =
      (*reader)->OpenRange(range->offset, range->length);
  if (!bytes.ok()) return bytes.status();
  Md5Reader payload(*std::move(bytes));
  absl::StatusOr<PartInfo> part =
      context.backend.UploadPart(context.bucket(), context.key(), context.Query("uploadId"),
                                 part_number, range->length, payload, *customer_key);
  if (!part.ok()) return part.status();
  return SendXml(context, 200, CopyResultXml("CopyPartResult", part->etag, part->last_modified));
}

}  // namespace hamster::s3
