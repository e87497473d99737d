// One request/response exchange on a connection of the HTTP transport: the
// request body as a BodyReader (Content-Length bodies read straight into the
// handler's buffer, chunked ones decoded by Beast; "100 Continue" sent on the
// first Read()) and the ResponseWriter (Beast serializer over buffer_body:
// Content-Length when given, chunked otherwise, header only for HEAD).
// Both decide, from what the handler did, whether the connection can carry
// another request.
// Thread safety: used by the connection's thread only.
#ifndef HAMSTER_S3_SRC_HTTP_EXCHANGE_H_
#define HAMSTER_S3_SRC_HTTP_EXCHANGE_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/s3/http.h"
#include "src/http_beast.h"
#include "src/http_stream.h"

namespace hamster::s3::http_transport {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::buffer_body>;

// Unread request body the transport discards to keep a connection alive;
// a longer rest costs more than a new connection, so it closes instead.
inline constexpr uint64_t kDrainLimitBytes = uint64_t{1} << 20;

// The Date header value, formatted at most once per second.
class HttpDate {
 public:
  const std::string& Now();

 private:
  int64_t second_ = -1;
  std::string text_;
};

// The connection's I/O, borrowed by an exchange.
struct ConnectionIo {
  DeadlineStream& stream;
  ConnectionWatch& watch;
  boost::beast::flat_buffer& buffer;  // bytes received past the parsed head
  const std::atomic<bool>& stopping;  // the server is shutting down
  HttpDate& date;
};

// What the body reader and the response writer of one request share.
struct ExchangeState {
  unsigned version = 11;    // 10 or 11
  bool head = false;        // a HEAD request: the response has no body
  bool keep_alive = false;  // the client allows another request on the connection
  bool response_header_sent = false;
};

class RequestBody final : public BodyReader {
 public:
  // The body of the request whose head `parser` read; all borrowed for the
  // exchange. With `expect_continue`, the first Read() sends 100 Continue.
  RequestBody(ConnectionIo& io, RequestParser& parser, ExchangeState& state, bool expect_continue);

  // Errors: kRequestTimeout (no bytes within io_timeout), kIncompleteBody
  // (the client left early), kInvalidRequest (malformed chunked encoding),
  // kInvalidArgument (empty buffer). After an error every Read() repeats it.
  absl::StatusOr<size_t> Read(std::span<uint8_t> buffer) override;

  bool done() const { return done_; }
  bool failed() const { return !failure_.ok(); }
  // The client waits for 100 Continue that was not sent: it may not send the body.
  bool continue_pending() const { return expect_continue_ && !continue_sent_; }
  // Draining the unread rest is known to exceed kDrainLimitBytes.
  bool rest_exceeds_drain_limit() const { return !chunked_ && remaining_ > kDrainLimitBytes; }
  // Reads and discards the rest, at most kDrainLimitBytes; true if it ended.
  bool Drain(std::span<uint8_t> scratch);

 private:
  absl::StatusOr<size_t> ReadFixed(std::span<uint8_t> buffer);
  absl::StatusOr<size_t> ReadChunked(std::span<uint8_t> buffer);
  absl::Status MaybeSendContinue();
  absl::Status ReadError(const IoError& ec);

  ConnectionIo& io_;
  RequestParser& parser_;
  ExchangeState& state_;
  const bool chunked_;
  uint64_t remaining_ = 0;  // Content-Length bodies: bytes still to read
  const bool expect_continue_;
  bool continue_sent_ = false;
  bool done_ = false;
  absl::Status failure_;
};

class HttpResponse final : public ResponseWriter {
 public:
  // `body` is the request's body, or nullptr when the transport itself
  // answers (the connection then closes after the response).
  HttpResponse(ConnectionIo& io, ExchangeState& state, const RequestBody* body);

  // kInvalidArgument for a status outside 200..599, a header name that is not
  // an HTTP token, a value with CR, LF or NUL, or Content-Length /
  // Transfer-Encoding among `headers` (framing is the transport's). A
  // "connection: close" header makes the connection close after the response.
  absl::Status Start(int status, const std::vector<HttpHeader>& headers,
                     std::optional<uint64_t> content_length) override;
  // kUnavailable once the client is gone or too slow; kInvalidArgument past
  // the content length. HEAD, 204 and 304 responses discard body bytes.
  absl::Status Write(std::span<const uint8_t> bytes) override;
  // kFailedPrecondition if fewer bytes than the content length were written.
  absl::Status Finish() override;
  bool started() const override { return started_; }

  bool finished() const { return finished_; }
  // The response told the client the connection closes after it.
  bool close_after() const { return close_after_; }

 private:
  absl::Status AddHeaders(const std::vector<HttpHeader>& headers, bool& connection_close);
  bool DecideClose(std::optional<uint64_t> content_length, bool connection_close) const;
  absl::Status Send(const uint8_t* data, size_t size, bool more);

  ConnectionIo& io_;
  ExchangeState& state_;
  const RequestBody* const body_;
  boost::beast::http::response<boost::beast::http::buffer_body> message_;
  std::optional<boost::beast::http::serializer<false, boost::beast::http::buffer_body>> serializer_;
  std::optional<uint64_t> content_length_;
  uint64_t written_ = 0;
  bool started_ = false;
  bool finished_ = false;
  bool bodiless_ = false;
  bool close_after_ = false;
  absl::Status failure_;  // the write that broke the response
};

}  // namespace hamster::s3::http_transport

#endif  // HAMSTER_S3_SRC_HTTP_EXCHANGE_H_
