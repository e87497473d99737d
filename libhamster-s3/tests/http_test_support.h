// Test helpers for the HTTP transport: a raw TCP client that speaks HTTP by
// hand (so the server's framing is checked by code that shares nothing with
// Beast), a RequestHandler whose behaviour is chosen by the request path, and
// a server fixture on 127.0.0.1 with a free port.
#ifndef HAMSTER_S3_TESTS_HTTP_TEST_SUPPORT_H_
#define HAMSTER_S3_TESTS_HTTP_TEST_SUPPORT_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "hamster/s3/errors.h"
#include "hamster/s3/http.h"
#include "hamster/s3/http_server.h"

namespace hamster::s3::testing {

// Generous: tests wait this long for something that should happen at once.
inline constexpr absl::Duration kPatience = absl::Seconds(20);

// Deterministic body bytes, so a shifted or dropped byte is caught.
uint8_t PatternByte(uint64_t offset);
std::string PatternBytes(uint64_t offset, size_t size);

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;
  uint64_t body_bytes = 0;  // with discard_body, instead of `body`
  bool complete = false;    // the body ended as its framing said
  std::string Header(const std::string& name) const;
  bool HasHeader(const std::string& name) const { return headers.count(name) > 0; }
};

class Client {
 public:
  // Connects to 127.0.0.1:port; ok() is false if the connection failed.
  explicit Client(uint16_t port, int receive_buffer_bytes = 0);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool Send(std::string_view bytes);
  void ShutdownWrite();
  // Reads one response head and body; nullopt if the connection ended (or
  // kPatience passed) before a whole head arrived. A response to HEAD has
  // no body. With `discard_body`, a Content-Length body is counted in
  // body_bytes but not kept.
  std::optional<Response> ReadResponse(bool head_request = false, bool discard_body = false);
  // True if the server closes the connection (EOF or reset) within `within`;
  // bytes that arrive meanwhile are discarded.
  bool WaitClosed(absl::Duration within = kPatience);
  // True if any byte arrives within `within`.
  bool DataArrivesWithin(absl::Duration within);
  // Bytes received but not consumed by ReadResponse.
  const std::string& pending() const { return pending_; }

 private:
  // Receives more bytes into pending_; false on EOF, error or timeout.
  bool Fill(absl::Duration within = kPatience);
  bool ReadBody(Response& response, bool discard);
  bool ReadChunkedBody(Response& response);
  std::optional<std::string> ReadLine();

  int fd_ = -1;
  std::string pending_;
};

// "PUT <target> HTTP/1.1" with Host and Content-Length, plus `extra` header lines.
std::string Request(std::string_view method, std::string_view target, std::string_view body = "",
                    std::string_view extra = "");

// Routes (path before '?'):
//   /echo          read the whole body, answer 200 with it (400 on a read error)
//   /sink          read the body, answer 200 "<bytes>" or 400 "pattern mismatch at N"
//   /discard       read the body without looking at it, answer 200 "<bytes>"
//   /zeros?size=N  answer N zero bytes with a content length, from one reused buffer
//   /reject        answer 403 without reading the body
//   /chunked?size=N  answer N pattern bytes without a content length
//   /big?size=N    answer N pattern bytes with a content length
//   /object        GET: 12345 pattern bytes; HEAD: the head only
//   /nofinish      promise 100 bytes, write 50, return
//   /nostart       return without a response
//   /block         wait until Release(), then answer 200 "done"
//   /stream        write 1 KiB chunks until a write fails
//   /misuse        exercise ResponseWriter errors, then answer 200
//   anything else  answer 200 "ok"
class TestHandler : public RequestHandler {
 public:
  void Handle(const HttpRequest& request, BodyReader& body, ResponseWriter& response) override;
  void HandleTransportError(ErrorCode code, std::string_view message,
                            ResponseWriter& response) override;

  void Release();
  // Waits until `count` /block requests are in the handler.
  bool AwaitBlocked(int count, absl::Duration within = kPatience);
  // Waits until a response write or body read has failed.
  bool AwaitWriteError(absl::Duration within = kPatience);
  bool AwaitBodyError(absl::Duration within = kPatience);
  bool AwaitTransportError(absl::Duration within = kPatience);

  std::vector<HttpRequest> requests() const;
  std::vector<ErrorCode> transport_errors() const;
  std::vector<absl::Status> body_errors() const;
  std::vector<absl::Status> write_errors() const;
  std::vector<absl::Status> misuse_results() const;
  int max_blocked() const;

 private:
  void Block(ResponseWriter& response);
  void Echo(BodyReader& body, ResponseWriter& response);
  void Sink(BodyReader& body, ResponseWriter& response);
  void Discard(BodyReader& body, ResponseWriter& response);
  void Zeros(ResponseWriter& response, uint64_t size);
  void Misuse(ResponseWriter& response);
  void Stream(ResponseWriter& response);
  void SendPattern(ResponseWriter& response, uint64_t size, bool with_length);
  void RecordWrite(const absl::Status& status);

  // Waits until `done` holds (under mu_) or `within` passed.
  bool Await(const std::function<bool()>& done, absl::Duration within);

  // std::mutex, not absl::Mutex: TSan cannot see Debian's absl::Mutex.
  mutable std::mutex mu_;
  std::condition_variable changed_;    // notified on every change below
  std::vector<HttpRequest> requests_;  // the fields below are guarded by mu_
  std::vector<ErrorCode> transport_errors_;
  std::vector<absl::Status> body_errors_;
  std::vector<absl::Status> write_errors_;
  std::vector<absl::Status> misuse_results_;
  bool released_ = false;
  int blocked_ = 0;
  int max_blocked_ = 0;
};

// Timeouts long enough never to fire in a test that does not test them.
HttpServerOptions RelaxedOptions();

// A TestHandler and an HttpServer on 127.0.0.1, port 0. The server goes
// first on destruction; a test that blocks the handler must Release() it.
struct TestServer {
  explicit TestServer(HttpServerOptions options = RelaxedOptions());
  uint16_t port() const { return server->port(); }

  TestHandler handler;
  std::unique_ptr<HttpServer> server;
};

}  // namespace hamster::s3::testing

#endif  // HAMSTER_S3_TESTS_HTTP_TEST_SUPPORT_H_
