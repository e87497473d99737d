// What every S3 operation handler receives, and the response helpers they
// share. Handlers return a Status: an error before the response started is
// rendered as S3 error XML by the service; after it started, the transport
// closes the connection (http.h).
#ifndef HAMSTER_S3_SRC_HANDLER_CONTEXT_H_
#define HAMSTER_S3_SRC_HANDLER_CONTEXT_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hamster/s3/backend.h"
#include "hamster/s3/http.h"
#include "hamster/s3/service.h"
#include "src/auth.h"
#include "src/payload.h"
#include "src/request.h"

namespace hamster::s3 {

struct HandlerContext {
  const HttpRequest& http;
  BodyReader& body;
  ResponseWriter& response;
  const ServiceOptions& options;
  Backend& backend;
  std::string request_id;
  absl::Time now;
  RequestTarget target;
  AuthContext auth;

  const std::string& bucket() const { return target.bucket; }
  const std::string& key() const { return target.key; }
  bool HasQuery(std::string_view name) const { return target.query.contains(std::string(name)); }
  std::string Query(std::string_view name) const {
    auto it = target.query.find(std::string(name));
    return it == target.query.end() ? std::string() : it->second;
  }
  std::optional<std::string> Header(std::string_view name) const {
    return HeaderValue(http, name);
  }
};

// Headers every response carries (x-amz-request-id, Server, Date), plus `extra`.
std::vector<HttpHeader> ResponseHeaders(const HandlerContext& context,
                                        std::vector<HttpHeader> extra = {});
absl::Status SendXml(HandlerContext& context, int status, const std::string& xml,
                     std::vector<HttpHeader> extra = {});
absl::Status SendEmpty(HandlerContext& context, int status, std::vector<HttpHeader> extra = {});

// Renders `status` as S3 error XML (or a bare status line for HEAD and 304),
// with `extra` headers. Returns OK: the error has been answered.
absl::Status SendError(HandlerContext& context, const absl::Status& status,
                       std::vector<HttpHeader> extra = {});

// The request payload with every integrity check the client asked for.
absl::StatusOr<std::unique_ptr<Payload>> OpenPayload(HandlerContext& context);
// A whole (small) request body such as an XML document; longer than
// `max_bytes` fails with kEntityTooLarge.
absl::StatusOr<std::string> ReadSmallBody(HandlerContext& context, size_t max_bytes);

// A PUT or CreateMultipartUpload addressed by `context`: content headers, user
// metadata, x-amz-tagging, write conditions and encryption from the request.
absl::StatusOr<PutObjectRequest> WriteRequestFromHeaders(const HandlerContext& context);
inline constexpr size_t kMaxObjectTags = 10;

// encoding-type=url for listings: kInvalidArgument for another value.
absl::StatusOr<bool> UrlEncodingRequested(const HandlerContext& context);
// A key or prefix as a listing shows it: URL-encoded when `url`.
std::string ListingText(std::string_view text, bool url);
class XmlWriter;
void WriteCommonPrefixes(XmlWriter& xml, const std::vector<std::string>& prefixes, bool url);

std::string Quoted(std::string_view etag);
// <Tagging><TagSet>... for GetObjectTagging and GetBucketTagging.
std::string TagSetXml(const Tags& tags);
std::string Unquoted(std::string_view etag);

// Handlers, by family (handlers_*.cc).
absl::Status ListBuckets(HandlerContext& context);
absl::Status CreateBucket(HandlerContext& context);
absl::Status HeadBucket(HandlerContext& context);
absl::Status DeleteBucket(HandlerContext& context);
absl::Status GetBucketLocation(HandlerContext& context);
absl::Status GetBucketVersioning(HandlerContext& context);
absl::Status GetBucketTagging(HandlerContext& context);
absl::Status PutBucketTagging(HandlerContext& context);
absl::Status DeleteBucketTagging(HandlerContext& context);
// Encryption at rest: ?encryption of a bucket (handlers_encryption.cc).
absl::Status GetBucketEncryption(HandlerContext& context);
absl::Status PutBucketEncryption(HandlerContext& context);
absl::Status DeleteBucketEncryption(HandlerContext& context);

absl::Status PutObject(HandlerContext& context);
absl::Status GetObject(HandlerContext& context, bool head);
absl::Status DeleteObject(HandlerContext& context);
absl::Status DeleteObjects(HandlerContext& context);
absl::Status CopyObject(HandlerContext& context);
absl::Status GetObjectTagging(HandlerContext& context);
absl::Status PutObjectTagging(HandlerContext& context);
absl::Status DeleteObjectTagging(HandlerContext& context);

absl::Status ListObjects(HandlerContext& context, bool v2);

absl::Status CreateMultipartUpload(HandlerContext& context);
absl::Status UploadPart(HandlerContext& context);
absl::Status UploadPartCopy(HandlerContext& context);
absl::Status CompleteMultipartUpload(HandlerContext& context);
absl::Status AbortMultipartUpload(HandlerContext& context);
absl::Status ListParts(HandlerContext& context);
absl::Status ListMultipartUploads(HandlerContext& context);

// ---- Versioning and object lock (handlers_versioning.cc, handlers_lock.cc) ----
absl::Status PutBucketVersioning(HandlerContext& context);
absl::Status ListObjectVersions(HandlerContext& context);
absl::Status PutObjectLockConfiguration(HandlerContext& context);
absl::Status GetObjectLockConfiguration(HandlerContext& context);
absl::Status PutObjectRetention(HandlerContext& context);
absl::Status GetObjectRetention(HandlerContext& context);
absl::Status PutObjectLegalHold(HandlerContext& context);
absl::Status GetObjectLegalHold(HandlerContext& context);

// Content-MD5, x-amz-checksum-* or x-amz-trailer: proof the body arrived intact.
bool HasIntegrityHeader(const HandlerContext& context);
bool HasObjectLockHeaders(const HandlerContext& context);
// x-amz-object-lock-mode, -retain-until-date and -legal-hold of a write;
// kInvalidArgument for bad values or a mode without a date (or the reverse).
absl::Status ObjectLockFromHeaders(const HandlerContext& context, ObjectRetention* retention,
                                   LegalHold* legal_hold);
// x-amz-bypass-governance-retention: true, from a principal allowed to bypass.
absl::StatusOr<bool> BypassGovernanceRetention(HandlerContext& context);
// x-amz-version-id (but for "null") and the object lock headers of a version.
void AppendVersionHeaders(const ObjectInfo& info, std::vector<HttpHeader>& headers);

}  // namespace hamster::s3

#endif  // HAMSTER_S3_SRC_HANDLER_CONTEXT_H_
