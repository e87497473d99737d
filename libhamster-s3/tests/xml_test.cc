#include "src/xml.h"

#include <catch2/catch.hpp>

#include "hamster/s3/errors.h"

namespace hamster::s3 {
namespace {

TEST_CASE("XmlWriter: escapes text and closes open elements", "[s3]") {
  XmlWriter xml("Root");
  xml.Open("Item");
  xml.Element("Key", "a<b>&\"c'\x01");
  const std::string document = xml.Finish();
  CHECK(document.find("<Key>a&lt;b&gt;&amp;&quot;c&apos;&#x1;</Key></Item></Root>") !=
        std::string::npos);
  CHECK(document.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
}

TEST_CASE("ParseCompleteMultipartUpload: parts with quoted or bare ETags", "[s3]") {
  absl::StatusOr<std::vector<CompletedPart>> parts = ParseCompleteMultipartUpload(
      "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"aa\"</ETag></Part>"
      "<Part><ETag>bb</ETag><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>");
  REQUIRE(parts.ok());
  REQUIRE(parts->size() == 2);
  CHECK((*parts)[0].part_number == 1);
  CHECK((*parts)[0].etag == "aa");
  CHECK((*parts)[1].etag == "bb");
}

TEST_CASE("ParseCompleteMultipartUpload: malformed documents are MalformedXML", "[s3]") {
  for (const char* bad : {"", "<CompleteMultipartUpload>", "<Other/>",
                          "<CompleteMultipartUpload></CompleteMultipartUpload>",
                          "<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part>"
                          "</CompleteMultipartUpload>"}) {
    INFO(bad);
    CHECK(ErrorCodeOf(ParseCompleteMultipartUpload(bad).status()) == ErrorCode::kMalformedXML);
  }
}

TEST_CASE("ParseDeleteObjects: quiet flag, keys and versions", "[s3]") {
  absl::StatusOr<DeleteObjectsRequest> request = ParseDeleteObjects(
      "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>"
      "<Object><Key>a&amp;b</Key></Object><Object><Key>c</Key><VersionId>v1</VersionId></Object>"
      "</Delete>");
  REQUIRE(request.ok());
  CHECK(request->quiet);
  REQUIRE(request->objects.size() == 2);
  CHECK(request->objects[0].key == "a&b");
  CHECK_FALSE(request->objects[0].version_id.has_value());
  CHECK(request->objects[1].version_id == "v1");
  CHECK(ErrorCodeOf(ParseDeleteObjects("<Delete></Delete>").status()) == ErrorCode::kMalformedXML);
  CHECK(ErrorCodeOf(ParseDeleteObjects("<Delete><Object/></Delete>").status()) ==
        ErrorCode::kMalformedXML);
  std::string many = "<Delete>";
  for (int i = 0; i < 1001; ++i) many += "<Object><Key>k</Key></Object>";
  CHECK(ErrorCodeOf(ParseDeleteObjects(many + "</Delete>").status()) == ErrorCode::kMalformedXML);
}

TEST_CASE("ParseTagging: tag rules are InvalidTag", "[s3]") {
  auto tagging = [](std::string tags) {
    return "<Tagging><TagSet>" + tags + "</TagSet></Tagging>";
  };
  absl::StatusOr<Tags> tags = ParseTagging(
      tagging("<Tag><Key>k</Key><Value>v</Value></Tag><Tag><Key>e</Key><Value/></Tag>"), 10);
  REQUIRE(tags.ok());
  CHECK(*tags == Tags{{"k", "v"}, {"e", ""}});
  const std::string duplicate = "<Tag><Key>k</Key><Value>1</Value></Tag>";
  CHECK(ErrorCodeOf(ParseTagging(tagging(duplicate + duplicate), 10).status()) ==
        ErrorCode::kInvalidTag);
  const std::string long_key = "<Tag><Key>" + std::string(129, 'k') + "</Key><Value/></Tag>";
  CHECK(ErrorCodeOf(ParseTagging(tagging(long_key), 10).status()) == ErrorCode::kInvalidTag);
  std::string eleven;
  for (int i = 0; i < 11; ++i) eleven += "<Tag><Key>" + std::to_string(i) + "</Key><Value/></Tag>";
  CHECK(ErrorCodeOf(ParseTagging(tagging(eleven), 10).status()) == ErrorCode::kInvalidTag);
  CHECK(ParseTagging(tagging(eleven), 50).ok());
  CHECK(ErrorCodeOf(ParseTagging("<Tagging>", 10).status()) == ErrorCode::kMalformedXML);
}

TEST_CASE("ParseTaggingHeader: URL-encoded pairs", "[s3]") {
  absl::StatusOr<Tags> tags = ParseTaggingHeader("a=1&b%20c=d%26e&empty=", 10);
  REQUIRE(tags.ok());
  CHECK(*tags == Tags{{"a", "1"}, {"b c", "d&e"}, {"empty", ""}});
  CHECK(ErrorCodeOf(ParseTaggingHeader("a=1&a=2", 10).status()) == ErrorCode::kInvalidTag);
  CHECK(ErrorCodeOf(ParseTaggingHeader("=1", 10).status()) == ErrorCode::kInvalidTag);
}

TEST_CASE("Errors: every code has a name and an HTTP status", "[s3]") {
  const absl::Status status = Error(ErrorCode::kNoSuchUpload, "gone");
  CHECK(ErrorCodeOf(status) == ErrorCode::kNoSuchUpload);
  CHECK(status.code() == absl::StatusCode::kNotFound);
  CHECK(ErrorCodeName(ErrorCode::kNoSuchUpload) == "NoSuchUpload");
  CHECK(HttpStatusOf(ErrorCode::kInvalidRange) == 416);
  CHECK(HttpStatusOf(ErrorCode::kXAmzContentSHA256Mismatch) == 400);
  CHECK(ErrorCodeName(ErrorCode::kXAmzContentSHA256Mismatch) == "XAmzContentSHA256Mismatch");
  CHECK_FALSE(ErrorCodeOf(absl::NotFoundError("plain")).has_value());
}

}  // namespace
}  // namespace hamster::s3
