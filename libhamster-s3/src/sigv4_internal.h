// Pieces of SigV4 shared by the client signer (sigv4.cc), the server's
// request verification (auth.cc) and the aws-chunked decoder
// (aws_chunked.cc), so the three canonicalise identically.
#ifndef HAMSTER_S3_SRC_SIGV4_INTERNAL_H_
#define HAMSTER_S3_SRC_SIGV4_INTERNAL_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace hamster::s3 {

inline constexpr std::string_view kSigningAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kStreamingSignedPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingSignedPayloadTrailer =
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingUnsignedPayloadTrailer =
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

// %XX sequences decoded; a '%' not followed by two hex digits stays literal.
// With plus_is_space, '+' decodes to ' ' (query strings, as form encoding and
// MinIO treat it).
std::string PercentDecode(std::string_view text, bool plus_is_space);

// The canonical query string of a raw query: parameters decoded, re-encoded
// with UriEncode(…, true), sorted by name then value, joined with '&'. A
// parameter named `exclude_name` (X-Amz-Signature for presigned URLs) is
// left out; so are empty pieces between '&'s.
std::string CanonicalQueryString(std::string_view raw_query, std::string_view exclude_name = "");

// A header value as canonical headers want it: outer whitespace trimmed,
// inner runs of whitespace collapsed to one space.
std::string CanonicalHeaderValue(std::string_view value);

// The canonical request from its parts; `canonical_headers` is the block of
// "name:value\n" lines.
std::string AssembleCanonicalRequest(std::string_view method, std::string_view canonical_uri,
                                     std::string_view canonical_query,
                                     std::string_view canonical_headers,
                                     std::string_view signed_headers,
                                     std::string_view payload_hash);

// Lowercase hex HMAC-SHA256 of string_to_sign under signing_key.
std::string SignatureOf(std::string_view signing_key, std::string_view string_to_sign);

// Chunk signature of aws-chunked data whose SHA-256 is `chunk_sha256_hex`.
std::string ChunkSignatureFromHash(std::string_view signing_key, std::string_view amz_date,
                                   std::string_view scope, std::string_view previous_signature,
                                   std::string_view chunk_sha256_hex);

// x-amz-trailer-signature of trailing headers given as lowercase (name,
// value) pairs, chained from the final (zero-size) chunk's signature.
std::string TrailerSignature(std::string_view signing_key, std::string_view amz_date,
                             std::string_view scope, std::string_view previous_signature,
                             std::vector<std::pair<std::string, std::string>> trailers);

// Equality of two signatures in time independent of where they differ, so
// a client cannot find a valid signature byte by byte.
bool SignaturesEqual(std::string_view expected, std::string_view received);

// "20130524T000000Z" (ISO 8601 basic, UTC).
std::optional<absl::Time> ParseAmzDate(std::string_view text);
// An HTTP Date header (RFC 1123, e.g. "Fri, 24 May 2013 00:00:00 GMT").
std::optional<absl::Time> ParseHttpDate(std::string_view text);

// True when `text` is non-empty and only hex digits (either case).
bool IsHex(std::string_view text);

}  // namespace hamster::s3

#endif  // HAMSTER_S3_SRC_SIGV4_INTERNAL_H_
