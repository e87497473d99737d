// S3 errors as absl::Status values. A Backend (or any layer below the S3
// service) returns Error(ErrorCode::kNoSuchUpload, "...") when it knows the
// precise S3 error; a plain Status is mapped by its canonical code and the
// operation's context. The S3 service renders either as error XML with the
// matching HTTP status (src/errors.cc holds the one table).
// Thread safety: free functions, no state.
#ifndef HAMSTER_S3_ERRORS_H_
#define HAMSTER_S3_ERRORS_H_

#include <optional>
#include <string_view>

#include "absl/status/status.h"

namespace hamster::s3 {

enum class ErrorCode {
  kAccessDenied,
  kAuthorizationHeaderMalformed,
  kBadDigest,
  kBucketAlreadyExists,
  kBucketAlreadyOwnedByYou,
  kBucketNotEmpty,
  kEntityTooLarge,
  kEntityTooSmall,
  kIncompleteBody,
  kInternalError,
  kInvalidAccessKeyId,
  kInvalidArgument,
  kInvalidBucketName,
  kInvalidBucketState,
  kInvalidDigest,
  kInvalidLocationConstraint,
  kInvalidObjectState,
  kInvalidPart,
  kInvalidPartNumber,
  kInvalidPartOrder,
  kInvalidRange,
  kInvalidRequest,
  kInvalidTag,
  kKeyTooLongError,
  kMalformedXML,
  kMetadataTooLarge,
  kMethodNotAllowed,
  kMissingContentLength,
  kNoSuchBucket,
  kNoSuchKey,
  kNoSuchObjectLockConfiguration,
  kNoSuchTagSet,
  kNoSuchUpload,
  kNoSuchVersion,
  kNotImplemented,
  kNotModified,
  kObjectLockConfigurationNotFoundError,
  kPreconditionFailed,
  kRequestHeaderSectionTooLarge,
  kRequestTimeTooSkewed,
  kRequestTimeout,
  kServerSideEncryptionConfigurationNotFoundError,
  kServiceUnavailable,
  kSignatureDoesNotMatch,
  kSlowDown,
  kXAmzContentSHA256Mismatch,
};

// A Status carrying `code`; its canonical code is the closest absl code.
absl::Status Error(ErrorCode code, std::string_view message);

// The S3 code attached by Error(), if any.
std::optional<ErrorCode> ErrorCodeOf(const absl::Status& status);

// "NoSuchKey", and the HTTP status S3 answers with (404).
std::string_view ErrorCodeName(ErrorCode code);
int HttpStatusOf(ErrorCode code);

}  // namespace hamster::s3

#endif  // HAMSTER_S3_ERRORS_H_
