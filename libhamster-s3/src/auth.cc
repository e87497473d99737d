#include "src/auth.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "hamster/s3/errors.h"
#include "hamster/s3/sigv4.h"
#include "src/sigv4_internal.h"

namespace hamster::s3 {
namespace {

constexpr absl::Duration kMaxClockSkew = absl::Minutes(15);
constexpr int64_t kMaxPresignedExpiresSeconds = 7 * 24 * 3600;

absl::string_view AbslView(std::string_view text) { return {text.data(), text.size()}; }

// What the Authorization header or the presigned query claims.
struct Claim {
  std::string access_key_id;
  std::string scope_date;  // yyyymmdd
  std::string region;
  std::string service;
  std::string signed_headers_line;          // as sent
  std::vector<std::string> signed_headers;  // lowercased
  std::string signature;
};

absl::Status Malformed(std::string_view why) {
  return Error(ErrorCode::kAuthorizationHeaderMalformed,
               absl::StrCat("The authorization header is malformed; ", AbslView(why)));
}

absl::Status NoDate() {
  return Error(ErrorCode::kAccessDenied,
               "AWS authentication requires a valid Date or x-amz-date header");
}

// Header lookups ignore case: the transport lowercases names, but a request
// built by hand (or by a test) should not fail authentication over it.
std::vector<std::string_view> HeaderValues(const HttpRequest& request, std::string_view name) {
  std::vector<std::string_view> values;
  for (const HttpHeader& header : request.headers) {
    if (absl::EqualsIgnoreCase(AbslView(header.name), AbslView(name))) {
      values.push_back(header.value);
    }
  }
  return values;
}

std::optional<std::string> HeaderValue(const HttpRequest& request, std::string_view name) {
  const std::vector<std::string_view> values = HeaderValues(request, name);
  if (values.empty()) return std::nullopt;
  return CanonicalHeaderValue(values.front());
}

bool IsSigned(const Claim& claim, std::string_view name) {
  return std::find(claim.signed_headers.begin(), claim.signed_headers.end(), name) !=
         claim.signed_headers.end();
}

// "<key>/<yyyymmdd>/<region>/s3/aws4_request"
absl::Status ParseCredential(std::string_view credential, Claim& claim) {
  const std::vector<std::string> parts = absl::StrSplit(AbslView(credential), '/');
  if (parts.size() != 5 || parts[0].empty()) {
    return Malformed("the Credential must be <key>/<date>/<region>/<service>/aws4_request");
  }
  if (parts[1].size() != 8 || !std::all_of(parts[1].begin(), parts[1].end(),
                                           [](char c) { return absl::ascii_isdigit(c); })) {
    return Malformed(absl::StrCat("invalid credential date '", parts[1], "'"));
  }
  if (parts[2].empty()) return Malformed("the credential has no region");
  if (parts[3] != "s3") return Malformed(absl::StrCat("incorrect service '", parts[3], "'"));
  if (parts[4] != "aws4_request") {
    return Malformed(absl::StrCat("incorrect terminal '", parts[4], "'; expecting aws4_request"));
  }
  claim.access_key_id = parts[0];
  claim.scope_date = parts[1];
  claim.region = parts[2];
  claim.service = parts[3];
  return absl::OkStatus();
}

absl::Status ParseSignedHeaders(std::string_view list, Claim& claim) {
  claim.signed_headers_line = std::string(list);
  for (absl::string_view name : absl::StrSplit(AbslView(list), ';')) {
    if (name.empty()) return Malformed("SignedHeaders has an empty name");
    claim.signed_headers.push_back(absl::AsciiStrToLower(name));
  }
  if (!IsSigned(claim, "host")) return Malformed("SignedHeaders must include host");
  return absl::OkStatus();
}

absl::Status ParseSignature(std::string_view signature, Claim& claim) {
  if (signature.size() != 64 || !IsHex(signature)) {
    return Malformed("the Signature must be 64 hex digits");
  }
  claim.signature = absl::AsciiStrToLower(AbslView(signature));
  return absl::OkStatus();
}

// "AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…". Clients
// differ in the separators (", ", ",", spaces), so any run of commas and
// whitespace separates the three components.
absl::StatusOr<Claim> ParseAuthorization(std::string_view value) {
  absl::string_view rest = absl::StripAsciiWhitespace(AbslView(value));
  if (!absl::ConsumePrefix(&rest, AbslView(kSigningAlgorithm)) ||
      (!rest.empty() && !absl::ascii_isspace(static_cast<unsigned char>(rest.front())))) {
    return Malformed("the algorithm must be AWS4-HMAC-SHA256");
  }
  std::optional<std::string_view> credential, signed_headers, signature;
  for (absl::string_view piece : absl::StrSplit(rest, absl::ByAnyChar(", \t"), absl::SkipEmpty())) {
    const size_t equals = piece.find('=');
    if (equals == absl::string_view::npos) {
      return Malformed(absl::StrCat("component '", piece, "' is not Name=Value"));
    }
    const absl::string_view name = piece.substr(0, equals);
    std::optional<std::string_view>* slot = name == "Credential"      ? &credential
                                            : name == "SignedHeaders" ? &signed_headers
                                            : name == "Signature"     ? &signature
                                                                      : nullptr;
    if (slot == nullptr) return Malformed(absl::StrCat("unknown component '", name, "'"));
    if (slot->has_value()) return Malformed(absl::StrCat("component '", name, "' repeats"));
    *slot = std::string_view(piece.data() + equals + 1, piece.size() - equals - 1);
  }
  if (!credential || !signed_headers || !signature) {
    return Malformed("Credential, SignedHeaders and Signature are all required");
  }
  Claim claim;
  absl::Status status = ParseCredential(*credential, claim);
  if (status.ok()) status = ParseSignedHeaders(*signed_headers, claim);
  if (status.ok()) status = ParseSignature(*signature, claim);
  if (!status.ok()) return status;
  return claim;
}

// Decoded query parameter `name` (first occurrence), if present.
std::optional<std::string> QueryParameter(std::string_view raw_query, std::string_view name) {
  for (absl::string_view piece : absl::StrSplit(AbslView(raw_query), '&', absl::SkipEmpty())) {
    const size_t equals = piece.find('=');
    if (PercentDecode(std::string_view(piece.data(), std::min(equals, piece.size())), true) !=
        name) {
      continue;
    }
    if (equals == absl::string_view::npos) return std::string();
    return PercentDecode(std::string_view(piece.data() + equals + 1, piece.size() - equals - 1),
                         true);
  }
  return std::nullopt;
}

// The canonical headers block for the claimed names from the request as
// received; duplicate headers join with ','. An "expect" header the client
// signed but the transport consumed is restored as "100-continue" (what every
// client sends), and content-length falls back to the parsed length.
std::string CanonicalHeadersBlock(const HttpRequest& request, const Claim& claim) {
  std::string block;
  for (const std::string& name : claim.signed_headers) {
    std::vector<std::string> values;
    for (std::string_view value : HeaderValues(request, name)) {
      values.push_back(CanonicalHeaderValue(value));
    }
    if (values.empty() && name == "expect") values.push_back("100-continue");
    if (values.empty() && name == "content-length" && request.content_length.has_value()) {
      values.push_back(absl::StrCat(*request.content_length));
    }
    absl::StrAppend(&block, name, ":", absl::StrJoin(values, ","), "\n");
  }
  return block;
}

absl::StatusOr<PayloadMode> PayloadModeOf(std::string_view payload_hash) {
  if (payload_hash == kUnsignedPayload) return PayloadMode::kUnsigned;
  if (payload_hash == kStreamingSignedPayload) return PayloadMode::kStreamingSigned;
  if (payload_hash == kStreamingSignedPayloadTrailer) return PayloadMode::kStreamingSignedTrailer;
  if (payload_hash == kStreamingUnsignedPayloadTrailer) {
    return PayloadMode::kStreamingUnsignedTrailer;
  }
  if (payload_hash.size() == 64 && IsHex(payload_hash)) return PayloadMode::kSha256;
  return Error(ErrorCode::kInvalidArgument,
               absl::StrCat("x-amz-content-sha256 must be a hex SHA-256, UNSIGNED-PAYLOAD or a "
                            "supported STREAMING-* value, not '",
                            AbslView(payload_hash), "'"));
}

// Everything the signature covers, once the claim has been checked.
struct SignedParts {
  std::string_view method;
  std::string_view path;
  std::string canonical_query;
  std::string canonical_headers;
  std::string payload_hash;
  std::string amz_date;
};

// S3 signs the path as the client sent it. Clients that send a character
// encoded differently from how they signed it (e.g. '!' raw on the wire but
// %21 in the canonical URI) are still accepted through the second
// candidate: both decode to the same key, so nothing else becomes signable.
absl::Status VerifySignature(const SignedParts& parts, const Claim& claim,
                             std::string_view signing_key, std::string_view scope) {
  std::vector<std::string> uris = {parts.path.empty() ? "/" : std::string(parts.path)};
  std::string reencoded = UriEncode(PercentDecode(uris[0], false), false);
  if (reencoded != uris[0]) uris.push_back(std::move(reencoded));
  std::string first_canonical;
  for (const std::string& uri : uris) {
    std::string canonical =
        AssembleCanonicalRequest(parts.method, uri, parts.canonical_query, parts.canonical_headers,
                                 claim.signed_headers_line, parts.payload_hash);
    const std::string expected =
        SignatureOf(signing_key, StringToSign(parts.amz_date, scope, canonical));
    if (SignaturesEqual(expected, claim.signature)) return absl::OkStatus();
    if (first_canonical.empty()) first_canonical = std::move(canonical);
  }
  return Error(ErrorCode::kSignatureDoesNotMatch,
               absl::StrCat("The request signature we calculated does not match the signature "
                            "you provided. Check your key and signing method. Canonical "
                            "request:\n",
                            first_canonical));
}

absl::Status CheckScope(const Claim& claim, std::string_view amz_date, std::string_view region) {
  if (claim.scope_date != amz_date.substr(0, 8)) {
    return Malformed(absl::StrCat("the credential date ", claim.scope_date,
                                  " is not the date of the request ", AbslView(amz_date)));
  }
  if (!region.empty() && claim.region != region) {
    return Malformed(absl::StrCat("the region '", claim.region, "' is wrong; expecting '",
                                  AbslView(region), "'"));
  }
  return absl::OkStatus();
}

// The request time of a header-signed request: x-amz-date, else Date; the
// header it came from must be signed.
absl::StatusOr<absl::Time> HeaderRequestTime(const HttpRequest& request, const Claim& claim) {
  if (std::optional<std::string> amz_date = HeaderValue(request, "x-amz-date")) {
    if (!IsSigned(claim, "x-amz-date")) {
      return Error(ErrorCode::kAccessDenied,
                   "There were headers present in the request which were not signed: x-amz-date");
    }
    std::optional<absl::Time> time = ParseAmzDate(*amz_date);
    if (!time.has_value()) return NoDate();
    return *time;
  }
  std::optional<std::string> date = HeaderValue(request, "date");
  if (!date.has_value()) return NoDate();
  if (!IsSigned(claim, "date")) {
    return Error(ErrorCode::kAccessDenied,
                 "There were headers present in the request which were not signed: date");
  }
  std::optional<absl::Time> time = ParseHttpDate(*date);
  if (!time.has_value()) return NoDate();
  return *time;
}

bool HasBody(const HttpRequest& request) {
  if (request.content_length.has_value()) return *request.content_length > 0;
  return !HeaderValues(request, "transfer-encoding").empty();
}

// x-amz-content-sha256 as signed; a body-less request without it signed the
// hash of nothing, as generic SigV4 clients do.
absl::StatusOr<std::string> HeaderPayloadHash(const HttpRequest& request, const Claim& claim) {
  std::optional<std::string> hash = HeaderValue(request, "x-amz-content-sha256");
  if (!hash.has_value()) {
    if (HasBody(request)) {
      return Error(ErrorCode::kInvalidRequest,
                   "Missing required header for this request: x-amz-content-sha256");
    }
    return std::string(kEmptySha256Hex);
  }
  if (!IsSigned(claim, "x-amz-content-sha256")) {
    return Error(ErrorCode::kAccessDenied,
                 "There were headers present in the request which were not signed: "
                 "x-amz-content-sha256");
  }
  return *hash;
}

absl::StatusOr<std::string> SecretOf(const CredentialStore& credentials, const Claim& claim) {
  std::optional<std::string> secret = credentials.SecretKey(claim.access_key_id);
  if (!secret.has_value()) {
    return Error(ErrorCode::kInvalidAccessKeyId,
                 "The AWS Access Key Id you provided does not exist in our records.");
  }
  return *std::move(secret);
}

std::string ScopeOf(const Claim& claim) {
  return absl::StrCat(claim.scope_date, "/", claim.region, "/", claim.service, "/aws4_request");
}

AuthContext ContextOf(const Claim& claim, PayloadMode mode, std::string payload_hash,
                      std::string signing_key, std::string amz_date) {
  AuthContext context;
  context.access_key_id = claim.access_key_id;
  context.payload_mode = mode;
  if (mode == PayloadMode::kSha256) {
    context.payload_sha256_hex = absl::AsciiStrToLower(AbslView(payload_hash));
  }
  context.signing_key = std::move(signing_key);
  context.amz_date = std::move(amz_date);
  context.scope = ScopeOf(claim);
  context.seed_signature = claim.signature;
  return context;
}

absl::StatusOr<AuthContext> AuthenticateHeader(const HttpRequest& request, std::string_view path,
                                               std::string_view query,
                                               std::string_view authorization,
                                               const CredentialStore& credentials, absl::Time now,
                                               std::string_view region) {
  absl::StatusOr<Claim> claim = ParseAuthorization(authorization);
  if (!claim.ok()) return claim.status();
  absl::StatusOr<std::string> secret = SecretOf(credentials, *claim);
  if (!secret.ok()) return secret.status();
  absl::StatusOr<absl::Time> time = HeaderRequestTime(request, *claim);
  if (!time.ok()) return time.status();
  if (absl::AbsDuration(now - *time) > kMaxClockSkew) {
    return Error(ErrorCode::kRequestTimeTooSkewed,
                 absl::StrCat("The difference between the request time (", AmzDate(*time),
                              ") and the server's time (", AmzDate(now), ") is too large."));
  }
  SignedParts parts;
  parts.method = request.method;
  parts.path = path;
  parts.amz_date = AmzDate(*time);
  absl::Status status = CheckScope(*claim, parts.amz_date, region);
  if (!status.ok()) return status;
  absl::StatusOr<std::string> payload_hash = HeaderPayloadHash(request, *claim);
  if (!payload_hash.ok()) return payload_hash.status();
  absl::StatusOr<PayloadMode> mode = PayloadModeOf(*payload_hash);
  if (!mode.ok()) return mode.status();
  parts.payload_hash = *payload_hash;
  parts.canonical_query = CanonicalQueryString(query);
  parts.canonical_headers = CanonicalHeadersBlock(request, *claim);
  std::string signing_key =
      DeriveSigningKey(*secret, claim->scope_date, claim->region, claim->service);
  status = VerifySignature(parts, *claim, signing_key, ScopeOf(*claim));
  if (!status.ok()) return status;
  return ContextOf(*claim, *mode, *payload_hash, std::move(signing_key), parts.amz_date);
}

// The X-Amz-* parameters of a presigned URL, before any key is looked up.
struct PresignedClaim {
  Claim claim;
  absl::Time time;
  std::string amz_date;
  int64_t expires_seconds = 0;
  std::string payload_hash;
};

absl::StatusOr<PresignedClaim> ParsePresigned(std::string_view query) {
  PresignedClaim presigned;
  std::optional<std::string> algorithm = QueryParameter(query, "X-Amz-Algorithm");
  if (!algorithm.has_value() || *algorithm != kSigningAlgorithm) {
    return Malformed("X-Amz-Algorithm must be AWS4-HMAC-SHA256");
  }
  std::optional<std::string> credential = QueryParameter(query, "X-Amz-Credential");
  std::optional<std::string> date = QueryParameter(query, "X-Amz-Date");
  std::optional<std::string> expires = QueryParameter(query, "X-Amz-Expires");
  std::optional<std::string> signed_headers = QueryParameter(query, "X-Amz-SignedHeaders");
  std::optional<std::string> signature = QueryParameter(query, "X-Amz-Signature");
  if (!credential || !date || !expires || !signed_headers || !signature) {
    return Malformed(
        "a presigned URL needs X-Amz-Credential, X-Amz-Date, X-Amz-Expires, "
        "X-Amz-SignedHeaders and X-Amz-Signature");
  }
  absl::Status status = ParseCredential(*credential, presigned.claim);
  if (status.ok()) status = ParseSignedHeaders(*signed_headers, presigned.claim);
  if (status.ok()) status = ParseSignature(*signature, presigned.claim);
  if (!status.ok()) return status;
  std::optional<absl::Time> time = ParseAmzDate(*date);
  if (!time.has_value()) return Malformed("X-Amz-Date must look like 20130524T000000Z");
  presigned.time = *time;
  presigned.amz_date = *date;
  const bool digits =
      !expires->empty() && expires->size() <= 7 &&
      std::all_of(expires->begin(), expires->end(), [](char c) { return absl::ascii_isdigit(c); });
  if (!digits || !absl::SimpleAtoi(AbslView(*expires), &presigned.expires_seconds) ||
      presigned.expires_seconds < 1 || presigned.expires_seconds > kMaxPresignedExpiresSeconds) {
    return Error(ErrorCode::kInvalidArgument,
                 "X-Amz-Expires must be a number of seconds from 1 to 604800 (7 days)");
  }
  presigned.payload_hash =
      QueryParameter(query, "X-Amz-Content-Sha256").value_or(std::string(kUnsignedPayload));
  return presigned;
}

absl::StatusOr<AuthContext> AuthenticatePresigned(const HttpRequest& request, std::string_view path,
                                                  std::string_view query,
                                                  const CredentialStore& credentials,
                                                  absl::Time now, std::string_view region) {
  absl::StatusOr<PresignedClaim> presigned = ParsePresigned(query);
  if (!presigned.ok()) return presigned.status();
  const Claim& claim = presigned->claim;
  absl::StatusOr<std::string> secret = SecretOf(credentials, claim);
  if (!secret.ok()) return secret.status();
  absl::Status status = CheckScope(claim, presigned->amz_date, region);
  if (!status.ok()) return status;
  if (now > presigned->time + absl::Seconds(presigned->expires_seconds)) {
    return Error(ErrorCode::kAccessDenied, "Request has expired");
  }
  if (presigned->time > now + kMaxClockSkew) {
    return Error(ErrorCode::kAccessDenied, "Request is not valid yet");
  }
  absl::StatusOr<PayloadMode> mode = PayloadModeOf(presigned->payload_hash);
  if (!mode.ok()) return mode.status();
  if (*mode != PayloadMode::kUnsigned && *mode != PayloadMode::kSha256) {
    return Error(ErrorCode::kInvalidArgument, "presigned URLs cannot carry STREAMING-* payloads");
  }
  SignedParts parts{.method = request.method,
                    .path = path,
                    .canonical_query = CanonicalQueryString(query, "X-Amz-Signature"),
                    .canonical_headers = CanonicalHeadersBlock(request, claim),
                    .payload_hash = presigned->payload_hash,
                    .amz_date = presigned->amz_date};
  std::string signing_key =
      DeriveSigningKey(*secret, claim.scope_date, claim.region, claim.service);
  status = VerifySignature(parts, claim, signing_key, ScopeOf(claim));
  if (!status.ok()) return status;
  return ContextOf(claim, *mode, presigned->payload_hash, std::move(signing_key),
                   presigned->amz_date);
}

bool HasPresignedParameters(std::string_view query) {
  for (std::string_view name : {"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"}) {
    if (QueryParameter(query, name).has_value()) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<AuthContext> Authenticate(const HttpRequest& request, std::string_view path,
                                         std::string_view query, const CredentialStore& credentials,
                                         absl::Time now, std::string_view region) {
  const std::vector<std::string_view> authorization = HeaderValues(request, "authorization");
  const bool presigned = HasPresignedParameters(query);
  if (!authorization.empty() && presigned) {
    return Error(ErrorCode::kInvalidArgument, "Only one auth mechanism allowed");
  }
  if (authorization.size() > 1) return Malformed("more than one Authorization header");
  if (!authorization.empty()) {
    if (absl::StartsWith(AbslView(authorization[0]), "AWS ")) {
      return Error(ErrorCode::kInvalidRequest,
                   "The authorization mechanism you have provided is not supported. Please use "
                   "AWS4-HMAC-SHA256.");
    }
    return AuthenticateHeader(request, path, query, authorization[0], credentials, now, region);
  }
  if (presigned) return AuthenticatePresigned(request, path, query, credentials, now, region);
  if (QueryParameter(query, "AWSAccessKeyId").has_value()) {
    return Error(ErrorCode::kInvalidRequest,
                 "The authorization mechanism you have provided is not supported. Please use "
                 "AWS4-HMAC-SHA256.");
  }
  return Error(ErrorCode::kAccessDenied, "Access Denied: the request carries no credentials");
}

absl::StatusOr<std::string> VerifySignature(const HttpRequest& request,
                                            const CredentialStore& credentials, absl::Time now,
                                            std::string_view region) {
  const std::string_view target = request.target;
  const size_t question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  absl::StatusOr<AuthContext> auth = Authenticate(request, path, query, credentials, now, region);
  if (!auth.ok()) return auth.status();
  return auth->access_key_id;
}

}  // namespace hamster::s3
