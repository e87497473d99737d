#include "s3_client.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace hamster::bench {
namespace {

// A server that takes longer than this to send the next byte (or accept one)
// is treated as gone; fsyncing a 4 GiB object stays well inside it.
constexpr int kSocketTimeoutSeconds = 300;
// Longest status line plus headers accepted in a response.
constexpr size_t kMaxResponseHeadBytes = 64 * 1024;

absl::Status Unavailable(std::string_view what, int error_number) {
  return absl::UnavailableError(absl::StrCat(std::string(what), ": ", std::strerror(error_number)));
}

std::string Lower(std::string_view text) {
  return absl::AsciiStrToLower(absl::string_view(text.data(), text.size()));
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

template <typename Integer>
bool ParseInteger(std::string_view text, Integer& value, int base = 10) {
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value, base);
  return !text.empty() && result.ec == std::errc() && result.ptr == end;
}

absl::Status SendAll(int socket, const uint8_t* data, size_t size, bool more) {
  while (size > 0) {
    const ssize_t sent = ::send(socket, data, size, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return Unavailable("send", sent < 0 ? errno : EPIPE);
    data += sent;
    size -= size_t(sent);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Endpoint> ParseEndpoint(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return absl::InvalidArgumentError(
        absl::StrCat("--endpoint must start with http://, not '", std::string(url), "'"));
  }
  std::string_view rest = url.substr(kScheme.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  Endpoint endpoint;
  const size_t colon = rest.rfind(':');
  endpoint.host = std::string(rest.substr(0, colon));
  if (colon != std::string_view::npos && !ParseInteger(rest.substr(colon + 1), endpoint.port)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--endpoint has a bad port: '", std::string(url), "'"));
  }
  if (endpoint.host.empty() || endpoint.host.find('/') != std::string::npos || endpoint.port == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--endpoint must be http://HOST:PORT, not '", std::string(url), "'"));
  }
  endpoint.host_header = absl::StrCat(endpoint.host, ":", endpoint.port);
  return endpoint;
}

// Buffered reading from the connection's socket through its receive buffer.
class S3Connection::Reader {
 public:
  explicit Reader(S3Connection& connection) : c_(connection) {}

  // One line without its CRLF. Fails if the line does not fit the buffer.
  absl::StatusOr<std::string> ReadLine() {
    for (;;) {
      const auto begin = c_.receive_buffer_.begin() + long(c_.buffered_begin_);
      const auto end = c_.receive_buffer_.begin() + long(c_.buffered_end_);
      static constexpr uint8_t kCrLf[] = {'\r', '\n'};
      const auto found = std::search(begin, end, std::begin(kCrLf), std::end(kCrLf));
      if (found != end) {
        std::string line(begin, found);
        c_.buffered_begin_ = size_t(found - c_.receive_buffer_.begin()) + 2;
        return line;
      }
      if (absl::Status filled = Fill(); !filled.ok()) return filled;
    }
  }

  // Hands the next `count` bytes to `consume`, in pieces.
  template <typename Consume>
  absl::Status ReadBytes(uint64_t count, Consume&& consume) {
    while (count > 0) {
      if (c_.buffered_begin_ == c_.buffered_end_) {
        if (absl::Status filled = Fill(); !filled.ok()) return filled;
      }
      const size_t piece = size_t(std::min<uint64_t>(count, c_.buffered_end_ - c_.buffered_begin_));
      consume(std::span<const uint8_t>(c_.receive_buffer_.data() + c_.buffered_begin_, piece));
      c_.buffered_begin_ += piece;
      count -= piece;
    }
    return absl::OkStatus();
  }

 private:
  // Receives more bytes after the buffered ones, moving those to the front
  // first when the buffer's tail is full.
  absl::Status Fill() {
    if (c_.buffered_begin_ == c_.buffered_end_) c_.buffered_begin_ = c_.buffered_end_ = 0;
    if (c_.buffered_end_ == c_.receive_buffer_.size()) {
      if (c_.buffered_begin_ == 0) {
        return absl::UnavailableError("response line longer than the receive buffer");
      }
      std::memmove(c_.receive_buffer_.data(), c_.receive_buffer_.data() + c_.buffered_begin_,
                   c_.buffered_end_ - c_.buffered_begin_);
      c_.buffered_end_ -= c_.buffered_begin_;
      c_.buffered_begin_ = 0;
    }
    for (;;) {
      const ssize_t received = ::recv(c_.socket_, c_.receive_buffer_.data() + c_.buffered_end_,
                                      c_.receive_buffer_.size() - c_.buffered_end_, 0);
      if (received < 0 && errno == EINTR) continue;
      if (received < 0) return Unavailable("recv", errno);
      if (received == 0) return absl::UnavailableError("server closed the connection");
      c_.buffered_end_ += size_t(received);
      return absl::OkStatus();
    }
  }

  S3Connection& c_;
};

S3Connection::S3Connection(Endpoint endpoint, s3::SigningCredentials credentials,
                           size_t receive_buffer_bytes)
    : endpoint_(std::move(endpoint)),
      credentials_(std::move(credentials)),
      receive_buffer_(std::max<size_t>(receive_buffer_bytes, kMaxResponseHeadBytes)) {}

S3Connection::~S3Connection() { Close(); }

void S3Connection::Close() {
  if (socket_ >= 0) ::close(socket_);
  socket_ = -1;
  buffered_begin_ = buffered_end_ = 0;
  close_after_response_ = false;
}

absl::Status S3Connection::Connect() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  const std::string port = std::to_string(endpoint_.port);
  if (const int error = ::getaddrinfo(endpoint_.host.c_str(), port.c_str(), &hints, &addresses);
      error != 0) {
    return absl::UnavailableError(
        absl::StrCat("resolving ", endpoint_.host, ": ", ::gai_strerror(error)));
  }
  int last_error = ECONNREFUSED;
  for (addrinfo* a = addresses; a != nullptr && socket_ < 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last_error = errno;
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    const timeval timeout{.tv_sec = kSocketTimeoutSeconds, .tv_usec = 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
      socket_ = fd;
    } else {
      last_error = errno;
      ::close(fd);
    }
  }
  ::freeaddrinfo(addresses);
  if (socket_ < 0)
    return Unavailable(absl::StrCat("connecting to ", endpoint_.host_header), last_error);
  return absl::OkStatus();
}

std::string S3Connection::Authorization(const s3::RequestToSign& request,
                                        const std::string& amz_date) {
  const std::string date = amz_date.substr(0, 8);
  if (date != signing_date_) {
    signing_key_ = s3::DeriveSigningKey(credentials_.secret_key, date, credentials_.region,
                                        credentials_.service);
    signing_date_ = date;
  }
  const std::string scope =
      absl::StrCat(date, "/", credentials_.region, "/", credentials_.service, "/aws4_request");
  const std::string signature = s3::HexEncode(s3::HmacSha256(
      signing_key_, s3::StringToSign(amz_date, scope, s3::CanonicalRequest(request))));
  return absl::StrCat("AWS4-HMAC-SHA256 Credential=", credentials_.access_key_id, "/", scope,
                      ", SignedHeaders=", s3::SignedHeaderList(request), ", Signature=", signature);
}

std::string S3Connection::RequestHead(const S3Request& request) {
  const absl::Time now = absl::Now();
  const std::string amz_date = s3::AmzDate(now);
  s3::RequestToSign to_sign{.method = request.method,
                            .path = request.path,
                            .query = request.query,
                            .headers = {{"host", endpoint_.host_header},
                                        {"x-amz-content-sha256", std::string(s3::kUnsignedPayload)},
                                        {"x-amz-date", amz_date}},
                            .payload_sha256_hex = std::string(s3::kUnsignedPayload)};
  if (!request.server_side_encryption.empty()) {
    to_sign.headers.emplace_back("x-amz-server-side-encryption", request.server_side_encryption);
  }
  std::string authorization = Authorization(to_sign, amz_date);
  // The signing key is cached here rather than derived per request; the
  // first request checks that this gives what the library's own signer does
  // (a difference is a bug in this file: crash rather than measure it).
  if (!signature_checked_) {
    signature_checked_ = true;
    if (authorization != s3::AuthorizationHeader(to_sign, credentials_, now)) std::abort();
  }
  std::string head = absl::StrCat(
      request.method, " ", request.path, request.query.empty() ? "" : "?", request.query,
      " HTTP/1.1\r\nHost: ", endpoint_.host_header, "\r\nx-amz-date: ", amz_date,
      "\r\nx-amz-content-sha256: ", std::string(s3::kUnsignedPayload),
      "\r\nAuthorization: ", authorization, "\r\n");
  if (!request.server_side_encryption.empty()) {
    absl::StrAppend(&head, "x-amz-server-side-encryption: ", request.server_side_encryption,
                    "\r\n");
  }
  if (request.body.size_bytes > 0 || request.method == "PUT" || request.method == "POST") {
    absl::StrAppend(&head, "Content-Length: ", request.body.size_bytes, "\r\n");
  }
  absl::StrAppend(&head, "\r\n");
  return head;
}

absl::Status S3Connection::SendRequest(const S3Request& request) {
  const std::string head = RequestHead(request);
  const CyclicBody& body = request.body;
  if (absl::Status sent = SendAll(socket_, reinterpret_cast<const uint8_t*>(head.data()),
                                  head.size(), body.size_bytes > 0);
      !sent.ok()) {
    return sent;
  }
  uint64_t position = 0;
  while (position < body.size_bytes) {
    const size_t start = size_t((body.offset + position) % body.source.size());
    const size_t piece =
        size_t(std::min<uint64_t>(body.source.size() - start, body.size_bytes - position));
    const bool more = position + piece < body.size_bytes;
    if (absl::Status sent = SendAll(socket_, body.source.data() + start, piece, more); !sent.ok()) {
      return sent;
    }
    position += piece;
  }
  return absl::OkStatus();
}

absl::StatusOr<S3Response> S3Connection::Execute(const S3Request& request) {
  if (socket_ < 0) {
    if (absl::Status connected = Connect(); !connected.ok()) return connected;
  }
  S3Response response;
  absl::Status done = SendRequest(request);
  // A server may answer early (an error before the whole body arrived) and
  // close; its response is still worth reading, so a failed send only fails
  // the request if no response can be read either.
  absl::Status read = ReadResponse(request, response);
  if (!read.ok()) {
    Close();
    return done.ok() ? read : done;
  }
  if (close_after_response_ || !done.ok()) Close();
  return response;
}

absl::Status S3Connection::ReadResponse(const S3Request& request, S3Response& response) {
  Reader reader(*this);
  absl::StatusOr<std::string> status_line = reader.ReadLine();
  if (!status_line.ok()) return status_line.status();
  // "HTTP/1.1 200 OK"
  const std::string_view line = *status_line;
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." ||
      !ParseInteger(line.substr(9, 3), response.status)) {
    return absl::UnavailableError(absl::StrCat("malformed status line '", *status_line, "'"));
  }
  close_after_response_ = line.substr(0, 8) == "HTTP/1.0";
  bool chunked = false;
  uint64_t content_length = 0;
  size_t head_bytes = line.size();
  for (;;) {
    absl::StatusOr<std::string> header = reader.ReadLine();
    if (!header.ok()) return header.status();
    if (header->empty()) break;
    head_bytes += header->size();
    if (head_bytes > kMaxResponseHeadBytes) return absl::UnavailableError("response head too long");
    const size_t colon = header->find(':');
    if (colon == std::string::npos) return absl::UnavailableError("malformed response header");
    const std::string name = Lower(header->substr(0, colon));
    const std::string_view value = Trim(std::string_view(*header).substr(colon + 1));
    if (name == "content-length" && !ParseInteger(value, content_length)) {
      return absl::UnavailableError("malformed Content-Length");
    } else if (name == "transfer-encoding") {
      chunked = Lower(value).find("chunked") != std::string::npos;
    } else if (name == "connection") {
      close_after_response_ = Lower(value).find("close") != std::string::npos;
    } else if (name == "etag") {
      response.etag = std::string(value);
    } else if (name == "x-amz-server-side-encryption") {
      response.server_side_encryption = std::string(value);
    }
  }
  // HEAD and 204/304 responses carry no body whatever their headers say.
  if (request.method == "HEAD" || response.status == 204 || response.status == 304 ||
      response.status / 100 == 1) {
    return absl::OkStatus();
  }
  if (chunked) return ReadChunkedBody(reader, request, response);
  return ReadBody(reader, request, content_length, response);
}

absl::Status S3Connection::ReadBody(Reader& reader, const S3Request& request, uint64_t length,
                                    S3Response& response) {
  const bool deliver = request.sink != nullptr && response.status / 100 == 2;
  return reader.ReadBytes(length, [&](std::span<const uint8_t> piece) {
    response.body_bytes += piece.size();
    if (response.body.size() < request.keep_body_bytes) {
      const size_t keep = std::min(piece.size(), request.keep_body_bytes - response.body.size());
      response.body.append(reinterpret_cast<const char*>(piece.data()), keep);
    }
    if (deliver) request.sink->Consume(piece);
  });
}

absl::Status S3Connection::ReadChunkedBody(Reader& reader, const S3Request& request,
                                           S3Response& response) {
  for (;;) {
    absl::StatusOr<std::string> size_line = reader.ReadLine();
    if (!size_line.ok()) return size_line.status();
    const std::string_view size_text =
        Trim(std::string_view(*size_line).substr(0, size_line->find(';')));
    uint64_t size = 0;
    if (!ParseInteger(size_text, size, 16)) return absl::UnavailableError("malformed chunk size");
    if (size == 0) break;
    if (absl::Status read = ReadBody(reader, request, size, response); !read.ok()) return read;
    absl::StatusOr<std::string> end = reader.ReadLine();
    if (!end.ok()) return end.status();
    if (!end->empty()) return absl::UnavailableError("chunk not followed by CRLF");
  }
  // Trailers, if any, up to the empty line.
  for (;;) {
    absl::StatusOr<std::string> trailer = reader.ReadLine();
    if (!trailer.ok()) return trailer.status();
    if (trailer->empty()) return absl::OkStatus();
  }
}

absl::StatusOr<S3Response> S3Connection::ExecuteExpecting(const S3Request& request,
                                                          std::vector<int> accepted) {
  absl::StatusOr<S3Response> response = Execute(request);
  if (!response.ok()) {
    return absl::Status(response.status().code(), absl::StrCat(request.method, " ", request.path,
                                                               ": ", response.status().message()));
  }
  const bool ok = accepted.empty() ? response->status / 100 == 2
                                   : std::find(accepted.begin(), accepted.end(),
                                               response->status) != accepted.end();
  if (ok) return response;
  const std::string message =
      absl::StrCat(request.method, " ", request.path, request.query.empty() ? "" : "?",
                   request.query, ": HTTP ", response->status, " ", response->body);
  if (response->status == 404) return absl::NotFoundError(message);
  if (response->status / 100 == 5) return absl::UnavailableError(message);
  return absl::FailedPreconditionError(message);
}

}  // namespace hamster::bench
