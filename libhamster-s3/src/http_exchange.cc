#include "src/http_exchange.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "hamster/s3/errors.h"

namespace hamster::s3::http_transport {
namespace net = boost::asio;
namespace http = boost::beast::http;

const std::string& HttpDate::Now() {
  const absl::Time now = absl::Now();
  const int64_t second = absl::ToUnixSeconds(now);
  if (second != second_) {
    text_ = absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", now, absl::UTCTimeZone());
    second_ = second;
  }
  return text_;
}

namespace {

bool IsHttpError(const IoError& ec) {
  return ec.category() == http::make_error_code(http::error::bad_chunk).category();
}

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool IsValidHeaderName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), IsTokenChar);
}

bool IsValidHeaderValue(std::string_view value) {
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

boost::beast::string_view BeastView(std::string_view text) {
  return boost::beast::string_view(text.data(), text.size());
}

}  // namespace

RequestBody::RequestBody(ConnectionIo& io, RequestParser& parser, ExchangeState& state,
                         bool expect_continue)
    : io_(io),
      parser_(parser),
      state_(state),
      chunked_(parser.chunked()),
      expect_continue_(expect_continue) {
  if (!chunked_) remaining_ = parser.content_length().value_or(0);
  done_ = chunked_ ? parser.is_done() : remaining_ == 0;
}

absl::StatusOr<size_t> RequestBody::Read(std::span<uint8_t> buffer) {
  if (!failure_.ok()) return failure_;
  if (buffer.empty())
    return absl::InvalidArgumentError("BodyReader::Read needs a non-empty buffer");
  // Even an empty body gets its 100 Continue: botocore (aws-cli 2.9) that
  // asked for one misreads the next response on the connection otherwise.
  absl::Status continued = MaybeSendContinue();
  if (!continued.ok()) {
    failure_ = continued;
    return failure_;
  }
  if (done_) return 0;
  absl::StatusOr<size_t> count = chunked_ ? ReadChunked(buffer) : ReadFixed(buffer);
  io_.stream.EnterHandler();
  if (!count.ok()) failure_ = count.status();
  return count;
}

absl::StatusOr<size_t> RequestBody::ReadFixed(std::span<uint8_t> buffer) {
  const size_t wanted = static_cast<size_t>(std::min<uint64_t>(remaining_, buffer.size()));
  size_t count = 0;
  if (io_.buffer.size() > 0) {
    // Body bytes that arrived with the head.
    count = net::buffer_copy(net::buffer(buffer.data(), wanted), io_.buffer.data());
    io_.buffer.consume(count);
  } else {
    // Straight into the handler's buffer: no copy through the connection's.
    io_.stream.EnterIo(Phase::kBodyRead);
    IoError ec;
    count = io_.stream.read_some(net::buffer(buffer.data(), wanted), ec);
    if (ec) return ReadError(ec);
  }
  remaining_ -= count;
  done_ = remaining_ == 0;
  return count;
}

absl::StatusOr<size_t> RequestBody::ReadChunked(std::span<uint8_t> buffer) {
  http::buffer_body::value_type& body = parser_.get().body();
  body.data = buffer.data();
  body.size = buffer.size();
  io_.stream.EnterIo(Phase::kBodyRead);
  IoError ec;
  // A call may only consume chunk framing; go on until some data or the end.
  while (body.size == buffer.size() && !parser_.is_done()) {
    http::read_some(io_.stream, io_.buffer, parser_, ec);
    if (ec == http::error::need_buffer) ec = {};  // `buffer` is full
    if (ec) break;
  }
  const size_t count = buffer.size() - body.size;
  // The parser must not keep a pointer into the handler's buffer.
  body.data = nullptr;
  body.size = 0;
  if (ec) return ReadError(ec);
  done_ = parser_.is_done();
  return count;
}

absl::Status RequestBody::MaybeSendContinue() {
  // After the final response head has gone out, 100 Continue would be read
  // as a second response.
  if (!expect_continue_ || continue_sent_ || state_.response_header_sent) return absl::OkStatus();
  continue_sent_ = true;
  static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  io_.stream.EnterIo(Phase::kWrite);
  IoError ec;
  net::write(io_.stream, net::buffer(kContinue.data(), kContinue.size()), ec);
  io_.stream.EnterHandler();
  if (!ec) return absl::OkStatus();
  const bool timed_out = io_.watch.TakeExpired() == Phase::kWrite;
  return Error(
      ErrorCode::kIncompleteBody,
      absl::StrCat("sending 100 Continue: ",
                   timed_out ? "the client did not read within io_timeout" : ec.message()));
}

absl::Status RequestBody::ReadError(const IoError& ec) {
  if (io_.watch.TakeExpired() == Phase::kBodyRead) {
    return Error(ErrorCode::kRequestTimeout,
                 "no request body bytes arrived within the I/O timeout");
  }
  if (IsHttpError(ec) && ec != http::error::partial_message && ec != http::error::end_of_stream) {
    return Error(ErrorCode::kInvalidRequest,
                 absl::StrCat("malformed chunked body: ", ec.message()));
  }
  return Error(ErrorCode::kIncompleteBody,
               absl::StrCat("the request body ended early: ", ec.message()));
}

bool RequestBody::Drain(std::span<uint8_t> scratch) {
  uint64_t drained = 0;
  while (drained <= kDrainLimitBytes) {
    absl::StatusOr<size_t> count = Read(scratch);
    if (!count.ok()) return false;
    if (*count == 0) return true;
    drained += *count;
  }
  return false;
}

HttpResponse::HttpResponse(ConnectionIo& io, ExchangeState& state, const RequestBody* body)
    : io_(io), state_(state), body_(body) {}

absl::Status HttpResponse::Start(int status, const std::vector<HttpHeader>& headers,
                                 std::optional<uint64_t> content_length) {
  if (started_) return absl::FailedPreconditionError("ResponseWriter::Start called twice");
  if (status < 200 || status > 599) {
    return absl::InvalidArgumentError(absl::StrCat("response status ", status, " not in 200..599"));
  }
  message_.version(state_.version);
  message_.result(static_cast<unsigned>(status));
  if (http::int_to_status(static_cast<unsigned>(status)) == http::status::unknown) {
    message_.reason("Unknown");
  }
  bool connection_close = false;
  absl::Status added = AddHeaders(headers, connection_close);
  if (!added.ok()) {
    message_ = {};
    return added;
  }
  started_ = true;
  bodiless_ = state_.head || status == 204 || status == 304;
  close_after_ = DecideClose(content_length, connection_close);
  message_.keep_alive(!close_after_);
  if (message_.find(http::field::date) == message_.end())
    message_.set(http::field::date, io_.date.Now());
  if (content_length.has_value() && status != 204) {
    message_.content_length(*content_length);
  } else if (!bodiless_ && state_.version >= 11) {
    message_.chunked(true);
  }
  content_length_ = content_length;
  serializer_.emplace(message_);
  return absl::OkStatus();
}

absl::Status HttpResponse::AddHeaders(const std::vector<HttpHeader>& headers,
                                      bool& connection_close) {
  for (const HttpHeader& header : headers) {
    if (!IsValidHeaderName(header.name) || !IsValidHeaderValue(header.value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid response header \"", header.name, "\""));
    }
    if (absl::EqualsIgnoreCase(header.name, "content-length") ||
        absl::EqualsIgnoreCase(header.name, "transfer-encoding")) {
      return absl::InvalidArgumentError(
          absl::StrCat("response header \"", header.name, "\" is set by the transport"));
    }
    if (absl::EqualsIgnoreCase(header.name, "connection")) {
      // Only "close" means something a handler may ask for; keep-alive is
      // the transport's to decide.
      connection_close =
          connection_close || absl::StrContains(absl::AsciiStrToLower(header.value), "close");
      continue;
    }
    message_.insert(BeastView(header.name), BeastView(header.value));
  }
  return absl::OkStatus();
}

bool HttpResponse::DecideClose(std::optional<uint64_t> content_length,
                               bool connection_close) const {
  if (connection_close || !state_.keep_alive || io_.stopping.load()) return true;
  // An HTTP/1.0 client cannot read chunks: the body then ends with the connection.
  if (state_.version < 11 && !content_length.has_value() && !bodiless_) return true;
  if (body_ == nullptr) return true;
  // A client still waiting for 100 Continue may yet send a body, or (botocore)
  // misread what follows: answer it, then close.
  if (body_->continue_pending()) return true;
  if (body_->done()) return false;
  // Unread body: a long rest is cheaper to cut than to drain.
  return body_->failed() || body_->rest_exceeds_drain_limit();
}

absl::Status HttpResponse::Write(std::span<const uint8_t> bytes) {
  if (!started_ || finished_) {
    return absl::FailedPreconditionError("ResponseWriter::Write outside Start()..Finish()");
  }
  if (!failure_.ok()) return failure_;
  if (bodiless_ || bytes.empty()) return absl::OkStatus();
  if (content_length_.has_value() && bytes.size() > *content_length_ - written_) {
    return absl::InvalidArgumentError(
        absl::StrCat("response body exceeds its content length ", *content_length_));
  }
  absl::Status sent = Send(bytes.data(), bytes.size(), /*more=*/true);
  if (!sent.ok()) return sent;
  written_ += bytes.size();
  return absl::OkStatus();
}

absl::Status HttpResponse::Finish() {
  if (!started_) return absl::FailedPreconditionError("ResponseWriter::Finish before Start");
  if (finished_) return absl::FailedPreconditionError("ResponseWriter::Finish called twice");
  if (!failure_.ok()) return failure_;
  if (!bodiless_ && content_length_.has_value() && written_ != *content_length_) {
    return absl::FailedPreconditionError(
        absl::StrCat("response body has ", written_, " of ", *content_length_, " bytes"));
  }
  absl::Status sent = Send(nullptr, 0, /*more=*/false);
  if (!sent.ok()) return sent;
  finished_ = true;
  return absl::OkStatus();
}

absl::Status HttpResponse::Send(const uint8_t* data, size_t size, bool more) {
  http::buffer_body::value_type& body = message_.body();
  body.data = const_cast<uint8_t*>(data);  // buffer_body's pointer is shared with reading
  body.size = size;
  body.more = more;
  io_.stream.EnterIo(Phase::kWrite);
  IoError ec;
  // The first call sends the head together with the first bytes.
  http::write(io_.stream, *serializer_, ec);
  io_.stream.EnterHandler();
  body.data = nullptr;
  if (serializer_->is_header_done()) state_.response_header_sent = true;
  if (ec == http::error::need_buffer) ec = {};
  if (!ec) return absl::OkStatus();
  const bool timed_out = io_.watch.TakeExpired() == Phase::kWrite;
  failure_ = absl::UnavailableError(
      absl::StrCat("sending the response: ",
                   timed_out ? "the client did not read it within the I/O timeout" : ec.message()));
  return failure_;
}

}  // namespace hamster::s3::http_transport
