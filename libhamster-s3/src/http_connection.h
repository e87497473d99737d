// One accepted connection of the HTTP transport, served on its own thread
// with blocking I/O: read a request head, hand the request to the
// RequestHandler, then keep the connection for the next request or close it.
// Deadlines are enforced from outside by the watchdog through the
// ConnectionWatch (http_stream.h).
// Thread safety: Run() is called once, on the connection's thread.
#ifndef HAMSTER_S3_SRC_HTTP_CONNECTION_H_
#define HAMSTER_S3_SRC_HTTP_CONNECTION_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "hamster/s3/http.h"
#include "hamster/s3/http_server.h"
#include "src/http_beast.h"
#include "src/http_exchange.h"
#include "src/http_stream.h"

namespace hamster::s3::http_transport {

// Borrowed from the server, which outlives its connections.
struct ConnectionContext {
  RequestHandler* handler;
  const HttpServerOptions* options;
  const std::atomic<bool>* stopping;
};

class Connection {
 public:
  // Takes ownership of the connected socket `fd`.
  Connection(const ConnectionContext& context, ConnectionWatch& watch, int fd,
             SteadyClock::time_point accepted);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Serves requests until the connection ends, then closes the socket.
  void Run();

 private:
  enum class Next { kKeepAlive, kClose, kLingerClose };

  Next ServeRequest(bool first);
  bool AwaitRequest(bool first);
  Next OnHeadError(const IoError& ec);
  Next Dispatch();
  Next AfterHandler(RequestBody& body, HttpResponse& response, ExchangeState& state);
  Next AnswerTransportError(s3::ErrorCode code, std::string_view message, ExchangeState state);
  void LingerClose();
  void Close();
  std::span<uint8_t> scratch();

  const ConnectionContext context_;
  ConnectionWatch& watch_;
  const int fd_;
  const SteadyClock::time_point accepted_;
  DeadlineStream stream_;
  boost::beast::flat_buffer buffer_;  // reused for every request on the connection
  std::optional<RequestParser> parser_;
  std::vector<uint8_t> scratch_;  // discarded bytes land here; allocated on first use
  HttpDate date_;
  ConnectionIo io_;
};

}  // namespace hamster::s3::http_transport

#endif  // HAMSTER_S3_SRC_HTTP_CONNECTION_H_
