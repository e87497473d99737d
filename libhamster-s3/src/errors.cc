#include "hamster/s3/errors.h"

#include <array>
#include <string>

#include "absl/strings/cord.h"
#include "hamster/s3/backend.h"

namespace hamster::s3 {
namespace {

constexpr char kPayloadUrl[] = "hamster.s3/error-code";
constexpr char kDeleteMarkerUrl[] = "hamster.s3/delete-marker-version-id";

struct ErrorSpec {
  ErrorCode code;
  std::string_view name;
  int http_status;
  absl::StatusCode canonical;
};

// The one table of S3 error codes: AWS's name, HTTP status, and the absl code
// a caller that does not know S3 should see.
constexpr std::array kErrors = {
    ErrorSpec{ErrorCode::kAccessDenied, "AccessDenied", 403, absl::StatusCode::kPermissionDenied},
    ErrorSpec{ErrorCode::kAuthorizationHeaderMalformed, "AuthorizationHeaderMalformed", 400,
              absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kBadDigest, "BadDigest", 400, absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kBucketAlreadyExists, "BucketAlreadyExists", 409,
              absl::StatusCode::kAlreadyExists},
    ErrorSpec{ErrorCode::kBucketAlreadyOwnedByYou, "BucketAlreadyOwnedByYou", 409,
              absl::StatusCode::kAlreadyExists},
    ErrorSpec{ErrorCode::kBucketNotEmpty, "BucketNotEmpty", 409,
              absl::StatusCode::kFailedPrecondition},
    ErrorSpec{ErrorCode::kEntityTooLarge, "EntityTooLarge", 400,
              absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kEntityTooSmall, "EntityTooSmall", 400,
              absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kIncompleteBody, "IncompleteBody", 400,
              absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kInternalError, "InternalError", 500, absl::StatusCode::kInternal},
    ErrorSpec{ErrorCode::kInvalidAccessKeyId, "InvalidAccessKeyId", 403,
              absl::StatusCode::kPermissionDenied},
    ErrorSpec{ErrorCode::kInvalidArgument, "InvalidArgument", 400,
              absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kInvalidBucketName, "InvalidBucketName", 400,
              absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kInvalidBucketState, "InvalidBucketState", 409,
              absl::StatusCode::kFailedPrecondition},
    ErrorSpec{ErrorCode::kInvalidDigest, "InvalidDigest", 400, absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kInvalidLocationConstraint, "InvalidLocationConstraint", 400,
              absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kInvalidObjectState, "InvalidObjectState", 403,
              absl::StatusCode::kFailedPrecondition},
    ErrorSpec{ErrorCode::kInvalidPart, "InvalidPart", 400, absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kInvalidPartNumber, "InvalidPartNumber", 416,
              absl::StatusCode::kOutOfRange},
    ErrorSpec{ErrorCode::kInvalidPartOrder, "InvalidPartOrder", 400,
              absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kInvalidRange, "InvalidRange", 416, absl::StatusCode::kOutOfRange},
    ErrorSpec{ErrorCode::kInvalidRequest, "InvalidRequest", 400,
              absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kInvalidTag, "InvalidTag", 400, absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kKeyTooLongError, "KeyTooLongError", 400,
              absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kMalformedXML, "MalformedXML", 400, absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kMetadataTooLarge, "MetadataTooLarge", 400,
              absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kMethodNotAllowed, "MethodNotAllowed", 405,
              absl::StatusCode::kUnimplemented},
    ErrorSpec{ErrorCode::kMissingContentLength, "MissingContentLength", 411,
              absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kNoSuchBucket, "NoSuchBucket", 404, absl::StatusCode::kNotFound},
    ErrorSpec{ErrorCode::kNoSuchKey, "NoSuchKey", 404, absl::StatusCode::kNotFound},
    ErrorSpec{ErrorCode::kNoSuchObjectLockConfiguration, "NoSuchObjectLockConfiguration", 404,
              absl::StatusCode::kNotFound},
    ErrorSpec{ErrorCode::kNoSuchTagSet, "NoSuchTagSet", 404, absl::StatusCode::kNotFound},
    ErrorSpec{ErrorCode::kNoSuchUpload, "NoSuchUpload", 404, absl::StatusCode::kNotFound},
    ErrorSpec{ErrorCode::kNoSuchVersion, "NoSuchVersion", 404, absl::StatusCode::kNotFound},
    ErrorSpec{ErrorCode::kNotImplemented, "NotImplemented", 501, absl::StatusCode::kUnimplemented},
    ErrorSpec{ErrorCode::kNotModified, "NotModified", 304, absl::StatusCode::kFailedPrecondition},
    ErrorSpec{ErrorCode::kObjectLockConfigurationNotFoundError,
              "ObjectLockConfigurationNotFoundError", 404, absl::StatusCode::kNotFound},
    ErrorSpec{ErrorCode::kPreconditionFailed, "PreconditionFailed", 412,
              absl::StatusCode::kFailedPrecondition},
    ErrorSpec{ErrorCode::kRequestHeaderSectionTooLarge, "RequestHeaderSectionTooLarge", 431,
              absl::StatusCode::kInvalidArgument},
    ErrorSpec{ErrorCode::kRequestTimeTooSkewed, "RequestTimeTooSkewed", 403,
              absl::StatusCode::kPermissionDenied},
    ErrorSpec{ErrorCode::kRequestTimeout, "RequestTimeout", 400,
              absl::StatusCode::kDeadlineExceeded},
    ErrorSpec{ErrorCode::kServerSideEncryptionConfigurationNotFoundError,
              "ServerSideEncryptionConfigurationNotFoundError", 404, absl::StatusCode::kNotFound},
    ErrorSpec{ErrorCode::kServiceUnavailable, "ServiceUnavailable", 503,
              absl::StatusCode::kUnavailable},
    ErrorSpec{ErrorCode::kSignatureDoesNotMatch, "SignatureDoesNotMatch", 403,
              absl::StatusCode::kPermissionDenied},
    ErrorSpec{ErrorCode::kSlowDown, "SlowDown", 503, absl::StatusCode::kUnavailable},
    ErrorSpec{ErrorCode::kXAmzContentSHA256Mismatch, "XAmzContentSHA256Mismatch", 400,
              absl::StatusCode::kInvalidArgument},
};

const ErrorSpec& SpecOf(ErrorCode code) {
  for (const ErrorSpec& spec : kErrors) {
    if (spec.code == code) return spec;
  }
  return kErrors[static_cast<size_t>(ErrorCode::kInternalError)];
}

}  // namespace

absl::Status Error(ErrorCode code, std::string_view message) {
  const ErrorSpec& spec = SpecOf(code);
  absl::Status status(spec.canonical, std::string(message));
  status.SetPayload(kPayloadUrl, absl::Cord(std::string(spec.name)));
  return status;
}

std::optional<ErrorCode> ErrorCodeOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kPayloadUrl);
  if (!payload.has_value()) return std::nullopt;
  const std::string name(*payload);
  for (const ErrorSpec& spec : kErrors) {
    if (spec.name == name) return spec.code;
  }
  return std::nullopt;
}

std::string_view ErrorCodeName(ErrorCode code) { return SpecOf(code).name; }

int HttpStatusOf(ErrorCode code) { return SpecOf(code).http_status; }

// Declared in backend.h: the Backend contract for reads of a delete marker.
absl::Status DeleteMarkerError(ErrorCode code, std::string_view version_id) {
  absl::Status status = Error(code, code == ErrorCode::kMethodNotAllowed
                                        ? "The specified method is not allowed against this "
                                          "resource."
                                        : "The specified key does not exist.");
  status.SetPayload(kDeleteMarkerUrl, absl::Cord(std::string(version_id)));
  return status;
}

std::optional<std::string> DeleteMarkerVersionOf(const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kDeleteMarkerUrl);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

}  // namespace hamster::s3
