// An HTTP/1.1 server on Boost.Beast that feeds requests to a RequestHandler:
// keep-alive, Expect: 100-continue, chunked request and response bodies,
// streamed in both directions, a header size limit, a deadline for reading a
// request head (a slow client cannot hold a worker), and graceful shutdown.
// Target hamster::s3_http; Boost stays out of this header.
//
// Each connection is served by its own thread with blocking I/O; a watchdog
// closes connections whose deadline passed (docs/adr/0004-s3-http-transport.md).
// Thread safety: Shutdown() may be called from any thread, once.
#ifndef HAMSTER_S3_HTTP_SERVER_H_
#define HAMSTER_S3_HTTP_SERVER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hamster/s3/http.h"

namespace hamster::s3 {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 9000;  // 0: pick a free port (see HttpServer::port())
  // Connections beyond this wait in the kernel's accept backlog.
  int max_connections = 1024;
  // Request line plus headers; larger heads are answered 431 RequestHeaderSectionTooLarge.
  size_t max_header_bytes = 16 * 1024;
  // From the first byte of a request (or connection accept) to the end of its head.
  absl::Duration header_timeout = absl::Seconds(30);
  // A keep-alive connection with no request in flight is closed after this.
  absl::Duration idle_timeout = absl::Seconds(60);
  // Longest wait for the next body byte from the client, or for the client to
  // accept response bytes, before the connection is closed.
  absl::Duration io_timeout = absl::Seconds(120);
};

class HttpServer {
 public:
  // Binds, listens and starts accepting. `handler` must outlive the server.
  // Errors: kUnavailable if the address cannot be bound, kInvalidArgument for
  // an unparsable address.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                          RequestHandler* handler);
  virtual ~HttpServer() = default;  // Shutdown(absl::ZeroDuration()) if still running

  virtual uint16_t port() const = 0;
  // Stops accepting, closes idle connections, lets requests in flight finish
  // (their connections close after the response), and returns once all are
  // done or `grace` has passed, after which the rest are cut. A handler busy
  // outside I/O is waited for, so never call this from inside Handle().
  virtual void Shutdown(absl::Duration grace) = 0;
};

}  // namespace hamster::s3

#endif  // HAMSTER_S3_HTTP_SERVER_H_
