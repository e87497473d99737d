#include "src/handler_context.h"

#include <array>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "hamster/s3/errors.h"
#include "hamster/s3/sigv4.h"
#include "src/object_headers.h"
#include "src/sse.h"
#include "src/strings.h"
#include "src/xml.h"

namespace hamster::s3 {
namespace {

constexpr std::array<std::string_view, 5> kChecksumAlgorithms = {"crc32", "crc32c", "crc64nvme",
                                                                  "sha1", "sha256"};

bool IsStreaming(PayloadMode mode) {
  return mode == PayloadMode::kStreamingSigned || mode == PayloadMode::kStreamingSignedTrailer ||
         mode == PayloadMode::kStreamingUnsignedTrailer;
}

}  // namespace

std::vector<HttpHeader> ResponseHeaders(const HandlerContext& context,
                                        std::vector<HttpHeader> extra) {
  extra.push_back({"x-amz-request-id", context.request_id});
  extra.push_back({"server", "Hamster"});
  extra.push_back({"date", FormatHttpDate(context.now)});
  return extra;
}

absl::Status SendXml(HandlerContext& context, int status, const std::string& xml,
                     std::vector<HttpHeader> extra) {
  extra.push_back({"content-type", "application/xml"});
  absl::Status started =
      context.response.Start(status, ResponseHeaders(context, std::move(extra)), xml.size());
  if (!started.ok()) return started;
  absl::Status written =
      context.response.Write({reinterpret_cast<const uint8_t*>(xml.data()), xml.size()});
  if (!written.ok()) return written;
  return context.response.Finish();
}

absl::Status SendEmpty(HandlerContext& context, int status, std::vector<HttpHeader> extra) {
  absl::Status started =
      context.response.Start(status, ResponseHeaders(context, std::move(extra)), 0);
  if (!started.ok()) return started;
  return context.response.Finish();
}

absl::StatusOr<std::unique_ptr<Payload>> OpenPayload(HandlerContext& context) {
  PayloadOptions options;
  options.auth = context.auth;
  options.content_md5_base64 = context.Header("content-md5");
  for (std::string_view algorithm : kChecksumAlgorithms) {
    if (std::optional<std::string> value = context.Header(Cat("x-amz-checksum-", algorithm))) {
      options.checksum_headers.emplace(algorithm, *value);
    }
  }
  options.trailer_header = context.Header("x-amz-trailer");
  options.max_length = context.options.max_upload_size_bytes;
  if (IsStreaming(context.auth.payload_mode)) {
    if (std::optional<std::string> decoded = context.Header("x-amz-decoded-content-length")) {
      uint64_t length = 0;
      if (!ParseInteger(*decoded, &length)) {
        return Error(ErrorCode::kInvalidArgument, "x-amz-decoded-content-length is not a number");
      }
      options.decoded_length = length;
    }
  } else {
    options.decoded_length = context.http.content_length;
  }
  return Payload::Create(context.body, std::move(options));
}

absl::StatusOr<std::string> ReadSmallBody(HandlerContext& context, size_t max_bytes) {
  absl::StatusOr<std::unique_ptr<Payload>> payload = OpenPayload(context);
  if (!payload.ok()) return payload.status();
  std::string body;
  std::array<uint8_t, 16 * 1024> buffer;
  while (true) {
    absl::StatusOr<size_t> read = (*payload)->Read(buffer);
    if (!read.ok()) return read.status();
    if (*read == 0) return body;
    if (body.size() + *read > max_bytes) {
      return Error(ErrorCode::kEntityTooLarge,
                   Cat("the request body exceeds ", max_bytes, " bytes"));
    }
    body.append(reinterpret_cast<const char*>(buffer.data()), *read);
  }
}

absl::StatusOr<PutObjectRequest> WriteRequestFromHeaders(const HandlerContext& context) {
  absl::StatusOr<ObjectMetadata> metadata = MetadataFromHeaders(context.http);
  if (!metadata.ok()) return metadata.status();
  PutObjectRequest request{.bucket = context.bucket(),
                           .key = context.key(),
                           .owner = context.auth.access_key_id,
                           .metadata = *std::move(metadata),
                           .conditions = WriteConditionsFromHeaders(context.http)};
  if (std::optional<std::string> tagging = context.Header("x-amz-tagging")) {
    absl::StatusOr<Tags> tags = ParseTaggingHeader(*tagging, kMaxObjectTags);
    if (!tags.ok()) return tags.status();
    request.tags = *std::move(tags);
  }
  absl::StatusOr<EncryptionRequest> encryption = EncryptionFromHeaders(context.http);
  if (!encryption.ok()) return encryption.status();
  request.encryption = *std::move(encryption);
  return request;
}

absl::StatusOr<bool> UrlEncodingRequested(const HandlerContext& context) {
  const std::string encoding = context.Query("encoding-type");
  if (!encoding.empty() && encoding != "url") {
    return Error(ErrorCode::kInvalidArgument, "Invalid Encoding Method specified in Request");
  }
  return !encoding.empty();
}

std::string ListingText(std::string_view text, bool url) {
  return url ? UriEncode(text, /*encode_slash=*/false) : std::string(text);
}

std::string Quoted(std::string_view etag) { return Cat("\"", etag, "\""); }

std::string Unquoted(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

}  // namespace hamster::s3
