// Server-side verification (Authenticate) against AWS's S3 examples, the
// client signer (sigv4.h), and requests real clients send: odd spacing,
// duplicate headers, uppercase names, a consumed Expect header.
#include "src/auth.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "hamster/s3/errors.h"
#include "hamster/s3/sigv4.h"

namespace hamster::s3 {
namespace {

constexpr std::string_view kKey = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const absl::Time kS3Time =
    absl::FromCivil(absl::CivilSecond(2013, 5, 24, 0, 0, 0), absl::UTCTimeZone());
const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2024, 2, 29, 23, 59, 30), absl::UTCTimeZone());

class FakeCredentials : public CredentialStore {
 public:
  std::optional<std::string> SecretKey(std::string_view access_key_id) const override {
    auto it = secrets_.find(std::string(access_key_id));
    if (it == secrets_.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::string, std::string> secrets_ = {{std::string(kKey), std::string(kSecret)},
                                                 {"other", "other-secret"}};
};

std::optional<ErrorCode> CodeOf(const absl::StatusOr<AuthContext>& result) {
  if (result.ok()) return std::nullopt;
  return ErrorCodeOf(result.status());
}

struct Request {
  HttpRequest http;
  std::string path;
  std::string query;
};

absl::StatusOr<AuthContext> Verify(const Request& request, absl::Time now,
                                   std::string_view region = "us-east-1") {
  FakeCredentials credentials;
  return Authenticate(request.http, request.path, request.query, credentials, now, region);
}

// A request signed by the client signer at `time`, carrying exactly the
// headers it signed (plus `unsigned_headers`).
Request SignedRequest(std::string method, std::string path, std::string query,
                      std::vector<std::pair<std::string, std::string>> headers, absl::Time time,
                      std::string payload = std::string(kUnsignedPayload),
                      SigningCredentials credentials = {.access_key_id = std::string(kKey),
                                                        .secret_key = std::string(kSecret)}) {
  if (!payload.empty()) headers.emplace_back("x-amz-content-sha256", payload);
  headers.emplace_back("x-amz-date", AmzDate(time));
  const RequestToSign to_sign{
      .method = method,
      .path = path,
      .query = query,
      .headers = headers,
      .payload_sha256_hex = payload.empty() ? std::string(kEmptySha256Hex) : payload};
  Request request{.http = {.method = method, .target = path, .headers = {}, .content_length = {}},
                  .path = path,
                  .query = query};
  for (auto& [name, value] : headers) request.http.headers.push_back({name, value});
  request.http.headers.push_back(
      {"authorization", AuthorizationHeader(to_sign, credentials, time)});
  return request;
}

Request SimpleGet(absl::Time time) {
  return SignedRequest("GET", "/bucket/key", "", {{"host", "localhost:9000"}}, time);
}

void SetHeader(Request& request, std::string_view name, std::string value) {
  for (HttpHeader& header : request.http.headers) {
    if (header.name == name) {
      header.value = std::move(value);
      return;
    }
  }
  request.http.headers.push_back({std::string(name), std::move(value)});
}

TEST_CASE("Auth: the S3 documentation's GET Object request verifies", "[s3][auth]") {
  Request request{.http = {.method = "GET",
                           .target = "/test.txt",
                           .headers = {{"host", "examplebucket.s3.amazonaws.com"},
                                       {"range", "bytes=0-9"},
                                       {"x-amz-content-sha256", std::string(kEmptySha256Hex)},
                                       {"x-amz-date", "20130524T000000Z"},
                                       {"authorization",
                                        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
                                        "us-east-1/s3/aws4_request,SignedHeaders=host;range;x-amz-"
                                        "content-sha256;x-amz-date,Signature="
                                        "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c603"
                                        "6bdb41"}},
                           .content_length = {}},
                  .path = "/test.txt",
                  .query = ""};
  absl::StatusOr<AuthContext> context = Verify(request, kS3Time + absl::Minutes(3));
  REQUIRE(context.ok());
  CHECK(context->access_key_id == kKey);
  CHECK(context->payload_mode == PayloadMode::kSha256);
  CHECK(context->payload_sha256_hex == kEmptySha256Hex);

  SetHeader(request, "range", "bytes=0-10");
  CHECK(CodeOf(Verify(request, kS3Time)) == ErrorCode::kSignatureDoesNotMatch);
}

TEST_CASE("Auth: the S3 documentation's PUT Object request verifies", "[s3][auth]") {
  const std::string hash = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
  Request request{
      .http = {.method = "PUT",
               .target = "/test%24file.text",
               .headers = {{"host", "examplebucket.s3.amazonaws.com"},
                           {"date", "Fri, 24 May 2013 00:00:00 GMT"},
                           {"x-amz-date", "20130524T000000Z"},
                           {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                           {"x-amz-content-sha256", hash},
                           {"expect", "100-continue"},  // sent, not signed
                           {"authorization",
                            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/"
                            "s3/aws4_request,SignedHeaders=date;host;x-amz-content-sha256;x-amz-"
                            "date;x-amz-storage-class,Signature=98ad721746da40c64f1a55b78f14c238d84"
                            "1ea1380cd77a1b5971af0ece108bd"}},
               .content_length = 21},
      .path = "/test%24file.text",
      .query = ""};
  absl::StatusOr<AuthContext> context = Verify(request, kS3Time);
  REQUIRE(context.ok());
  CHECK(context->payload_mode == PayloadMode::kSha256);
  CHECK(context->payload_sha256_hex == hash);
}

TEST_CASE("Auth: the S3 documentation's lifecycle and list requests verify", "[s3][auth]") {
  for (const auto& [query, signature] : std::vector<std::pair<std::string, std::string>>{
           {"lifecycle", "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"},
           {"max-keys=2&prefix=J",
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"}}) {
    INFO("query=" << query);
    Request request{
        .http = {.method = "GET",
                 .target = "/?" + query,
                 .headers = {{"host", "examplebucket.s3.amazonaws.com"},
                             {"x-amz-date", "20130524T000000Z"},
                             {"x-amz-content-sha256", std::string(kEmptySha256Hex)},
                             {"authorization",
                              absl::StrCat("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/"
                                           "20130524/us-east-1/s3/aws4_request,SignedHeaders=host;"
                                           "x-amz-content-sha256;x-amz-date,Signature=",
                                           signature)}},
                 .content_length = {}},
        .path = "/",
        .query = query};
    CHECK(Verify(request, kS3Time).ok());
  }
}

Request DocPresigned(std::string query) {
  return Request{.http = {.method = "GET",
                          .target = "/test.txt?" + query,
                          .headers = {{"host", "examplebucket.s3.amazonaws.com"}},
                          .content_length = {}},
                 .path = "/test.txt",
                 .query = std::move(query)};
}

const std::string kDocPresignedQuery =
    "X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

TEST_CASE("Auth: the S3 documentation's presigned URL verifies until it expires", "[s3][auth]") {
  const Request request = DocPresigned(kDocPresignedQuery);
  absl::StatusOr<AuthContext> context = Verify(request, kS3Time + absl::Hours(1));
  REQUIRE(context.ok());
  CHECK(context->payload_mode == PayloadMode::kUnsigned);
  CHECK(Verify(request, kS3Time + absl::Seconds(86400)).ok());
  absl::StatusOr<AuthContext> expired = Verify(request, kS3Time + absl::Seconds(86401));
  CHECK(CodeOf(expired) == ErrorCode::kAccessDenied);
  CHECK(expired.status().message() == "Request has expired");
  CHECK(CodeOf(Verify(request, kS3Time - absl::Minutes(16))) == ErrorCode::kAccessDenied);
  CHECK(Verify(request, kS3Time - absl::Minutes(14)).ok());

  const Request tampered =
      DocPresigned(absl::StrReplaceAll(kDocPresignedQuery, {{"aeeed9", "aeeed8"}}));
  CHECK(CodeOf(Verify(tampered, kS3Time)) == ErrorCode::kSignatureDoesNotMatch);
  const Request longer =
      DocPresigned(absl::StrReplaceAll(kDocPresignedQuery, {{"86400", "86401"}}));
  CHECK(CodeOf(Verify(longer, kS3Time)) == ErrorCode::kSignatureDoesNotMatch);
}

TEST_CASE("Auth: X-Amz-Expires must be 1 to 604800 seconds", "[s3][auth]") {
  const SigningCredentials credentials{.access_key_id = std::string(kKey),
                                       .secret_key = std::string(kSecret)};
  const RequestToSign to_sign{.method = "GET",
                              .path = "/bucket/key",
                              .query = "versionId=3",
                              .headers = {{"host", "localhost"}},
                              .payload_sha256_hex = ""};
  const std::string week = PresignedQuery(to_sign, credentials, kNow, absl::Seconds(604800));
  const Request request{.http = {.method = "GET",
                                 .target = "",
                                 .headers = {{"host", "localhost"}},
                                 .content_length = {}},
                        .path = "/bucket/key",
                        .query = week};
  CHECK(Verify(request, kNow + absl::Seconds(604800)).ok());
  CHECK(CodeOf(Verify(request, kNow + absl::Seconds(604801))) == ErrorCode::kAccessDenied);
  for (std::string_view expires : {"604801", "0", "-5", "", "1e3", "99999999999", " 60"}) {
    INFO("expires=" << expires);
    Request bad = request;
    bad.query = absl::StrReplaceAll(
        week, {{"X-Amz-Expires=604800", absl::StrCat("X-Amz-Expires=", std::string(expires))}});
    CHECK(CodeOf(Verify(bad, kNow)) == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("Auth: malformed presigned parameters", "[s3][auth]") {
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-HMAC-SHA512"},
           {"&X-Amz-Date=20130524T000000Z", ""},
           {"X-Amz-Date=20130524T000000Z", "X-Amz-Date=2013-05-24"},
           {"&X-Amz-SignedHeaders=host", "&X-Amz-SignedHeaders=range"},
           {"X-Amz-Signature=aeeed9", "X-Amz-Signature=zzzzz9"},
           {"%2Fs3%2F", "%2Fec2%2F"},
           {"X-Amz-Date=20130524T000000Z", "X-Amz-Date=20130525T000000Z"},
       }) {
    INFO("replace " << from << " with " << to);
    const Request request = DocPresigned(absl::StrReplaceAll(kDocPresignedQuery, {{from, to}}));
    CHECK(CodeOf(Verify(request, kS3Time + absl::Hours(2))) ==
          ErrorCode::kAuthorizationHeaderMalformed);
  }
  const Request unknown_key = DocPresigned(
      absl::StrReplaceAll(kDocPresignedQuery, {{"AKIAIOSFODNN7EXAMPLE", "AKIDNOBODY"}}));
  CHECK(CodeOf(Verify(unknown_key, kS3Time)) == ErrorCode::kInvalidAccessKeyId);
}

TEST_CASE("Auth: the S3 documentation's streaming uploads authenticate", "[s3][auth]") {
  Request request{
      .http = {.method = "PUT",
               .target = "/examplebucket/chunkObject.txt",
               .headers = {{"host", "s3.amazonaws.com"},
                           {"x-amz-date", "20130524T000000Z"},
                           {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                           {"x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"},
                           {"content-encoding", "aws-chunked"},
                           {"x-amz-decoded-content-length", "66560"},
                           {"content-length", "66824"},
                           {"authorization",
                            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/"
                            "s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-"
                            "amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-"
                            "storage-class,Signature=4f232c4386841ef735655705268965c44a0e4690baa4a"
                            "dea153f7db9fa80a0a9"}},
               .content_length = 66824},
      .path = "/examplebucket/chunkObject.txt",
      .query = ""};
  absl::StatusOr<AuthContext> context = Verify(request, kS3Time);
  REQUIRE(context.ok());
  CHECK(context->payload_mode == PayloadMode::kStreamingSigned);
  CHECK(context->seed_signature ==
        "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
  CHECK(context->amz_date == "20130524T000000Z");
  CHECK(context->scope == "20130524/us-east-1/s3/aws4_request");
  CHECK(context->signing_key == DeriveSigningKey(kSecret, "20130524", "us-east-1", "s3"));

  // The transport may hand over content-length only as the parsed length.
  request.http.headers.erase(request.http.headers.begin() + 6);
  CHECK(Verify(request, kS3Time).ok());
}

TEST_CASE("Auth: payload modes follow x-amz-content-sha256", "[s3][auth]") {
  const std::vector<std::pair<std::string, PayloadMode>> modes = {
      {"UNSIGNED-PAYLOAD", PayloadMode::kUnsigned},
      {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", PayloadMode::kStreamingSigned},
      {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", PayloadMode::kStreamingSignedTrailer},
      {"STREAMING-UNSIGNED-PAYLOAD-TRAILER", PayloadMode::kStreamingUnsignedTrailer},
      {"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855", PayloadMode::kSha256},
  };
  for (const auto& [value, mode] : modes) {
    INFO("x-amz-content-sha256=" << value);
    absl::StatusOr<AuthContext> context =
        Verify(SignedRequest("PUT", "/b/k", "", {{"host", "h"}}, kNow, value), kNow);
    REQUIRE(context.ok());
    CHECK(context->payload_mode == mode);
    if (mode == PayloadMode::kSha256) CHECK(context->payload_sha256_hex == kEmptySha256Hex);
  }
  for (std::string value : {"STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", "abc", "UNSIGNED"}) {
    INFO("x-amz-content-sha256=" << value);
    CHECK(CodeOf(Verify(SignedRequest("PUT", "/b/k", "", {{"host", "h"}}, kNow, value), kNow)) ==
          ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("Auth: the clock-skew window is 15 minutes either way", "[s3][auth]") {
  const Request request = SimpleGet(kNow);
  CHECK(Verify(request, kNow + absl::Minutes(15)).ok());
  CHECK(Verify(request, kNow - absl::Minutes(15)).ok());
  CHECK(CodeOf(Verify(request, kNow + absl::Minutes(15) + absl::Seconds(1))) ==
        ErrorCode::kRequestTimeTooSkewed);
  CHECK(CodeOf(Verify(request, kNow - absl::Minutes(15) - absl::Seconds(1))) ==
        ErrorCode::kRequestTimeTooSkewed);
}

TEST_CASE("Auth: wrong secrets, keys and tampering are refused", "[s3][auth]") {
  const Request wrong_secret =
      SignedRequest("GET", "/bucket/key", "", {{"host", "h"}}, kNow, std::string(kUnsignedPayload),
                    {.access_key_id = std::string(kKey), .secret_key = "not the secret"});
  CHECK(CodeOf(Verify(wrong_secret, kNow)) == ErrorCode::kSignatureDoesNotMatch);
  const Request unknown =
      SignedRequest("GET", "/bucket/key", "", {{"host", "h"}}, kNow, std::string(kUnsignedPayload),
                    {.access_key_id = "nobody", .secret_key = "x"});
  CHECK(CodeOf(Verify(unknown, kNow)) == ErrorCode::kInvalidAccessKeyId);

  Request request = SimpleGet(kNow);
  REQUIRE(Verify(request, kNow).ok());
  Request other_path = request;
  other_path.path = "/bucket/other";
  CHECK(CodeOf(Verify(other_path, kNow)) == ErrorCode::kSignatureDoesNotMatch);
  Request other_query = request;
  other_query.query = "acl";
  CHECK(CodeOf(Verify(other_query, kNow)) == ErrorCode::kSignatureDoesNotMatch);
  Request other_method = request;
  other_method.http.method = "DELETE";
  CHECK(CodeOf(Verify(other_method, kNow)) == ErrorCode::kSignatureDoesNotMatch);
  Request unsigned_to_sha = request;
  SetHeader(unsigned_to_sha, "x-amz-content-sha256", std::string(kEmptySha256Hex));
  CHECK(CodeOf(Verify(unsigned_to_sha, kNow)) == ErrorCode::kSignatureDoesNotMatch);
  Request flipped = request;
  std::string& authorization = flipped.http.headers.back().value;
  authorization.back() = authorization.back() == '0' ? '1' : '0';
  CHECK(CodeOf(Verify(flipped, kNow)) == ErrorCode::kSignatureDoesNotMatch);
}

TEST_CASE("Auth: requests without credentials or with other mechanisms", "[s3][auth]") {
  Request anonymous{
      .http = {.method = "GET", .target = "/b", .headers = {{"host", "h"}}, .content_length = {}},
      .path = "/b",
      .query = ""};
  CHECK(CodeOf(Verify(anonymous, kNow)) == ErrorCode::kAccessDenied);
  Request v2 = anonymous;
  v2.http.headers.push_back(
      {"authorization", "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg="});
  CHECK(CodeOf(Verify(v2, kNow)) == ErrorCode::kInvalidRequest);
  Request v2_query = anonymous;
  v2_query.query = "AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1141889120&Signature=vjbyPxybd";
  CHECK(CodeOf(Verify(v2_query, kNow)) == ErrorCode::kInvalidRequest);
  Request both = SimpleGet(kNow);
  both.query = "X-Amz-Algorithm=AWS4-HMAC-SHA256";
  CHECK(CodeOf(Verify(both, kNow)) == ErrorCode::kInvalidArgument);
  Request twice = SimpleGet(kNow);
  twice.http.headers.push_back(twice.http.headers.back());
  CHECK(CodeOf(Verify(twice, kNow)) == ErrorCode::kAuthorizationHeaderMalformed);
}

TEST_CASE("Auth: malformed Authorization headers", "[s3][auth]") {
  const std::string good = SimpleGet(kNow).http.headers.back().value;
  const std::string credential =
      absl::StrCat("Credential=", std::string(kKey), "/", AmzDate(kNow).substr(0, 8),
                   "/us-east-1/s3/aws4_request");
  const std::string rest = good.substr(good.find("SignedHeaders="));
  const std::vector<std::string> malformed = {
      "",
      "AWS4-HMAC-SHA256",
      "AWS4-HMAC-SHA256 ",
      "AWS4-HMAC-SHA512 " + credential + ", " + rest,
      "AWS4-HMAC-SHA256" + credential + ", " + rest,
      "AWS4-HMAC-SHA256 " + rest,
      "AWS4-HMAC-SHA256 " + credential + ", Signature=" + std::string(64, 'a'),
      "AWS4-HMAC-SHA256 " + credential + ", SignedHeaders=host;x-amz-date",
      "AWS4-HMAC-SHA256 " + credential + ", " + credential + ", " + rest,
      "AWS4-HMAC-SHA256 " + credential + ", " + rest + ", Foo=bar",
      "AWS4-HMAC-SHA256 " + credential + ", " + rest + ", Signature",
      "AWS4-HMAC-SHA256 Credential=" + std::string(kKey) + "/20240229/us-east-1/s3, " + rest,
      "AWS4-HMAC-SHA256 Credential=" + std::string(kKey) + "/2024022/us-east-1/s3/aws4_request, " +
          rest,
      "AWS4-HMAC-SHA256 Credential=" + std::string(kKey) +
          "/20240229/us-east-1/ec2/aws4_request, " + rest,
      "AWS4-HMAC-SHA256 Credential=" + std::string(kKey) + "/20240229/us-east-1/s3/aws5_request, " +
          rest,
      "AWS4-HMAC-SHA256 Credential=/20240229/us-east-1/s3/aws4_request, " + rest,
      "AWS4-HMAC-SHA256 Credential=" + std::string(kKey) + "/20240229//s3/aws4_request, " + rest,
      "AWS4-HMAC-SHA256 Credential=" + std::string(kKey) + "/20240228/us-east-1/s3/aws4_request, " +
          rest,
      "AWS4-HMAC-SHA256 Credential=" + std::string(kKey) + "/20240229/eu-west-1/s3/aws4_request, " +
          rest,
      "AWS4-HMAC-SHA256 " + credential + ", SignedHeaders=, Signature=" + std::string(64, 'a'),
      "AWS4-HMAC-SHA256 " + credential +
          ", SignedHeaders=host;;x-amz-date, Signature=" + std::string(64, 'a'),
      "AWS4-HMAC-SHA256 " + credential +
          ", SignedHeaders=x-amz-content-sha256;x-amz-date, Signature=" + std::string(64, 'a'),
      "AWS4-HMAC-SHA256 " + credential + ", SignedHeaders=host;x-amz-date, Signature=abc",
      "AWS4-HMAC-SHA256 " + credential +
          ", SignedHeaders=host;x-amz-date, Signature=" + std::string(64, 'g'),
      "AWS4-HMAC-SHA256 " + credential +
          ", SignedHeaders=host;x-amz-date, Signature=" + std::string(65, 'a'),
  };
  for (const std::string& value : malformed) {
    INFO("authorization=" << value);
    Request request = SimpleGet(kNow);
    request.http.headers.back().value = value;
    CHECK(CodeOf(Verify(request, kNow)) == ErrorCode::kAuthorizationHeaderMalformed);
  }
  Request good_request = SimpleGet(kNow);
  CHECK(Verify(good_request, kNow).ok());
  CHECK(Verify(good_request, kNow, "").ok());  // no configured region accepts any
}

TEST_CASE("Auth: headers that must be signed", "[s3][auth]") {
  // Signed with only host: x-amz-date and x-amz-content-sha256 ride along unsigned.
  const RequestToSign to_sign{.method = "GET",
                              .path = "/b/k",
                              .query = "",
                              .headers = {{"host", "h"}},
                              .payload_sha256_hex = std::string(kUnsignedPayload)};
  const std::string authorization = AuthorizationHeader(
      to_sign, {.access_key_id = std::string(kKey), .secret_key = std::string(kSecret)}, kNow);
  Request request{.http = {.method = "GET",
                           .target = "/b/k",
                           .headers = {{"host", "h"},
                                       {"x-amz-date", AmzDate(kNow)},
                                       {"authorization", authorization}},
                           .content_length = {}},
                  .path = "/b/k",
                  .query = ""};
  CHECK(CodeOf(Verify(request, kNow)) == ErrorCode::kAccessDenied);  // x-amz-date unsigned
  request.http.headers[1] = {"date", "Thu, 29 Feb 2024 23:59:30 GMT"};
  CHECK(CodeOf(Verify(request, kNow)) == ErrorCode::kAccessDenied);  // date unsigned
  request.http.headers.erase(request.http.headers.begin() + 1);
  CHECK(CodeOf(Verify(request, kNow)) == ErrorCode::kAccessDenied);  // no date at all

  Request sha_unsigned = SignedRequest("GET", "/b/k", "", {{"host", "h"}}, kNow, "");
  sha_unsigned.http.headers.push_back({"x-amz-content-sha256", std::string(kEmptySha256Hex)});
  CHECK(CodeOf(Verify(sha_unsigned, kNow)) == ErrorCode::kAccessDenied);

  Request bad_date = SimpleGet(kNow);
  SetHeader(bad_date, "x-amz-date", "yesterday");
  CHECK(CodeOf(Verify(bad_date, kNow)) == ErrorCode::kAccessDenied);
}

TEST_CASE("Auth: a Date header can stand in for x-amz-date", "[s3][auth]") {
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"host", "h"},
      {"date", "Thu, 29 Feb 2024 23:59:30 GMT"},
      {"x-amz-content-sha256", std::string(kUnsignedPayload)}};
  const RequestToSign to_sign{.method = "GET",
                              .path = "/b/k",
                              .query = "",
                              .headers = headers,
                              .payload_sha256_hex = std::string(kUnsignedPayload)};
  Request request{.http = {.method = "GET", .target = "/b/k", .headers = {}, .content_length = {}},
                  .path = "/b/k",
                  .query = ""};
  for (const auto& [name, value] : headers) request.http.headers.push_back({name, value});
  request.http.headers.push_back(
      {"authorization",
       AuthorizationHeader(to_sign,
                           {.access_key_id = std::string(kKey), .secret_key = std::string(kSecret)},
                           kNow)});
  CHECK(Verify(request, kNow).ok());
  CHECK(CodeOf(Verify(request, kNow + absl::Hours(1))) == ErrorCode::kRequestTimeTooSkewed);
}

TEST_CASE("Auth: a body-less request may omit x-amz-content-sha256", "[s3][auth]") {
  Request get = SignedRequest("GET", "/b/k", "", {{"host", "h"}}, kNow, "");
  absl::StatusOr<AuthContext> context = Verify(get, kNow);
  REQUIRE(context.ok());
  CHECK(context->payload_mode == PayloadMode::kSha256);
  CHECK(context->payload_sha256_hex == kEmptySha256Hex);
  Request put = SignedRequest("PUT", "/b/k", "", {{"host", "h"}}, kNow, "");
  put.http.content_length = 5;
  CHECK(CodeOf(Verify(put, kNow)) == ErrorCode::kInvalidRequest);
}

TEST_CASE("Auth: tolerates what real clients send", "[s3][auth]") {
  SECTION("uppercase header names and messy spacing") {
    Request request =
        SignedRequest("PUT", "/b/k", "", {{"host", "h"}, {"x-amz-meta-a", "one  two"}}, kNow);
    for (HttpHeader& header : request.http.headers) {
      if (header.name == "x-amz-meta-a") header.value = "  one     two ";
      if (header.name == "host") header.name = "Host";
    }
    std::string& authorization = request.http.headers.back().value;
    authorization = absl::StrReplaceAll(authorization, {{", ", " ,  "}});
    CHECK(Verify(request, kNow).ok());
  }
  SECTION("a header sent twice is signed as one joined value") {
    Request request = SignedRequest(
        "PUT", "/b/k", "", {{"host", "h"}, {"x-amz-meta-a", "1"}, {"x-amz-meta-a", "2"}}, kNow);
    CHECK(Verify(request, kNow).ok());
    std::swap(request.http.headers[1], request.http.headers[2]);
    CHECK(CodeOf(Verify(request, kNow)) == ErrorCode::kSignatureDoesNotMatch);
  }
  SECTION("a signed Expect header the transport consumed") {
    Request request =
        SignedRequest("PUT", "/b/k", "", {{"host", "h"}, {"expect", "100-continue"}}, kNow);
    request.http.headers.erase(request.http.headers.begin() + 1);
    CHECK(Verify(request, kNow).ok());
  }
  SECTION("a path encoded differently on the wire than when signed") {
    Request request = SignedRequest("GET", "/b/a%21b%28c%29", "", {{"host", "h"}}, kNow);
    request.path = "/b/a!b(c)";
    CHECK(Verify(request, kNow).ok());
    request.path = "/b/a!b(d)";
    CHECK(CodeOf(Verify(request, kNow)) == ErrorCode::kSignatureDoesNotMatch);
  }
  SECTION("the canonical URI is the path as sent, not normalised") {
    Request request = SignedRequest("GET", "/b/./a//c/../k", "", {{"host", "h"}}, kNow);
    CHECK(Verify(request, kNow).ok());
    request.path = "/b/a/k";
    CHECK(CodeOf(Verify(request, kNow)) == ErrorCode::kSignatureDoesNotMatch);
  }
  SECTION("query values are re-encoded the SigV4 way") {
    Request request =
        SignedRequest("GET", "/b", "prefix=a%2Fb&delimiter=%2F&list-type=2", {{"host", "h"}}, kNow);
    request.query = "list-type=2&delimiter=/&prefix=a/b";
    CHECK(Verify(request, kNow).ok());
  }
}

TEST_CASE("VerifySignature: the public wrapper splits the target and verifies as S3 does", "[s3]") {
  FakeCredentials credentials;
  Request request =
      SignedRequest("POST", "/admin/v1/keys/rotate", "", {{"host", "127.0.0.1:9001"}}, kNow);
  absl::StatusOr<std::string> caller = VerifySignature(request.http, credentials, kNow, "");
  REQUIRE(caller.ok());
  CHECK(*caller == kKey);

  Request with_query =
      SignedRequest("GET", "/admin/v1/keys", "a=1", {{"host", "127.0.0.1:9001"}}, kNow);
  with_query.http.target = "/admin/v1/keys?a=1";
  CHECK(VerifySignature(with_query.http, credentials, kNow, "us-east-1").ok());
  // The query is signed: a changed one is refused.
  with_query.http.target = "/admin/v1/keys?a=2";
  CHECK(ErrorCodeOf(VerifySignature(with_query.http, credentials, kNow, "").status()) ==
        ErrorCode::kSignatureDoesNotMatch);

  Request wrong_secret = SignedRequest(
      "GET", "/admin/v1/keys", "", {{"host", "h"}}, kNow, std::string(kUnsignedPayload),
      {.access_key_id = std::string(kKey), .secret_key = "not-the-secret"});
  CHECK(ErrorCodeOf(VerifySignature(wrong_secret.http, credentials, kNow, "").status()) ==
        ErrorCode::kSignatureDoesNotMatch);
  HttpRequest anonymous{.method = "GET", .target = "/admin/v1/keys"};
  CHECK(ErrorCodeOf(VerifySignature(anonymous, credentials, kNow, "").status()) ==
        ErrorCode::kAccessDenied);
  CHECK(
      ErrorCodeOf(VerifySignature(request.http, credentials, kNow + absl::Hours(1), "").status()) ==
      ErrorCode::kRequestTimeTooSkewed);
}

}  // namespace
}  // namespace hamster::s3
