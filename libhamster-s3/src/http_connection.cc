#include "src/http_connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "hamster/s3/errors.h"

namespace hamster::s3::http_transport {
namespace net = boost::asio;
namespace http = boost::beast::http;

namespace {

// A closing connection reads what the client still sends for at most this
// long, so the response is not lost to a TCP reset (see LingerClose()).
constexpr SteadyClock::duration kLingerMax = std::chrono::seconds(2);
constexpr size_t kScratchBytes = 64 * 1024;
// Beast reads at most this much per call; the buffer holds a head being
// parsed plus one read.
constexpr size_t kReadChunkBytes = 64 * 1024;

SteadyClock::duration ToSteady(absl::Duration duration) {
  return std::chrono::duration_cast<SteadyClock::duration>(absl::ToChronoNanoseconds(duration));
}

bool IsParseError(const IoError& ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category() &&
         ec != http::error::end_of_stream && ec != http::error::partial_message;
}

std::string ToString(boost::beast::string_view view) {
  return std::string(view.data(), view.size());
}

// The body of a request is framed by Content-Length or by chunked encoding
// alone: anything else could be read as the next request (smuggling).
bool HasUnsupportedTransferEncoding(const RequestParser& parser) {
  const auto& head = parser.get();
  const size_t count = head.count(http::field::transfer_encoding);
  if (count == 0) return false;
  if (count > 1 || !parser.chunked()) return true;
  return !boost::beast::iequals(head[http::field::transfer_encoding], "chunked");
}

HttpRequest BuildRequest(const RequestParser& parser) {
  const auto& head = parser.get();
  HttpRequest request;
  request.method = ToString(head.method_string());
  request.target = ToString(head.target());
  request.headers.reserve(std::distance(head.begin(), head.end()));
  for (const auto& field : head) {
    request.headers.push_back(
        HttpHeader{absl::AsciiStrToLower(ToString(field.name_string())), ToString(field.value())});
  }
  if (!parser.chunked() && parser.content_length().has_value()) {
    request.content_length = *parser.content_length();
  }
  return request;
}

}  // namespace

Connection::Connection(const ConnectionContext& context, ConnectionWatch& watch, int fd,
                       SteadyClock::time_point accepted)
    : context_(context),
      watch_(watch),
      fd_(fd),
      accepted_(accepted),
      stream_(fd_, watch_,
              StreamTimeouts{.header = ToSteady(context.options->header_timeout),
                             .io = ToSteady(context.options->io_timeout)}),
      buffer_(context.options->max_header_bytes + kReadChunkBytes),
      io_{.stream = stream_,
          .watch = watch_,
          .buffer = buffer_,
          .stopping = *context.stopping,
          .date = date_} {
  // Beast sizes each read by the buffer's free capacity: without this a
  // request head arrives 512 bytes per system call.
  buffer_.reserve(kReadChunkBytes);
}

void Connection::Run() {
  bool first = true;
  for (;;) {
    const Next next = ServeRequest(first);
    first = false;
    if (next == Next::kKeepAlive) continue;
    if (next == Next::kLingerClose) LingerClose();
    break;
  }
  Close();
}

Connection::Next Connection::ServeRequest(bool first) {
  if (!AwaitRequest(first)) return Next::kClose;
  parser_.emplace();
  const size_t header_limit =
      std::min<size_t>(context_.options->max_header_bytes, std::numeric_limits<uint32_t>::max());
  parser_->header_limit(static_cast<uint32_t>(header_limit));
  // Body size is the service's to judge (S3 has its own limits). Not
  // boost::none: Beast 1.74 compares Content-Length against the optional and
  // takes "none" as a limit of zero.
  parser_->body_limit(std::numeric_limits<uint64_t>::max());
  IoError ec;
  http::read_header(stream_, buffer_, *parser_, ec);
  if (ec) return OnHeadError(ec);
  stream_.EnterHandler();
  return Dispatch();
}

bool Connection::AwaitRequest(bool first) {
  const HttpServerOptions& options = *context_.options;
  const SteadyClock::time_point now = SteadyClock::now();
  if (buffer_.size() > 0) {
    // A pipelined request has begun already.
    stream_.EnterHeader(now + ToSteady(options.header_timeout));
  } else if (first) {
    const SteadyClock::time_point deadline = accepted_ + ToSteady(options.header_timeout);
    stream_.EnterIdle(deadline, deadline);
  } else {
    stream_.EnterIdle(now + ToSteady(options.idle_timeout), std::nullopt);
  }
  // Armed before the check: Shutdown() sets the flag, then shuts down the
  // sockets of idle connections, so one side sees the other.
  return !context_.stopping->load();
}

Connection::Next Connection::OnHeadError(const IoError& ec) {
  const Phase expired = watch_.TakeExpired();
  if (expired == Phase::kHeader) {
    return AnswerTransportError(ErrorCode::kRequestTimeout,
                                "the request head did not arrive within the header timeout", {});
  }
  if (expired != Phase::kNone) return Next::kClose;  // idle: nobody is waiting for an answer
  if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    return AnswerTransportError(
        ErrorCode::kRequestHeaderSectionTooLarge,
        absl::StrCat("the request head exceeds ", context_.options->max_header_bytes, " bytes"),
        {});
  }
  if (IsParseError(ec)) {
    return AnswerTransportError(ErrorCode::kInvalidRequest,
                                absl::StrCat("malformed HTTP request: ", ec.message()), {});
  }
  return Next::kClose;  // the client left, or the server is shutting down
}

Connection::Next Connection::Dispatch() {
  const auto& head = parser_->get();
  ExchangeState state{.version = head.version(),
                      .head = head.method() == http::verb::head,
                      .keep_alive = parser_->keep_alive()};
  if (state.version != 10 && state.version != 11) {
    state.version = 11;
    return AnswerTransportError(
        ErrorCode::kInvalidRequest,
        absl::StrCat("unsupported HTTP version ", head.version() / 10, ".", head.version() % 10),
        state);
  }
  if (HasUnsupportedTransferEncoding(*parser_)) {
    return AnswerTransportError(ErrorCode::kNotImplemented,
                                "only Transfer-Encoding: chunked is supported", state);
  }
  const auto expect = head.find(http::field::expect);
  const bool expect_continue = state.version == 11 && expect != head.end() &&
                               boost::beast::iequals(expect->value(), "100-continue");
  const HttpRequest request = BuildRequest(*parser_);
  RequestBody body(io_, *parser_, state, expect_continue);
  HttpResponse response(io_, state, &body);
  context_.handler->Handle(request, body, response);
  stream_.EnterHandler();
  return AfterHandler(body, response, state);
}

Connection::Next Connection::AfterHandler(RequestBody& body, HttpResponse& response,
                                          ExchangeState& state) {
  if (!response.started()) {
    return AnswerTransportError(ErrorCode::kInternalError,
                                "the request handler returned without a response", state);
  }
  // An unfinished response can only end with the connection: the client
  // sees a truncated body rather than a wrong one.
  if (!response.finished()) return Next::kClose;
  if (response.close_after()) return Next::kLingerClose;
  if (!body.done() && !body.Drain(scratch())) return Next::kLingerClose;
  return Next::kKeepAlive;
}

Connection::Next Connection::AnswerTransportError(s3::ErrorCode code, std::string_view message,
                                                  ExchangeState state) {
  state.keep_alive = false;
  state.response_header_sent = false;
  HttpResponse response(io_, state, /*body=*/nullptr);
  context_.handler->HandleTransportError(code, message, response);
  if (!response.started()) {
    // The handler gave no answer; the client still learns the status.
    absl::Status started = response.Start(HttpStatusOf(code), {}, 0);
    if (started.ok()) response.Finish().IgnoreError();  // the connection closes either way
  }
  return Next::kLingerClose;
}

void Connection::LingerClose() {
  // Closing a socket with unread input makes the kernel send a reset, which
  // can destroy the response before the client reads it. So: send our FIN,
  // then read and discard what the client still sends, within bounds.
  if (::shutdown(fd_, SHUT_WR) != 0) return;
  const SteadyClock::duration linger = std::min(ToSteady(context_.options->io_timeout), kLingerMax);
  stream_.EnterLinger(SteadyClock::now() + linger);
  size_t discarded = 0;
  IoError ec;
  while (discarded <= kDrainLimitBytes) {
    const size_t count = stream_.read_some(net::buffer(scratch().data(), scratch().size()), ec);
    if (ec) break;
    discarded += count;
  }
}

void Connection::Close() {
  stream_.EnterHandler();
  watch_.MarkClosed();
  ::close(fd_);  // nothing to do about a failed close
}

std::span<uint8_t> Connection::scratch() {
  if (scratch_.empty()) scratch_.resize(kScratchBytes);
  return scratch_;
}

}  // namespace hamster::s3::http_transport
