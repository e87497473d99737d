// S3's XML: a small writer for response documents and parsers for the request
// bodies S3 accepts. Parsers reject anything malformed with kMalformedXML (or
// kInvalidTag for tag rules), never guess.
#ifndef HAMSTER_S3_SRC_XML_H_
#define HAMSTER_S3_SRC_XML_H_

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "hamster/s3/backend.h"

namespace hamster::s3 {

// Builds a document element by element; Finish() closes what is open.
class XmlWriter {
 public:
  explicit XmlWriter(std::string_view root);
  void Open(std::string_view name);
  void Close();
  void Element(std::string_view name, std::string_view text);
  void Text(std::string_view text);  // escaped, inside the innermost open element
  std::string Finish();

 private:
  std::string out_;
  std::vector<std::string> open_;
};

// Escapes markup characters; control characters become numeric references,
// as S3 writes them in listings (clients that need them exact ask for
// encoding-type=url).
std::string XmlEscape(std::string_view text);
// Free text (error messages) as valid XML 1.0: characters XML cannot carry at
// all become visible "\x01"-style escapes instead of numeric references.
std::string XmlSafeText(std::string_view text);

absl::StatusOr<std::vector<CompletedPart>> ParseCompleteMultipartUpload(std::string_view xml);

// An optional CreateBucket body: empty, or <CreateBucketConfiguration> with
// an optional <LocationConstraint>, which is returned ("" when absent).
absl::StatusOr<std::string> ParseCreateBucketConfiguration(std::string_view xml);

struct ObjectToDelete {
  std::string key;
  std::optional<std::string> version_id;
};
struct DeleteObjectsRequest {
  bool quiet = false;
  std::vector<ObjectToDelete> objects;
};
// At most 1000 objects, as S3.
absl::StatusOr<DeleteObjectsRequest> ParseDeleteObjects(std::string_view xml);

// <Tagging><TagSet><Tag><Key/><Value/></Tag>...; kInvalidTag for more than
// `max_tags`, duplicate keys, keys over 128 or values over 256 characters.
absl::StatusOr<Tags> ParseTagging(std::string_view xml, size_t max_tags);
// The x-amz-tagging header form: URL-encoded key=value pairs joined by '&'.
absl::StatusOr<Tags> ParseTaggingHeader(std::string_view header, size_t max_tags);

}  // namespace hamster::s3

#endif  // HAMSTER_S3_SRC_XML_H_
