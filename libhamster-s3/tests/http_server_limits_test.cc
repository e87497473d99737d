// HttpServer under slow, stalled and too many clients, and during Shutdown().
// Timeouts are short (hundreds of ms); assertions only say that something
// happened, or did not, within a generous bound, so a loaded machine passes.
#include <catch2/catch.hpp>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "hamster/s3/errors.h"
#include "hamster/s3/http_server.h"
#include "http_test_support.h"

namespace hamster::s3::testing {
namespace {

HttpServerOptions ShortTimeouts() {
  HttpServerOptions options = RelaxedOptions();
  options.header_timeout = absl::Milliseconds(300);
  options.idle_timeout = absl::Milliseconds(300);
  options.io_timeout = absl::Milliseconds(300);
  return options;
}

// True once connecting to `port` is refused, polled up to kPatience.
bool ConnectionsRefused(uint16_t port) {
  const absl::Time deadline = absl::Now() + kPatience;
  while (absl::Now() < deadline) {
    if (!Client(port).ok()) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

TEST_CASE("HttpServer: cuts a client stalled mid-head while serving others", "[s3][http]") {
  HttpServerOptions options = RelaxedOptions();
  // Long enough that the healthy client below never meets it on a loaded machine.
  options.header_timeout = absl::Seconds(1);
  TestServer server(options);
  Client stalled(server.port());
  REQUIRE(stalled.Send("GET /never HTTP/1.1\r\nHost: t\r\nX-Half"));
  Client healthy(server.port());
  for (int i = 0; i < 3; ++i) {
    REQUIRE(healthy.Send(Request("PUT", "/echo", "x")));
    std::optional<Response> response = healthy.ReadResponse();
    REQUIRE(response.has_value());
    CHECK(response->body == "x");
  }
  std::optional<Response> cut = stalled.ReadResponse();
  REQUIRE(cut.has_value());
  CHECK(cut->status == 400);
  CHECK(cut->body.find("<Code>RequestTimeout</Code>") != std::string::npos);
  CHECK(stalled.WaitClosed());
  CHECK(server.handler.transport_errors() == std::vector<ErrorCode>{ErrorCode::kRequestTimeout});
  // The healthy connection is still served.
  REQUIRE(healthy.Send(Request("GET", "/")));
  REQUIRE(healthy.ReadResponse().has_value());
}

TEST_CASE("HttpServer: closes a connection that never sends a request", "[s3][http]") {
  TestServer server(ShortTimeouts());
  Client silent(server.port());
  REQUIRE(silent.ok());
  CHECK(silent.WaitClosed());
  CHECK(silent.pending().empty());
  CHECK(server.handler.transport_errors().empty());
}

TEST_CASE("HttpServer: closes an idle keep-alive connection after idle_timeout", "[s3][http]") {
  TestServer server(ShortTimeouts());
  Client client(server.port());
  REQUIRE(client.Send(Request("GET", "/")));
  REQUIRE(client.ReadResponse().has_value());
  CHECK(client.WaitClosed());
  CHECK(server.handler.transport_errors().empty());
}

TEST_CASE("HttpServer: answers RequestTimeout when the request body stalls", "[s3][http]") {
  HttpServerOptions options = RelaxedOptions();
  options.io_timeout = absl::Seconds(1);
  TestServer server(options);
  Client client(server.port());
  REQUIRE(client.Send("PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\nsome"));
  // Others are served while the body stalls.
  Client other(server.port());
  for (int i = 0; i < 3; ++i) {
    REQUIRE(other.Send(Request("PUT", "/echo", "y")));
    std::optional<Response> echoed = other.ReadResponse();
    REQUIRE(echoed.has_value());
    CHECK(echoed->body == "y");
  }
  std::optional<Response> response = client.ReadResponse();
  REQUIRE(response.has_value());
  CHECK(response->status == 400);
  CHECK(client.WaitClosed());
  const std::vector<absl::Status> errors = server.handler.body_errors();
  REQUIRE(errors.size() == 1);
  CHECK(ErrorCodeOf(errors[0]) == ErrorCode::kRequestTimeout);
}

TEST_CASE("HttpServer: cuts a client that stops reading a large response", "[s3][http]") {
  TestServer server(ShortTimeouts());
  Client reader(server.port(), /*receive_buffer_bytes=*/4096);
  REQUIRE(reader.Send(Request("GET", absl::StrCat("/big?size=", uint64_t{1} << 30))));
  // Never reads: the server's send blocks until io_timeout cuts it, and
  // others are served meanwhile.
  Client other(server.port());
  REQUIRE(other.Send(Request("GET", "/")));
  REQUIRE(other.ReadResponse().has_value());
  REQUIRE(server.handler.AwaitWriteError());
  const std::vector<absl::Status> errors = server.handler.write_errors();
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].code() == absl::StatusCode::kUnavailable);
  CHECK(reader.WaitClosed());
}

TEST_CASE("HttpServer: holds connections beyond max_connections in the backlog", "[s3][http]") {
  HttpServerOptions options = RelaxedOptions();
  options.max_connections = 2;
  TestServer server(options);
  Client first(server.port());
  Client second(server.port());
  REQUIRE(first.Send(Request("GET", "/block")));
  REQUIRE(second.Send(Request("GET", "/block")));
  REQUIRE(server.handler.AwaitBlocked(2));
  Client third(server.port());  // connects: the kernel queues it
  REQUIRE(third.ok());
  REQUIRE(third.Send(Request("GET", "/")));
  CHECK_FALSE(third.DataArrivesWithin(absl::Milliseconds(500)));
  server.handler.Release();
  REQUIRE(first.ReadResponse().has_value());
  REQUIRE(second.ReadResponse().has_value());
  // Both connections are still open (keep-alive), so the third still waits.
  CHECK_FALSE(third.DataArrivesWithin(absl::Milliseconds(300)));
  first.ShutdownWrite();  // the server sees EOF and closes that connection
  std::optional<Response> response = third.ReadResponse();
  REQUIRE(response.has_value());
  CHECK(response->body == "ok");
  CHECK(server.handler.max_blocked() == 2);
}

TEST_CASE("HttpServer: Shutdown lets a request in flight finish and refuses new connections",
          "[s3][http]") {
  TestServer server;
  Client idle(server.port());
  REQUIRE(idle.Send(Request("GET", "/")));
  REQUIRE(idle.ReadResponse().has_value());
  Client busy(server.port());
  REQUIRE(busy.Send(Request("GET", "/block")));
  REQUIRE(server.handler.AwaitBlocked(1));

  std::thread shutdown([&] { server.server->Shutdown(absl::Seconds(60)); });
  CHECK(idle.WaitClosed());
  CHECK(ConnectionsRefused(server.port()));
  CHECK_FALSE(busy.DataArrivesWithin(absl::Milliseconds(200)));
  server.handler.Release();
  std::optional<Response> response = busy.ReadResponse();
  REQUIRE(response.has_value());
  CHECK(response->status == 200);
  CHECK(response->body == "done");
  CHECK(response->Header("connection") == "close");
  CHECK(busy.WaitClosed());
  shutdown.join();
}

TEST_CASE("HttpServer: Shutdown cuts what still runs after the grace period", "[s3][http]") {
  TestServer server;
  Client client(server.port());
  REQUIRE(client.Send(Request("GET", "/stream")));
  REQUIRE(client.DataArrivesWithin(kPatience));
  server.server->Shutdown(absl::Milliseconds(200));
  // Shutdown returned, so the handler has returned, after a failed write.
  CHECK(server.handler.write_errors().size() == 1);
  std::optional<Response> response = client.ReadResponse();
  REQUIRE(response.has_value());
  CHECK_FALSE(response->complete);
}

TEST_CASE("HttpServer: the destructor shuts down a server with open connections", "[s3][http]") {
  auto server = std::make_unique<TestServer>();
  Client idle(server->port());
  REQUIRE(idle.Send(Request("GET", "/")));
  REQUIRE(idle.ReadResponse().has_value());
  Client partial(server->port());
  REQUIRE(partial.Send("GET / HTTP/1.1\r\n"));
  server.reset();
  CHECK(idle.WaitClosed());
  CHECK(partial.WaitClosed());
}

}  // namespace
}  // namespace hamster::s3::testing
