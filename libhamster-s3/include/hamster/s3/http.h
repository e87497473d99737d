// The seam between an HTTP/1.1 transport and the S3 service: a parsed request
// head, its body as a stream, and a writer for the response. The transport
// (http_server.h, Boost.Beast) owns sockets and framing; a RequestHandler
// (service.h) owns S3 semantics and never sees a socket, so it can be tested
// with in-memory requests.
#ifndef HAMSTER_S3_HTTP_H_
#define HAMSTER_S3_HTTP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "hamster/s3/body.h"
#include "hamster/s3/errors.h"

namespace hamster::s3 {

struct HttpHeader {
  std::string name;  // lowercase
  std::string value;
};

struct HttpRequest {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // request-target as received: path and query, still percent-encoded
  std::vector<HttpHeader> headers;
  std::optional<uint64_t> content_length;  // nullopt: chunked transfer encoding or no body

  // The first header named `name` (lowercase), or nullptr.
  const std::string* FindHeader(std::string_view name) const {
    for (const HttpHeader& header : headers) {
      if (header.name == name) return &header.value;
    }
    return nullptr;
  }
};

// Writes one response: Start() once, then Write() any number of times, then
// Finish(). With a content length, exactly that many bytes must be written;
// without one the body is sent chunked. If Write() fails (client gone) the
// handler stops; if the handler cannot produce the promised bytes it returns
// without Finish() and the transport closes the connection, so the client
// sees a truncated body rather than a wrong one.
class ResponseWriter : public BodyWriter {
 public:
  virtual absl::Status Start(int status, const std::vector<HttpHeader>& headers,
                             std::optional<uint64_t> content_length) = 0;
  virtual absl::Status Finish() = 0;
  virtual bool started() const = 0;
};

// Thread safety: Handle() is called concurrently, one call per in-flight request.
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // `body` yields the request body as sent (after HTTP transfer decoding).
  // Reading it is what sends "100 Continue" to a client that asked for it, so
  // a request rejected before its body is read costs no upload.
  virtual void Handle(const HttpRequest& request, BodyReader& body, ResponseWriter& response) = 0;
  // The transport rejected a request before a handler could see it (header
  // section too large, header timeout, malformed HTTP): answer with `code`.
  virtual void HandleTransportError(ErrorCode code, std::string_view message,
                                    ResponseWriter& response) = 0;
};

}  // namespace hamster::s3

#endif  // HAMSTER_S3_HTTP_H_
