// Encryption at rest in S3 terms (docs/encryption.md): the SSE request
// headers of writes and reads, the response headers that say how an object is
// stored, and the bucket's ?encryption document.
#ifndef HAMSTER_S3_SRC_SSE_H_
#define HAMSTER_S3_SRC_SSE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hamster/s3/backend.h"
#include "hamster/s3/http.h"

namespace hamster::s3 {

// x-amz-server-side-encryption-customer-{algorithm,key,key-MD5} after
// `prefix` ("" for the object addressed, "x-amz-copy-source-" for a copy's
// source): nullopt when none is sent. kInvalidArgument for an algorithm other
// than AES256, a missing header of the three, a key that is not 32 bytes of
// base64, or a key-MD5 that is not the key's.
absl::StatusOr<std::optional<CustomerKey>> CustomerKeyFromHeaders(const HttpRequest& request,
                                                                  std::string_view prefix);

// What a write asks for: x-amz-server-side-encryption (AES256 only; aws:kms
// is kNotImplemented) or SSE-C headers, not both (kInvalidArgument).
absl::StatusOr<EncryptionRequest> EncryptionFromHeaders(const HttpRequest& request);

// x-amz-server-side-encryption: AES256, or the SSE-C algorithm and key MD5.
void AppendEncryptionHeaders(const ObjectEncryption& encryption, std::vector<HttpHeader>& headers);

// The SSE-C rules of GET and HEAD at the S3 layer, from what StatObject
// returned: kInvalidRequest without the key an SSE-C object needs (or with
// one for an object without SSE-C), kAccessDenied for another key.
absl::Status CheckReadKey(const ObjectInfo& info, const std::optional<CustomerKey>& key);

// <ServerSideEncryptionConfiguration>: one rule, AES256 (aws:kms is
// kNotImplemented); kMalformedXML otherwise.
absl::StatusOr<BucketEncryption> ParseBucketEncryption(std::string_view xml);
std::string BucketEncryptionXml(const BucketEncryption& encryption);

}  // namespace hamster::s3

#endif  // HAMSTER_S3_SRC_SSE_H_
