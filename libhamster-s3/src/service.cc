// Request flow: parse the target, authenticate, route to one handler, and
// turn any error into S3 error XML. Routing follows the S3 API reference:
// the method, whether a bucket and key are addressed, and the subresource.
#include "hamster/s3/service.h"

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"
#include "src/handler_context.h"
#include "src/xml.h"
#include "src/strings.h"

namespace hamster::s3 {
namespace {

constexpr size_t kMaxKeyBytes = 1024;

// Subresources of S3 we do not serve (yet): answered NotImplemented, never a
// wrong success.
constexpr std::string_view kUnsupportedSubresources[] = {
    "accelerate",
    "acl",
    "analytics",
    "attributes",
    "cors",
    "encryption",
    "intelligent-tiering",
    "inventory",
    "lifecycle",
    "logging",
    "metrics",
    "notification",
    "ownershipControls",
    "policy",
    "policyStatus",
    "publicAccessBlock",
    "replication",
    "requestPayment",
    "restore",
    "select",
    "torrent",
    "website",
    "session",
};

absl::Status Unsupported(std::string_view what) {
  return Error(ErrorCode::kNotImplemented,
               Cat(what, " is not implemented by this server"));
}

// Maps a Status without an S3 code, using what the request addressed.
ErrorCode InferErrorCode(const absl::Status& status, const HandlerContext* context) {
  switch (status.code()) {
    case absl::StatusCode::kNotFound:
      return context != nullptr && !context->key().empty() ? ErrorCode::kNoSuchKey
                                                            : ErrorCode::kNoSuchBucket;
    case absl::StatusCode::kInvalidArgument:
      return ErrorCode::kInvalidArgument;
    case absl::StatusCode::kOutOfRange:
      return ErrorCode::kInvalidRange;
    case absl::StatusCode::kFailedPrecondition:
      return ErrorCode::kPreconditionFailed;
    case absl::StatusCode::kPermissionDenied:
    case absl::StatusCode::kUnauthenticated:
      return ErrorCode::kAccessDenied;
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kAborted:
      return ErrorCode::kSlowDown;
    case absl::StatusCode::kDeadlineExceeded:
      return ErrorCode::kRequestTimeout;
    case absl::StatusCode::kUnimplemented:
      return ErrorCode::kNotImplemented;
    default:
      return ErrorCode::kInternalError;
  }
}

absl::Status RouteService(HandlerContext& context) {
  if (context.http.method == "GET") return ListBuckets(context);
  return Error(ErrorCode::kMethodNotAllowed,
               "The specified method is not allowed against this resource.");
}

absl::Status RouteBucket(HandlerContext& context) {
  const std::string& method = context.http.method;
  const bool tagging = context.HasQuery("tagging");
  if (context.HasQuery("retention") || context.HasQuery("legal-hold")) {
    return Error(ErrorCode::kMethodNotAllowed,
                 "The specified method is not allowed against this resource.");
  }
  if (method == "GET") {
    if (context.HasQuery("location")) return GetBucketLocation(context);
    if (context.HasQuery("versioning")) return GetBucketVersioning(context);
    if (context.HasQuery("versions")) return ListObjectVersions(context);
    if (context.HasQuery("object-lock")) return GetObjectLockConfiguration(context);
    if (tagging) return GetBucketTagging(context);
    if (context.HasQuery("uploads")) return ListMultipartUploads(context);
    return ListObjects(context, context.Query("list-type") == "2");
  }
  if (method == "PUT") {
    if (context.HasQuery("versioning")) return PutBucketVersioning(context);
    if (context.HasQuery("object-lock")) return PutObjectLockConfiguration(context);
    if (tagging) return PutBucketTagging(context);
    return CreateBucket(context);
  }
  if (method == "HEAD") return HeadBucket(context);
  if (method == "DELETE") return tagging ? DeleteBucketTagging(context) : DeleteBucket(context);
  if (method == "POST" && context.HasQuery("delete")) return DeleteObjects(context);
  return Error(ErrorCode::kMethodNotAllowed,
               "The specified method is not allowed against this resource.");
}

absl::Status RouteObject(HandlerContext& context) {
  if (context.key().size() > kMaxKeyBytes) {
    return Error(ErrorCode::kKeyTooLongError, "Your key is too long (more than 1024 bytes).");
  }
  const std::string& method = context.http.method;
  const bool tagging = context.HasQuery("tagging");
  const bool upload = context.HasQuery("uploadId");
  if (method == "PUT") {
    if (tagging) return PutObjectTagging(context);
    if (context.HasQuery("retention")) return PutObjectRetention(context);
    if (context.HasQuery("legal-hold")) return PutObjectLegalHold(context);
    const bool copy = context.Header("x-amz-copy-source").has_value();
    if (upload || context.HasQuery("partNumber")) {
      return copy ? UploadPartCopy(context) : UploadPart(context);
    }
    return copy ? CopyObject(context) : PutObject(context);
  }
  if (method == "GET") {
    if (tagging) return GetObjectTagging(context);
    if (context.HasQuery("retention")) return GetObjectRetention(context);
    if (context.HasQuery("legal-hold")) return GetObjectLegalHold(context);
    if (upload) return ListParts(context);
    return GetObject(context, /*head=*/false);
  }
  if (method == "HEAD") return GetObject(context, /*head=*/true);
  if (method == "DELETE") {
    if (tagging) return DeleteObjectTagging(context);
    if (upload) return AbortMultipartUpload(context);
    return DeleteObject(context);
  }
  if (method == "POST") {
    if (context.HasQuery("uploads")) return CreateMultipartUpload(context);
    if (upload) return CompleteMultipartUpload(context);
  }
  return Error(ErrorCode::kMethodNotAllowed,
               "The specified method is not allowed against this resource.");
}

// Encryption at rest: a bucket's ?encryption subresource.
absl::Status RouteBucketEncryption(HandlerContext& context) {
  const std::string& method = context.http.method;
  if (method == "GET") return GetBucketEncryption(context);
  if (method == "PUT") return PutBucketEncryption(context);
  if (method == "DELETE") return DeleteBucketEncryption(context);
  return Error(ErrorCode::kMethodNotAllowed,
               "The specified method is not allowed against this resource.");
}

absl::Status Route(HandlerContext& context) {
  if (context.HasQuery("encryption") && !context.bucket().empty() && context.key().empty()) {
    return RouteBucketEncryption(context);
  }
  for (std::string_view subresource : kUnsupportedSubresources) {
    if (context.HasQuery(subresource)) {
      return Unsupported(Cat("the ?", subresource, " subresource"));
    }
  }
  if (context.http.method == "OPTIONS") return Unsupported("CORS (OPTIONS)");
  if (context.bucket().empty()) return RouteService(context);
  if (context.key().empty()) return RouteBucket(context);
  return RouteObject(context);
}

void RenderError(const absl::Status& status, const HandlerContext* context,
                 std::string_view request_id, std::string_view resource, std::string_view method,
                 ResponseWriter& response, std::vector<HttpHeader> headers = {}) {
  if (response.started()) return;  // the transport cuts the connection
  const ErrorCode code = ErrorCodeOf(status).value_or(InferErrorCode(status, context));
  const int http_status = HttpStatusOf(code);
  if (std::optional<std::string> marker = DeleteMarkerVersionOf(status)) {
    headers.push_back({"x-amz-delete-marker", "true"});
    headers.push_back({"x-amz-version-id", *marker});
  }
  headers.push_back({"x-amz-request-id", std::string(request_id)});
  headers.push_back({"server", "Hamster"});
  if (code == ErrorCode::kNotModified || method == "HEAD") {
    if (response.Start(http_status, headers, 0).ok()) response.Finish().IgnoreError();
    return;
  }
  XmlWriter xml("Error");
  xml.Element("Code", ErrorCodeName(code));
  xml.Element("Message", XmlSafeText(ToStd(status.message())));
  // S3 names the missing thing in its own element; clients print it.
  if (context != nullptr) {
    if (code == ErrorCode::kNoSuchKey) xml.Element("Key", XmlSafeText(context->key()));
    if (code == ErrorCode::kNoSuchBucket || code == ErrorCode::kBucketNotEmpty ||
        code == ErrorCode::kBucketAlreadyOwnedByYou || code == ErrorCode::kBucketAlreadyExists) {
      xml.Element("BucketName", context->bucket());
    }
    if (code == ErrorCode::kNoSuchUpload) xml.Element("UploadId", context->Query("uploadId"));
  }
  xml.Element("Resource", XmlSafeText(resource));
  xml.Element("RequestId", request_id);
  std::string body = xml.Finish();
  // The namespace attribute is not part of S3's error documents.
  const std::string with_namespace = " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";
  body.erase(body.find(with_namespace), with_namespace.size());
  headers.push_back({"content-type", "application/xml"});
  if (!response.Start(http_status, headers, body.size()).ok()) return;
  // Best effort: the client may already be gone, and there is no one to tell.
  if (response.Write({reinterpret_cast<const uint8_t*>(body.data()), body.size()}).ok()) {
    response.Finish().IgnoreError();
  }
}

}  // namespace

absl::Status SendError(HandlerContext& context, const absl::Status& status,
                       std::vector<HttpHeader> extra) {
  RenderError(status, &context, context.request_id, context.target.raw_path, context.http.method,
              context.response, std::move(extra));
  return absl::OkStatus();
}

S3Service::S3Service(ServiceOptions options) : options_(std::move(options)) {}

void S3Service::Handle(const HttpRequest& request, BodyReader& body, ResponseWriter& response) {
  const std::string request_id = options_.new_request_id();
  const absl::Time now = options_.now();
  absl::StatusOr<RequestTarget> target = ParseTarget(request, options_.virtual_host_domain);
  if (!target.ok()) {
    RenderError(target.status(), nullptr, request_id, request.target, request.method, response);
    return;
  }
  const std::string resource = target->raw_path;
  absl::StatusOr<AuthContext> auth = Authenticate(request, target->raw_path, target->raw_query,
                                                  *options_.credentials, now, options_.region);
  if (!auth.ok()) {
    RenderError(auth.status(), nullptr, request_id, resource, request.method, response);
    return;
  }
  HandlerContext context{.http = request,
                         .body = body,
                         .response = response,
                         .options = options_,
                         .backend = *options_.backend,
                         .request_id = request_id,
                         .now = now,
                         .target = *std::move(target),
                         .auth = *std::move(auth)};
  const absl::Status status = Route(context);
  if (!status.ok()) RenderError(status, &context, request_id, resource, request.method, response);
}

void S3Service::HandleTransportError(ErrorCode code, std::string_view message,
                                     ResponseWriter& response) {
  RenderError(Error(code, message), nullptr, options_.new_request_id(), "", "", response);
}

}  // namespace hamster::s3
