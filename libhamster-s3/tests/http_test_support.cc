#include "http_test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace hamster::s3::testing {

uint8_t PatternByte(uint64_t offset) {
  return static_cast<uint8_t>((offset * 131 + (offset >> 13)) & 0xff);
}

std::string PatternBytes(uint64_t offset, size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>(PatternByte(offset + i));
  return bytes;
}

std::string Response::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

Client::Client(uint16_t port, int receive_buffer_bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  if (receive_buffer_bytes > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof(receive_buffer_bytes));
  }
  // A send to a server that stopped reading must not hang the test forever.
  timeval send_timeout{.tv_sec = absl::ToInt64Seconds(kPatience), .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof(send_timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return;
  }
  fd_ = fd;
}

Client::~Client() {
  if (fd_ >= 0) ::close(fd_);
}

bool Client::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
  return true;
}

void Client::ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

bool Client::Fill(absl::Duration within) {
  pollfd fds{.fd = fd_, .events = POLLIN, .revents = 0};
  if (::poll(&fds, 1, static_cast<int>(absl::ToInt64Milliseconds(within))) <= 0) return false;
  char buffer[64 * 1024];
  const ssize_t received = ::recv(fd_, buffer, sizeof(buffer), 0);
  if (received <= 0) return false;
  pending_.append(buffer, static_cast<size_t>(received));
  return true;
}

bool Client::DataArrivesWithin(absl::Duration within) {
  if (!pending_.empty()) return true;
  return Fill(within);
}

bool Client::WaitClosed(absl::Duration within) {
  const absl::Time deadline = absl::Now() + within;
  for (;;) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd fds{.fd = fd_, .events = POLLIN, .revents = 0};
    if (::poll(&fds, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1) <= 0) continue;
    char buffer[64 * 1024];
    if (::recv(fd_, buffer, sizeof(buffer), 0) <= 0) return true;
  }
}

std::optional<std::string> Client::ReadLine() {
  for (;;) {
    const size_t end = pending_.find("\r\n");
    if (end != std::string::npos) {
      std::string line = pending_.substr(0, end);
      pending_.erase(0, end + 2);
      return line;
    }
    if (!Fill()) return std::nullopt;
  }
}

std::optional<Response> Client::ReadResponse(bool head_request, bool discard_body) {
  std::optional<std::string> status_line = ReadLine();
  if (!status_line.has_value() || status_line->size() < 12 ||
      status_line->compare(0, 7, "HTTP/1.") != 0) {
    return std::nullopt;
  }
  Response response;
  if (!absl::SimpleAtoi(status_line->substr(9, 3), &response.status)) return std::nullopt;
  for (;;) {
    std::optional<std::string> line = ReadLine();
    if (!line.has_value()) return std::nullopt;
    if (line->empty()) break;
    const size_t colon = line->find(':');
    if (colon == std::string::npos) return std::nullopt;
    response.headers[absl::AsciiStrToLower(line->substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(line->substr(colon + 1)));
  }
  const bool bodiless = head_request || response.status / 100 == 1 || response.status == 204 ||
                        response.status == 304;
  response.complete = bodiless || ReadBody(response, discard_body);
  return response;
}

bool Client::ReadBody(Response& response, bool discard) {
  if (absl::EqualsIgnoreCase(response.Header("transfer-encoding"), "chunked")) {
    return ReadChunkedBody(response);
  }
  if (response.HasHeader("content-length")) {
    uint64_t length = 0;
    if (!absl::SimpleAtoi(response.Header("content-length"), &length)) return false;
    if (discard) {
      while (response.body_bytes + pending_.size() < length) {
        response.body_bytes += pending_.size();
        pending_.clear();
        if (!Fill()) return false;
      }
      pending_.erase(0, length - response.body_bytes);
      response.body_bytes = length;
      return true;
    }
    while (pending_.size() < length && Fill()) {
    }
    const size_t taken = std::min<size_t>(length, pending_.size());
    response.body = pending_.substr(0, taken);
    pending_.erase(0, taken);
    return taken == length;
  }
  while (Fill()) {
  }
  response.body = std::move(pending_);
  pending_.clear();
  return true;
}

bool Client::ReadChunkedBody(Response& response) {
  for (;;) {
    std::optional<std::string> size_line = ReadLine();
    if (!size_line.has_value()) return false;
    uint64_t size = 0;
    if (!absl::SimpleHexAtoi(size_line->substr(0, size_line->find(';')), &size)) return false;
    if (size == 0) break;
    while (pending_.size() < size + 2 && Fill()) {
    }
    if (pending_.size() < size + 2 || pending_.compare(size, 2, "\r\n") != 0) return false;
    response.body.append(pending_, 0, size);
    pending_.erase(0, size + 2);
  }
  for (;;) {  // trailer section
    std::optional<std::string> line = ReadLine();
    if (!line.has_value()) return false;
    if (line->empty()) return true;
  }
}

std::string Request(std::string_view method, std::string_view target, std::string_view body,
                    std::string_view extra) {
  std::string request = absl::StrCat(std::string(method), " ", std::string(target),
                                     " HTTP/1.1\r\nHost: test\r\n", std::string(extra));
  if (!body.empty() || method == "PUT" || method == "POST") {
    absl::StrAppend(&request, "Content-Length: ", body.size(), "\r\n");
  }
  absl::StrAppend(&request, "\r\n");
  request.append(body);
  return request;
}

HttpServerOptions RelaxedOptions() {
  HttpServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.max_connections = 64;
  options.header_timeout = absl::Seconds(60);
  options.idle_timeout = absl::Seconds(60);
  options.io_timeout = absl::Seconds(60);
  return options;
}

TestServer::TestServer(HttpServerOptions options) {
  options.port = 0;
  absl::StatusOr<std::unique_ptr<HttpServer>> started = HttpServer::Start(options, &handler);
  REQUIRE(started.ok());
  server = std::move(*started);
  REQUIRE(server->port() != 0);
}

}  // namespace hamster::s3::testing
