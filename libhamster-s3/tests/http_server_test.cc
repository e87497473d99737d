// HttpServer framing over real sockets on 127.0.0.1: keep-alive, pipelining,
// 100-continue, chunked bodies both ways, HEAD, malformed input, and the
// ResponseWriter contract. Timeouts, limits and shutdown are in
// http_server_limits_test.cc.
#include "hamster/s3/http_server.h"

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "hamster/s3/errors.h"
#include "http_test_support.h"

namespace hamster::s3::testing {
namespace {

std::string RandomBytes(std::mt19937_64& rng, size_t size) {
  std::string bytes(size, '\0');
  for (char& byte : bytes) byte = static_cast<char>(rng());
  return bytes;
}

// Chunked encoding of `body` in chunks of random size, with an extension on
// some chunk-size lines and a trailer field.
std::string ChunkedBody(std::mt19937_64& rng, std::string_view body) {
  std::string encoded;
  size_t offset = 0;
  while (offset < body.size()) {
    const size_t size = std::min<size_t>(body.size() - offset, 1 + rng() % 9000);
    absl::StrAppend(&encoded, absl::Hex(size), rng() % 3 == 0 ? ";name=value" : "", "\r\n",
                    std::string(body.substr(offset, size)), "\r\n");
    offset += size;
  }
  absl::StrAppend(&encoded, "0\r\nx-trailer: yes\r\n\r\n");
  return encoded;
}

TEST_CASE("HttpServer: serves several requests on one keep-alive connection", "[s3][http]") {
  TestServer server;
  Client client(server.port());
  REQUIRE(client.ok());
  for (int i = 0; i < 5; ++i) {
    const std::string body = PatternBytes(i, 1000 * i);
    REQUIRE(client.Send(Request("PUT", "/echo", body)));
    std::optional<Response> response = client.ReadResponse();
    REQUIRE(response.has_value());
    CHECK(response->status == 200);
    CHECK(response->body == body);
    CHECK(response->Header("connection") != "close");
    CHECK(response->HasHeader("date"));
  }
  CHECK(server.handler.requests().size() == 5);
}

TEST_CASE("HttpServer: answers pipelined requests in order", "[s3][http]") {
  const uint64_t seed = GENERATE(1, 2, 3, 4, 5);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  TestServer server;
  Client client(server.port());
  REQUIRE(client.ok());
  std::vector<std::string> bodies;
  std::string stream;
  for (int i = 0; i < 6; ++i) {
    bodies.push_back(RandomBytes(rng, rng() % 20000));
    stream += Request("PUT", absl::StrCat("/echo?i=", i), bodies.back());
  }
  // Sent in random pieces, so heads and bodies split anywhere.
  for (size_t offset = 0; offset < stream.size();) {
    const size_t piece = std::min<size_t>(stream.size() - offset, 1 + rng() % 30000);
    REQUIRE(client.Send(std::string_view(stream).substr(offset, piece)));
    offset += piece;
  }
  for (const std::string& body : bodies) {
    std::optional<Response> response = client.ReadResponse();
    REQUIRE(response.has_value());
    CHECK(response->status == 200);
    CHECK(response->body == body);
  }
}

TEST_CASE("HttpServer: delivers header names lowercase and the target as received", "[s3][http]") {
  TestServer server;
  Client client(server.port());
  REQUIRE(client.Send(Request("GET", "/a%20b/c?x=1&y=%2F&list-type=2", "",
                              "X-Amz-Meta-Mixed: Value With Spaces\r\n")));
  REQUIRE(client.ReadResponse().has_value());
  const std::vector<HttpRequest> requests = server.handler.requests();
  REQUIRE(requests.size() == 1);
  CHECK(requests[0].method == "GET");
  CHECK(requests[0].target == "/a%20b/c?x=1&y=%2F&list-type=2");
  const std::string* meta = requests[0].FindHeader("x-amz-meta-mixed");
  REQUIRE(meta != nullptr);
  CHECK(*meta == "Value With Spaces");
  CHECK(requests[0].FindHeader("host") != nullptr);
  CHECK_FALSE(requests[0].content_length.has_value());
}

TEST_CASE("HttpServer: sends 100 Continue when the handler reads the body", "[s3][http]") {
  TestServer server;
  Client client(server.port());
  const std::string body = PatternBytes(0, 5000);
  REQUIRE(client.Send(absl::StrCat("PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: ", body.size(),
                                   "\r\nExpect: 100-continue\r\n\r\n")));
  std::optional<Response> interim = client.ReadResponse();
  REQUIRE(interim.has_value());
  CHECK(interim->status == 100);
  REQUIRE(client.Send(body));
  std::optional<Response> response = client.ReadResponse();
  REQUIRE(response.has_value());
  CHECK(response->status == 200);
  CHECK(response->body == body);
  // The connection carries on.
  REQUIRE(client.Send(Request("GET", "/")));
  std::optional<Response> next = client.ReadResponse();
  REQUIRE(next.has_value());
  CHECK(next->body == "ok");
}

TEST_CASE("HttpServer: rejects without 100 Continue and closes when the body is unread",
          "[s3][http]") {
  TestServer server;
  Client client(server.port());
  REQUIRE(client.Send(
      "PUT /reject HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\nExpect: 100-continue\r\n\r\n"));
  std::optional<Response> response = client.ReadResponse();
  REQUIRE(response.has_value());
  CHECK(response->status == 403);  // the first response, so no 100 came before it
  CHECK(response->body == "denied");
  CHECK(response->Header("connection") == "close");
  CHECK(client.WaitClosed());
}

TEST_CASE("HttpServer: drains a small unread body and keeps the connection", "[s3][http]") {
  TestServer server;
  Client client(server.port());
  REQUIRE(client.Send(Request("PUT", "/reject", PatternBytes(0, 100000))));
  std::optional<Response> response = client.ReadResponse();
  REQUIRE(response.has_value());
  CHECK(response->status == 403);
  CHECK(response->Header("connection") != "close");
  REQUIRE(client.Send(Request("PUT", "/echo", "again")));
  std::optional<Response> next = client.ReadResponse();
  REQUIRE(next.has_value());
  CHECK(next->body == "again");
}

TEST_CASE("HttpServer: closes after an unread body too large to drain", "[s3][http]") {
  TestServer server;
  Client client(server.port());
  REQUIRE(client.Send("PUT /reject HTTP/1.1\r\nHost: t\r\nContent-Length: 5000000\r\n\r\nabc"));
  std::optional<Response> response = client.ReadResponse();
  REQUIRE(response.has_value());
  CHECK(response->status == 403);
  CHECK(response->Header("connection") == "close");
  CHECK(client.WaitClosed());
}

TEST_CASE("HttpServer: decodes a chunked request body", "[s3][http]") {
  const uint64_t seed = GENERATE(11, 12, 13);
  INFO("seed=" << seed);
  std::mt19937_64 rng(seed);
  TestServer server;
  Client client(server.port());
  const std::string body = RandomBytes(rng, 1 + rng() % 100000);
  REQUIRE(client.Send("PUT /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" +
                      ChunkedBody(rng, body)));
  std::optional<Response> response = client.ReadResponse();
  REQUIRE(response.has_value());
  CHECK(response->status == 200);
  CHECK(response->body == body);
  const std::vector<HttpRequest> requests = server.handler.requests();
  REQUIRE(requests.size() == 1);
  CHECK_FALSE(requests[0].content_length.has_value());
  REQUIRE(client.Send(Request("GET", "/")));
  std::optional<Response> next = client.ReadResponse();
  REQUIRE(next.has_value());
  CHECK(next->body == "ok");
}

TEST_CASE("HttpServer: reports a malformed chunked body to the handler", "[s3][http]") {
  TestServer server;
  Client client(server.port());
  REQUIRE(client.Send(
      "PUT /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n"));
  std::optional<Response> response = client.ReadResponse();
  REQUIRE(response.has_value());
  CHECK(response->status == 400);
  CHECK(response->Header("connection") == "close");
  const std::vector<absl::Status> errors = server.handler.body_errors();
  REQUIRE(errors.size() == 1);
  CHECK(ErrorCodeOf(errors[0]) == ErrorCode::kInvalidRequest);
  CHECK(client.WaitClosed());
}

TEST_CASE("HttpServer: reports a body cut short by the client", "[s3][http]") {
  TestServer server;
  Client client(server.port());
  REQUIRE(client.Send("PUT /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\nonly this"));
  client.ShutdownWrite();
  REQUIRE(server.handler.AwaitBodyError());
  const std::vector<absl::Status> errors = server.handler.body_errors();
  REQUIRE(errors.size() == 1);
  CHECK(ErrorCodeOf(errors[0]) == ErrorCode::kIncompleteBody);
}

TEST_CASE("HttpServer: streams a chunked response when no length is given", "[s3][http]") {
  TestServer server;
  Client client(server.port());
  REQUIRE(client.Send(Request("GET", "/chunked?size=100000")));
  std::optional<Response> response = client.ReadResponse();
  REQUIRE(response.has_value());
  CHECK(response->status == 200);
  CHECK(response->Header("transfer-encoding") == "chunked");
  CHECK_FALSE(response->HasHeader("content-length"));
  CHECK(response->complete);
  CHECK(response->body == PatternBytes(0, 100000));
  REQUIRE(client.Send(Request("GET", "/chunked?size=0")));
  std::optional<Response> empty = client.ReadResponse();
  REQUIRE(empty.has_value());
  CHECK(empty->complete);
  CHECK(empty->body.empty());
}

TEST_CASE("HttpServer: answers HEAD with Content-Length and no body", "[s3][http]") {
  TestServer server;
  Client client(server.port());
  REQUIRE(client.Send(Request("HEAD", "/object")));
  std::optional<Response> head = client.ReadResponse(/*head_request=*/true);
  REQUIRE(head.has_value());
  CHECK(head->status == 200);
  CHECK(head->Header("content-length") == "12345");
  CHECK(head->Header("etag") == "\"abc\"");
  // Body bytes after the head would be read as the next response's status line.
  REQUIRE(client.Send(Request("GET", "/object")));
  std::optional<Response> get = client.ReadResponse();
  REQUIRE(get.has_value());
  CHECK(get->status == 200);
  CHECK(get->body == PatternBytes(0, 12345));
  CHECK(client.pending().empty());
}

TEST_CASE("HttpServer: HTTP/1.0 closes by default and keeps alive on request", "[s3][http]") {
  TestServer server;
  {
    Client client(server.port());
    REQUIRE(client.Send("GET / HTTP/1.0\r\n\r\n"));
    std::optional<Response> response = client.ReadResponse();
    REQUIRE(response.has_value());
    CHECK(response->body == "ok");
    CHECK(client.WaitClosed());
  }
  Client client(server.port());
  for (int i = 0; i < 2; ++i) {
    REQUIRE(client.Send("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    std::optional<Response> response = client.ReadResponse();
    REQUIRE(response.has_value());
    CHECK(response->body == "ok");
    CHECK(response->Header("connection") == "keep-alive");
  }
  // Without a length an HTTP/1.0 response ends with the connection.
  REQUIRE(client.Send("GET /chunked?size=3000 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  std::optional<Response> response = client.ReadResponse();
  REQUIRE(response.has_value());
  CHECK_FALSE(response->HasHeader("transfer-encoding"));
  CHECK(response->body == PatternBytes(0, 3000));
}

TEST_CASE("HttpServer: honours Connection: close", "[s3][http]") {
  TestServer server;
  Client client(server.port());
  REQUIRE(client.Send(Request("GET", "/", "", "Connection: close\r\n")));
  std::optional<Response> response = client.ReadResponse();
  REQUIRE(response.has_value());
  CHECK(response->Header("connection") == "close");
  CHECK(client.WaitClosed());
}

TEST_CASE("HttpServer: answers an oversize head with 431 from the handler and closes",
          "[s3][http]") {
  HttpServerOptions options = RelaxedOptions();
  options.max_header_bytes = 8 * 1024;
  TestServer server(options);
  Client client(server.port());
  REQUIRE(client.Send(
      Request("GET", "/", "", absl::StrCat("X-Big: ", std::string(20000, 'a'), "\r\n"))));
  std::optional<Response> response = client.ReadResponse();
  REQUIRE(response.has_value());
  CHECK(response->status == 431);
  CHECK(response->Header("content-type") == "application/xml");
  CHECK(response->body.find("<Code>RequestHeaderSectionTooLarge</Code>") != std::string::npos);
  CHECK(client.WaitClosed());
  CHECK(server.handler.transport_errors() ==
        std::vector<ErrorCode>{ErrorCode::kRequestHeaderSectionTooLarge});
  CHECK(server.handler.requests().empty());
}

TEST_CASE("HttpServer: answers malformed requests with an error and closes", "[s3][http]") {
  struct Case {
    std::string request;
    int status;
    ErrorCode code;
  };
  const Case test_case =
      GENERATE(Case{"GARBAGE\r\n\r\n", 400, ErrorCode::kInvalidRequest},
               Case{"GET / HTTP/2.0\r\nHost: t\r\n\r\n", 400, ErrorCode::kInvalidRequest},
               Case{"GET /\r\n\r\n", 400, ErrorCode::kInvalidRequest},
               Case{"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n", 400, ErrorCode::kInvalidRequest},
               Case{"PUT / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
                    400, ErrorCode::kInvalidRequest},
               Case{"PUT / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400,
                    ErrorCode::kInvalidRequest},
               Case{"PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\nxxxx", 501,
                    ErrorCode::kNotImplemented},
               Case{"PUT / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501,
                    ErrorCode::kNotImplemented});
  INFO("request=" << test_case.request);
  TestServer server;
  Client client(server.port());
  REQUIRE(client.Send(test_case.request));
  std::optional<Response> response = client.ReadResponse();
  REQUIRE(response.has_value());
  CHECK(response->status == test_case.status);
  CHECK(response->Header("connection") == "close");
  CHECK(client.WaitClosed());
  CHECK(server.handler.transport_errors() == std::vector<ErrorCode>{test_case.code});
  CHECK(server.handler.requests().empty());
}

TEST_CASE("HttpServer: closes the connection when the handler does not finish its response",
          "[s3][http]") {
  TestServer server;
  Client client(server.port());
  REQUIRE(client.Send(Request("GET", "/nofinish")));
  std::optional<Response> response = client.ReadResponse();
  REQUIRE(response.has_value());
  CHECK(response->Header("content-length") == "100");
  CHECK_FALSE(response->complete);
  CHECK(response->body == PatternBytes(0, 50));
}

TEST_CASE("HttpServer: answers 500 when the handler sends no response", "[s3][http]") {
  TestServer server;
  Client client(server.port());
  REQUIRE(client.Send(Request("GET", "/nostart")));
  std::optional<Response> response = client.ReadResponse();
  REQUIRE(response.has_value());
  CHECK(response->status == 500);
  CHECK(response->body.find("<Code>InternalError</Code>") != std::string::npos);
  CHECK(client.WaitClosed());
  CHECK(server.handler.transport_errors() == std::vector<ErrorCode>{ErrorCode::kInternalError});
}

TEST_CASE("HttpServer: ResponseWriter refuses misuse and keeps the response valid", "[s3][http]") {
  TestServer server;
  Client client(server.port());
  REQUIRE(client.Send(Request("GET", "/misuse")));
  std::optional<Response> response = client.ReadResponse();
  REQUIRE(response.has_value());
  CHECK(response->status == 200);
  CHECK(response->Header("x-ok") == "1");
  CHECK(response->body == "abcd");
  // The connection is still in a clean state; and its thread is done with
  // the first handler once it answers the second request.
  REQUIRE(client.Send(Request("GET", "/")));
  std::optional<Response> next = client.ReadResponse();
  REQUIRE(next.has_value());
  CHECK(next->body == "ok");
  std::vector<absl::StatusCode> codes;
  for (const absl::Status& status : server.handler.misuse_results()) codes.push_back(status.code());
  using absl::StatusCode;
  CHECK(codes == std::vector<StatusCode>{
                     StatusCode::kInvalidArgument,     // status 99
                     StatusCode::kInvalidArgument,     // CRLF in a value
                     StatusCode::kInvalidArgument,     // framing header
                     StatusCode::kInvalidArgument,     // space in a name
                     StatusCode::kFailedPrecondition,  // Write before Start
                     StatusCode::kOk,                  // Start
                     StatusCode::kFailedPrecondition,  // Start again
                     StatusCode::kInvalidArgument,     // past the content length
                     StatusCode::kOk,                  // "ab"
                     StatusCode::kFailedPrecondition,  // Finish at 2 of 4 bytes
                     StatusCode::kOk,                  // "cd"
                     StatusCode::kOk,                  // Finish
                     StatusCode::kFailedPrecondition,  // Finish again
                     StatusCode::kFailedPrecondition,  // Write after Finish
                 });
}

TEST_CASE("HttpServer: Start reports bind failures and bad options", "[s3][http]") {
  TestServer first;
  TestHandler handler;
  HttpServerOptions options = RelaxedOptions();
  options.port = first.port();
  absl::StatusOr<std::unique_ptr<HttpServer>> taken = HttpServer::Start(options, &handler);
  REQUIRE_FALSE(taken.ok());
  CHECK(taken.status().code() == absl::StatusCode::kUnavailable);
  CHECK(taken.status().message().find(absl::StrCat("127.0.0.1:", first.port())) !=
        std::string::npos);

  options = RelaxedOptions();
  options.address = "not-an-address";
  CHECK(HttpServer::Start(options, &handler).status().code() == absl::StatusCode::kInvalidArgument);
  options = RelaxedOptions();
  options.max_connections = 0;
  CHECK(HttpServer::Start(options, &handler).status().code() == absl::StatusCode::kInvalidArgument);
  options = RelaxedOptions();
  options.io_timeout = absl::ZeroDuration();
  CHECK(HttpServer::Start(options, &handler).status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(HttpServer::Start(RelaxedOptions(), nullptr).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("HttpServer: streams large bodies both ways", "[s3][http]") {
  constexpr uint64_t kSize = 32 << 20;
  TestServer server;
  Client client(server.port());
  REQUIRE(client.Send(
      absl::StrCat("PUT /sink HTTP/1.1\r\nHost: t\r\nContent-Length: ", kSize, "\r\n\r\n")));
  for (uint64_t offset = 0; offset < kSize; offset += 1 << 20) {
    REQUIRE(client.Send(PatternBytes(offset, 1 << 20)));
  }
  std::optional<Response> put = client.ReadResponse();
  REQUIRE(put.has_value());
  CHECK(put->status == 200);
  CHECK(put->body == absl::StrCat(kSize));
  REQUIRE(client.Send(Request("GET", absl::StrCat("/big?size=", kSize))));
  std::optional<Response> get = client.ReadResponse();
  REQUIRE(get.has_value());
  REQUIRE(get->body.size() == kSize);
  CHECK(get->body == PatternBytes(0, kSize));
}

TEST_CASE("HttpServer: serves many clients at once", "[s3][http]") {
  const uint64_t seed = GENERATE(21, 22);
  INFO("seed=" << seed);
  TestServer server;
  constexpr int kClients = 8;
  constexpr int kRequests = 40;
  std::vector<int> failures(kClients, 0);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937_64 rng(seed * 100 + c);
      Client client(server.port());
      for (int i = 0; i < kRequests && client.ok(); ++i) {
        const std::string body = RandomBytes(rng, rng() % 10000);
        std::optional<Response> response;
        if (client.Send(Request("PUT", "/echo", body))) response = client.ReadResponse();
        if (!response.has_value() || response->body != body) ++failures[c];
      }
      if (!client.ok()) ++failures[c];
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(failures == std::vector<int>(kClients, 0));
  CHECK(server.handler.requests().size() == kClients * kRequests);
}

}  // namespace
}  // namespace hamster::s3::testing
