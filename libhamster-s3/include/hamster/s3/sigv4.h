// AWS Signature Version 4 for S3, client side: what a request must carry to be
// accepted by S3Service (and by AWS). Used by hamster-bench and tests; the
// server's verification (src/auth.h) is built from the same pieces, so the
// two cannot drift apart. Pure functions: the time is an argument.
#ifndef HAMSTER_S3_SIGV4_H_
#define HAMSTER_S3_SIGV4_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace hamster::s3 {

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kEmptySha256Hex =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct SigningCredentials {
  std::string access_key_id;
  std::string secret_key;
  std::string region = "us-east-1";
  std::string service = "s3";
};

// What is signed. `path` is the request path exactly as it will be sent
// (already percent-encoded; S3 does not normalise it); `query` is the raw
// query string without '?'. `headers` are the headers to sign; host must be
// among them.
struct RequestToSign {
  std::string method;
  std::string path;
  std::string query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload_sha256_hex;  // or kUnsignedPayload, or a STREAMING-* marker
};

std::string Sha256Hex(std::span<const uint8_t> bytes);
std::string Sha256Hex(std::string_view bytes);
std::string HmacSha256(std::string_view key, std::string_view message);  // raw 32 bytes
std::string HexEncode(std::string_view bytes);
// RFC 3986 encoding as SigV4 wants it; '/' kept unless encode_slash.
std::string UriEncode(std::string_view text, bool encode_slash);

// kSecret -> kDate -> kRegion -> kService -> "aws4_request"; raw 32 bytes.
std::string DeriveSigningKey(std::string_view secret_key, std::string_view yyyymmdd,
                             std::string_view region, std::string_view service);
std::string CanonicalRequest(const RequestToSign& request);
// "AWS4-HMAC-SHA256\n<amz-date>\n<scope>\n<hex sha256 of canonical request>"
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request);
std::string AmzDate(absl::Time time);  // 20150830T123600Z
std::string Scope(absl::Time time, std::string_view region, std::string_view service);

// "host;x-amz-content-sha256;x-amz-date": the request's header names,
// lower-cased, sorted, ';'-joined, as SignedHeaders= lists them.
std::string SignedHeaderList(const RequestToSign& request);

// The Authorization header value for `request` signed at `time`. The caller
// must also send x-amz-date: AmzDate(time) and x-amz-content-sha256, and sign
// them (include them in request.headers).
std::string AuthorizationHeader(const RequestToSign& request, const SigningCredentials& credentials,
                                absl::Time time);

// A presigned URL's query string (X-Amz-Algorithm ... X-Amz-Signature) for
// `request` (whose query holds the other parameters, if any) valid for `expires`.
std::string PresignedQuery(const RequestToSign& request, const SigningCredentials& credentials,
                           absl::Time time, absl::Duration expires);

// aws-chunked (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) chunk signature, chained
// from the previous one (the seed is the Authorization header's signature).
std::string ChunkSignature(std::string_view signing_key, std::string_view amz_date,
                           std::string_view scope, std::string_view previous_signature,
                           std::string_view chunk_data);

}  // namespace hamster::s3

#endif  // HAMSTER_S3_SIGV4_H_
