#include "src/request.h"

#include <catch2/catch.hpp>

#include "hamster/s3/errors.h"
#include "src/object_headers.h"

namespace hamster::s3 {
namespace {

HttpRequest Request(std::string target, std::string host = "127.0.0.1:9000") {
  HttpRequest request;
  request.method = "GET";
  request.target = std::move(target);
  request.headers.push_back({"host", std::move(host)});
  return request;
}

TEST_CASE("ParseTarget: path style splits bucket and percent-decoded key", "[s3]") {
  absl::StatusOr<RequestTarget> target =
      ParseTarget(Request("/photos/2024/a%20b%2Fc.jpg?tagging&versionId=x%2By"), "");
  REQUIRE(target.ok());
  CHECK(target->bucket == "photos");
  CHECK(target->key == "2024/a b/c.jpg");
  CHECK(target->raw_path == "/photos/2024/a%20b%2Fc.jpg");
  CHECK(target->query.at("tagging").empty());
  CHECK(target->query.at("versionId") == "x+y");
}

TEST_CASE("ParseTarget: keys are data: dot segments and double slashes are kept", "[s3]") {
  absl::StatusOr<RequestTarget> target = ParseTarget(Request("/b/../../etc/passwd"), "");
  REQUIRE(target.ok());
  CHECK(target->key == "../../etc/passwd");
  target = ParseTarget(Request("/b/a//b/"), "");
  REQUIRE(target.ok());
  CHECK(target->key == "a//b/");
}

TEST_CASE("ParseTarget: virtual-hosted style takes the bucket from Host", "[s3]") {
  absl::StatusOr<RequestTarget> target =
      ParseTarget(Request("/dir/key", "my-bucket.s3.local:9000"), "s3.local");
  REQUIRE(target.ok());
  CHECK(target->bucket == "my-bucket");
  CHECK(target->key == "dir/key");
  // Without the domain configured, the same request is path style.
  target = ParseTarget(Request("/dir/key", "my-bucket.s3.local:9000"), "");
  REQUIRE(target.ok());
  CHECK(target->bucket == "dir");
  // The bare domain addresses the service, path style.
  target = ParseTarget(Request("/b/k", "s3.local"), "s3.local");
  REQUIRE(target.ok());
  CHECK(target->bucket == "b");
}

TEST_CASE("ParseTarget: a stray '%' is literal, relative targets are rejected", "[s3]") {
  absl::StatusOr<RequestTarget> literal = ParseTarget(Request("/b/100%zz"), "");
  REQUIRE(literal.ok());
  CHECK(literal->key == "100%zz");
  for (const char* bad : {"b/k", "*", ""}) {
    INFO(bad);
    absl::StatusOr<RequestTarget> target = ParseTarget(Request(bad), "");
    REQUIRE_FALSE(target.ok());
    CHECK(ErrorCodeOf(target.status()).has_value());
  }
}

TEST_CASE("IsValidBucketName: follows S3 naming rules", "[s3]") {
  const std::vector<std::string> good_names = {"abc", "my-bucket", "my.bucket.1", "a23",
                                               std::string(63, 'a')};
  for (const std::string& good : good_names) {
    INFO(good);
    CHECK(IsValidBucketName(good));
  }
  for (const char* bad : {"ab", "My-Bucket", "-abc", "abc-", "a..b", "a.-b", "a_b", "192.168.1.1",
                          "xn--abc", "abc-s3alias", "a b", "sthree-x"}) {
    INFO(bad);
    CHECK_FALSE(IsValidBucketName(bad));
  }
  CHECK_FALSE(IsValidBucketName(std::string(64, 'a')));
}

TEST_CASE("ParseHttpDate: reads IMF-fixdate and RFC 850 dates", "[s3]") {
  const absl::Time expected = absl::FromUnixSeconds(784111777);  // Sun, 06 Nov 1994 08:49:37 GMT
  CHECK(ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT") == expected);
  CHECK(ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT") == expected);
  CHECK_FALSE(ParseHttpDate("yesterday").has_value());
  CHECK(FormatHttpDate(expected) == "Sun, 06 Nov 1994 08:49:37 GMT");
  CHECK(FormatIsoTime(expected + absl::Milliseconds(5)) == "1994-11-06T08:49:37.005Z");
}

TEST_CASE("ParseRange: first-last, open and suffix ranges", "[s3]") {
  auto range = [](std::string_view header, uint64_t size) {
    absl::StatusOr<std::optional<ByteRange>> parsed = ParseRange(header, size);
    REQUIRE(parsed.ok());
    REQUIRE(parsed->has_value());
    return std::make_pair((*parsed)->offset, (*parsed)->length);
  };
  CHECK(range("bytes=0-0", 10) == std::make_pair(uint64_t{0}, uint64_t{1}));
  CHECK(range("bytes=2-5", 10) == std::make_pair(uint64_t{2}, uint64_t{4}));
  CHECK(range("bytes=2-100", 10) == std::make_pair(uint64_t{2}, uint64_t{8}));
  CHECK(range("bytes=7-", 10) == std::make_pair(uint64_t{7}, uint64_t{3}));
  CHECK(range("bytes=-3", 10) == std::make_pair(uint64_t{7}, uint64_t{3}));
  CHECK(range("bytes=-30", 10) == std::make_pair(uint64_t{0}, uint64_t{10}));
}

TEST_CASE("ParseRange: unsatisfiable ranges are InvalidRange, odd ones are ignored", "[s3]") {
  for (auto [header, size] :
       std::initializer_list<std::pair<const char*, uint64_t>>{{"bytes=10-", 10},
                                                               {"bytes=10-20", 10},
                                                               {"bytes=-0", 10},
                                                               {"bytes=0-", 0},
                                                               {"bytes=-5", 0}}) {
    INFO(header << " size " << size);
    absl::StatusOr<std::optional<ByteRange>> parsed = ParseRange(header, size);
    REQUIRE_FALSE(parsed.ok());
    CHECK(ErrorCodeOf(parsed.status()) == ErrorCode::kInvalidRange);
  }
  // S3 serves the whole object for ranges it does not understand.
  for (const char* header : {"bytes=5-2", "bytes=a-b", "items=0-1", "bytes=0-1,3-4", "bytes"}) {
    INFO(header);
    absl::StatusOr<std::optional<ByteRange>> parsed = ParseRange(header, 10);
    REQUIRE(parsed.ok());
    CHECK_FALSE(parsed->has_value());
  }
}

TEST_CASE("EvaluateConditions: RFC 7232 precedence as S3 applies it", "[s3]") {
  ObjectInfo info;
  info.etag = "abc";
  info.last_modified = absl::FromUnixSeconds(1000000);
  const std::string before = FormatHttpDate(absl::FromUnixSeconds(999000));
  const std::string after = FormatHttpDate(absl::FromUnixSeconds(1001000));
  auto evaluate = [&](std::vector<HttpHeader> headers, std::string_view prefix = "") {
    HttpRequest request;
    request.headers = std::move(headers);
    return EvaluateConditions(request, info, prefix);
  };
  CHECK(evaluate({}) == ConditionOutcome::kProceed);
  CHECK(evaluate({{"if-match", "\"abc\""}}) == ConditionOutcome::kProceed);
  CHECK(evaluate({{"if-match", "\"x\", \"abc\""}}) == ConditionOutcome::kProceed);
  CHECK(evaluate({{"if-match", "\"xyz\""}}) == ConditionOutcome::kPreconditionFailed);
  CHECK(evaluate({{"if-none-match", "\"abc\""}}) == ConditionOutcome::kNotModified);
  CHECK(evaluate({{"if-none-match", "*"}}) == ConditionOutcome::kNotModified);
  CHECK(evaluate({{"if-modified-since", after}}) == ConditionOutcome::kNotModified);
  CHECK(evaluate({{"if-modified-since", before}}) == ConditionOutcome::kProceed);
  CHECK(evaluate({{"if-unmodified-since", before}}) == ConditionOutcome::kPreconditionFailed);
  // If-Match wins over If-Unmodified-Since; If-None-Match over If-Modified-Since.
  CHECK(evaluate({{"if-match", "\"abc\""}, {"if-unmodified-since", before}}) ==
        ConditionOutcome::kProceed);
  CHECK(evaluate({{"if-none-match", "\"zzz\""}, {"if-modified-since", after}}) ==
        ConditionOutcome::kProceed);
  // A copy source's failed conditions are all precondition failures.
  CHECK(evaluate({{"x-amz-copy-source-if-none-match", "\"abc\""}}, "x-amz-copy-source-") ==
        ConditionOutcome::kPreconditionFailed);
}

TEST_CASE("MetadataFromHeaders: keeps content headers and user metadata", "[s3]") {
  HttpRequest request;
  request.headers = {{"content-type", "text/plain"}, {"content-encoding", "aws-chunked,gzip"},
                     {"cache-control", "no-cache"},  {"x-amz-meta-colour", "blue"},
                     {"expires", "tomorrow"},        {"authorization", "secret"}};
  absl::StatusOr<ObjectMetadata> metadata = MetadataFromHeaders(request);
  REQUIRE(metadata.ok());
  CHECK(metadata->content_type == "text/plain");
  CHECK(metadata->content_encoding == "gzip");
  CHECK(metadata->cache_control == "no-cache");
  CHECK(metadata->expires == "tomorrow");
  CHECK(metadata->user == std::map<std::string, std::string>{{"colour", "blue"}});
  request.headers.push_back({"x-amz-meta-big", std::string(2100, 'x')});
  CHECK(ErrorCodeOf(MetadataFromHeaders(request).status()) == ErrorCode::kMetadataTooLarge);
}

}  // namespace
}  // namespace hamster::s3
