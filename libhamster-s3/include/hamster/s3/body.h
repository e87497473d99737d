// Byte streams between the HTTP adapter, the S3 service and a Backend.
// Bodies are always streamed: no layer holds a whole object in memory.
// Thread safety: a stream is used by one thread at a time.
#ifndef HAMSTER_S3_BODY_H_
#define HAMSTER_S3_BODY_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hamster::s3 {

// Pull side. Read() fills a prefix of `buffer` and returns how many bytes it
// wrote; 0 means the stream ended cleanly. For request payloads, "cleanly"
// includes every integrity check (x-amz-content-sha256, Content-MD5,
// x-amz-checksum-*, aws-chunked signatures): a failed check is returned as an
// error from the Read() that reaches the end, so a consumer that commits only
// after Read() returned 0 never commits bad data.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  virtual absl::StatusOr<size_t> Read(std::span<uint8_t> buffer) = 0;
};

// Push side: the destination of a response body.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  virtual absl::Status Write(std::span<const uint8_t> bytes) = 0;
};

// A request payload as the Backend sees it: the decoded object bytes. After
// Read() returned 0, md5_hex() is the lowercase hex MD5 of everything read,
// which a Backend records as the ETag, and verified_checksums() holds the
// x-amz-checksum-* values the client sent (header or trailer) and that the
// bytes matched, algorithm -> base64, which a Backend stores with the object.
class PayloadReader : public BodyReader {
 public:
  virtual std::string_view md5_hex() const = 0;
  virtual const std::map<std::string, std::string>& verified_checksums() const = 0;
};

}  // namespace hamster::s3

#endif  // HAMSTER_S3_BODY_H_
