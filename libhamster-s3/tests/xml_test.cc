#include "src/xml.h"

#include <catch2/catch.hpp>

#include "hamster/s3/errors.h"
#include "src/versioning_xml.h"

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

TEST_CASE("ParseVersioningConfiguration: states, no status, and refusals", "[s3]") {
  CHECK(ParseVersioningConfiguration(
            "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>")
            .value() == VersioningState::kEnabled);
  CHECK(ParseVersioningConfiguration(
            "<VersioningConfiguration><Status>Suspended</Status><MfaDelete>Disabled</MfaDelete>"
            "</VersioningConfiguration>")
            .value() == VersioningState::kSuspended);
  CHECK(!ParseVersioningConfiguration("<VersioningConfiguration/>").value().has_value());
  CHECK(ErrorCodeOf(ParseVersioningConfiguration(
                        "<VersioningConfiguration><Status>Off</Status></VersioningConfiguration>")
                        .status()) == ErrorCode::kMalformedXML);
  CHECK(ErrorCodeOf(ParseVersioningConfiguration("<VersioningConfiguration><MfaDelete>Enabled"
                                                 "</MfaDelete></VersioningConfiguration>")
                        .status()) == ErrorCode::kNotImplemented);
  CHECK(ErrorCodeOf(ParseVersioningConfiguration("<Other/>").status()) == ErrorCode::kMalformedXML);
  CHECK(VersioningConfigurationXml(VersioningState::kUnversioned).find("Status") ==
        std::string::npos);
}

TEST_CASE("ParseObjectLockConfiguration: a rule needs a mode and one positive period", "[s3]") {
  const auto parse = [](const std::string& rule) {
    return ParseObjectLockConfiguration(
        "<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled>" + rule +
        "</ObjectLockConfiguration>");
  };
  absl::StatusOr<ObjectLockConfiguration> config = parse(
      "<Rule><DefaultRetention><Mode>COMPLIANCE</Mode><Years>2</Years></DefaultRetention>"
      "</Rule>");
  REQUIRE(config.ok());
  REQUIRE(config->default_retention.has_value());
  CHECK(config->default_retention->mode == RetentionMode::kCompliance);
  CHECK(config->default_retention->years == 2);
  CHECK(config->default_retention->days == 0);
  CHECK(!parse("").value().default_retention.has_value());
  const auto code = [&](const std::string& rule) { return ErrorCodeOf(parse(rule).status()); };
  CHECK(code("<Rule/>") == ErrorCode::kMalformedXML);
  CHECK(code("<Rule><DefaultRetention><Days>1</Days></DefaultRetention></Rule>") ==
        ErrorCode::kMalformedXML);
  CHECK(code("<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days><Years>1</Years>"
             "</DefaultRetention></Rule>") == ErrorCode::kMalformedXML);
  CHECK(code("<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>0</Days>"
             "</DefaultRetention></Rule>") == ErrorCode::kInvalidArgument);
  CHECK(code("<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>36501</Days>"
             "</DefaultRetention></Rule>") == ErrorCode::kInvalidArgument);
  CHECK(code("<Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>x</Days>"
             "</DefaultRetention></Rule>") == ErrorCode::kMalformedXML);
  CHECK(ErrorCodeOf(ParseObjectLockConfiguration("<ObjectLockConfiguration/>").status()) ==
        ErrorCode::kMalformedXML);
  CHECK(ObjectLockConfigurationXml(*config).find("<Years>2</Years>") != std::string::npos);
}

TEST_CASE("ParseRetention and ParseLegalHold: values, removal and refusals", "[s3]") {
  absl::StatusOr<ObjectRetention> retention = ParseRetention(
      "<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>2030-01-02T03:04:05.250Z"
      "</RetainUntilDate></Retention>");
  REQUIRE(retention.ok());
  CHECK(retention->mode == RetentionMode::kGovernance);
  CHECK(retention->retain_until == absl::FromUnixMillis(1893553445250));
  CHECK(RetentionXml(*retention).find("2030-01-02T03:04:05.250Z") != std::string::npos);
  CHECK(ParseRetention("<Retention/>").value().mode == RetentionMode::kNone);
  CHECK(ErrorCodeOf(ParseRetention("<Retention><Mode>GOVERNANCE</Mode></Retention>").status()) ==
        ErrorCode::kMalformedXML);
  CHECK(ErrorCodeOf(ParseRetention("<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>soon"
                                   "</RetainUntilDate></Retention>")
                        .status()) == ErrorCode::kMalformedXML);
  CHECK(ParseLegalHold("<LegalHold><Status>ON</Status></LegalHold>").value() == LegalHold::kOn);
  CHECK(ParseLegalHold("<LegalHold><Status>OFF</Status></LegalHold>").value() == LegalHold::kOff);
  CHECK(ErrorCodeOf(ParseLegalHold("<LegalHold><Status>on</Status></LegalHold>").status()) ==
        ErrorCode::kMalformedXML);
  CHECK(ParseIsoTime("2030-01-02T04:04:05+01:00") == absl::FromUnixSeconds(1893553445));
  CHECK(!ParseIsoTime("2030-01-02").has_value());
}

}  // namespace
}  // namespace hamster::s3
