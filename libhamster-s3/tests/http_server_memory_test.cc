// Resident memory and speed of the HTTP transport. Runs without sanitizers
// (label no-sanitizer): their shadow memory makes RSS meaningless.
//   memory: 1 GiB through the transport each way must not grow the peak RSS
//           by more than a few buffers.
//   [.bench]: round trips and streams against raw loopback TCP measured in the
//           same run (docs/adr/0004-s3-http-transport.md quotes the figures).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "http_test_support.h"

namespace hamster::s3::testing {
namespace {

constexpr uint64_t kMiB = 1 << 20;

// Peak resident set of this process (VmHWM), in bytes.
uint64_t PeakResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) != 0) continue;
    uint64_t kib = 0;
    std::string digits = line.substr(6, line.find("kB") - 6);
    if (absl::SimpleAtoi(absl::StripAsciiWhitespace(digits), &kib)) return kib * 1024;
  }
  return 0;
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds used by every thread of this process (client and server alike):
// steadier than wall time on a shared machine.
double ProcessCpuSeconds() {
  timespec now{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

struct Rate {
  double per_second = 0;       // wall clock
  double cpu_us_per_item = 0;  // process CPU per round trip, or per MiB
};

// PUTs `size` zero bytes to /discard; returns false unless the server counted them all.
bool PutZeros(Client& client, uint64_t size) {
  const std::string piece(kMiB, '\0');
  if (!client.Send(
          absl::StrCat("PUT /discard HTTP/1.1\r\nHost: t\r\nContent-Length: ", size, "\r\n\r\n"))) {
    return false;
  }
  for (uint64_t offset = 0; offset < size; offset += piece.size()) {
    const size_t count = static_cast<size_t>(std::min<uint64_t>(piece.size(), size - offset));
    if (!client.Send(std::string_view(piece).substr(0, count))) return false;
  }
  std::optional<Response> response = client.ReadResponse();
  return response.has_value() && response->body == absl::StrCat(size);
}

bool GetZeros(Client& client, uint64_t size) {
  if (!client.Send(Request("GET", absl::StrCat("/zeros?size=", size)))) return false;
  std::optional<Response> response = client.ReadResponse(false, /*discard_body=*/true);
  return response.has_value() && response->complete && response->body_bytes == size;
}

TEST_CASE("HttpServer: streams 1 GiB each way in bounded memory", "[s3][http]") {
  TestServer server;
  Client client(server.port());
  REQUIRE(PutZeros(client, kMiB));  // warm up: the connection's buffers exist
  REQUIRE(GetZeros(client, kMiB));
  const uint64_t before = PeakResidentBytes();
  REQUIRE(before > 0);
  REQUIRE(PutZeros(client, 1024 * kMiB));
  REQUIRE(GetZeros(client, 1024 * kMiB));
  const uint64_t growth = PeakResidentBytes() - before;
  INFO("peak RSS growth " << growth / kMiB << " MiB");
  CHECK(growth < 32 * kMiB);
}

// A loopback TCP pair without HTTP: the baseline for the figures below.
class RawLoopback {
 public:
  RawLoopback() {
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), length) == 0);
    REQUIRE(::listen(listener, 1) == 0);
    REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    client_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(::connect(client_, reinterpret_cast<sockaddr*>(&address), length) == 0);
    server_ = ::accept(listener, nullptr, nullptr);
    ::close(listener);
    const int one = 1;
    ::setsockopt(client_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    ::setsockopt(server_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~RawLoopback() {
    ::close(client_);
    ::close(server_);
  }
  int client() const { return client_; }
  int server() const { return server_; }

 private:
  int client_ = -1;
  int server_ = -1;
};

bool ReceiveExactly(int fd, char* buffer, size_t size) {
  while (size > 0) {
    const ssize_t received = ::recv(fd, buffer, size, 0);
    if (received <= 0) return false;
    buffer += received;
    size -= static_cast<size_t>(received);
  }
  return true;
}

// Round trips: `request_bytes` one way, `response_bytes` back.
Rate RawRoundTrips(size_t request_bytes, size_t response_bytes, int count) {
  RawLoopback pair;
  std::thread echo([&] {
    std::vector<char> buffer(std::max(request_bytes, response_bytes));
    for (int i = 0; i < count; ++i) {
      if (!ReceiveExactly(pair.server(), buffer.data(), request_bytes)) return;
      ::send(pair.server(), buffer.data(), response_bytes, MSG_NOSIGNAL);
    }
  });
  std::vector<char> buffer(std::max(request_bytes, response_bytes));
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = ProcessCpuSeconds();
  for (int i = 0; i < count; ++i) {
    ::send(pair.client(), buffer.data(), request_bytes, MSG_NOSIGNAL);
    REQUIRE(ReceiveExactly(pair.client(), buffer.data(), response_bytes));
  }
  const Rate rate{count / SecondsSince(start), (ProcessCpuSeconds() - cpu_start) * 1e6 / count};
  echo.join();
  return rate;
}

Rate RawStream(uint64_t size) {
  RawLoopback pair;
  std::thread sink([&] {
    std::vector<char> buffer(kMiB);
    for (uint64_t received = 0; received < size;) {
      const ssize_t count = ::recv(pair.server(), buffer.data(), buffer.size(), 0);
      if (count <= 0) return;
      received += static_cast<uint64_t>(count);
    }
  });
  const std::string piece(kMiB, '\0');
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = ProcessCpuSeconds();
  for (uint64_t sent = 0; sent < size;) {
    const ssize_t count = ::send(pair.client(), piece.data(), piece.size(), MSG_NOSIGNAL);
    REQUIRE(count > 0);
    sent += static_cast<uint64_t>(count);
  }
  sink.join();
  return Rate{size / SecondsSince(start), (ProcessCpuSeconds() - cpu_start) * 1e6 * kMiB / size};
}

template <class Body>
Rate Measure(double items, double item_bytes_per_unit, Body body) {
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = ProcessCpuSeconds();
  body();
  return Rate{items / SecondsSince(start),
              (ProcessCpuSeconds() - cpu_start) * 1e6 / (items / item_bytes_per_unit)};
}

void Print(const char* what, const char* unit, double scale, Rate raw, Rate http) {
  std::printf(
      "%-22s raw %8.0f %s (%6.1f us CPU)   http %8.0f %s (%6.1f us CPU)   %.2fx wall, %.2fx CPU\n",
      what, raw.per_second / scale, unit, raw.cpu_us_per_item, http.per_second / scale, unit,
      http.cpu_us_per_item, http.per_second / raw.per_second,
      http.cpu_us_per_item / raw.cpu_us_per_item);
}

TEST_CASE("HttpServer: benchmark against raw loopback TCP", "[s3][http][.bench]") {
  constexpr int kRoundTrips = 20000;
  constexpr uint64_t kStreamBytes = 1024 * kMiB;
  TestServer server;
  Client client(server.port());
  const std::string body(4096, 'x');
  const std::string put = Request("PUT", "/discard", body);
  const std::string get = Request("GET", "/zeros?size=4096");
  auto http_round_trips = [&](const std::string& request) {
    return Measure(kRoundTrips, 1, [&] {
      for (int i = 0; i < kRoundTrips; ++i) {
        REQUIRE(client.Send(request));
        REQUIRE(client.ReadResponse().has_value());
      }
    });
  };
  const Rate raw_put = RawRoundTrips(put.size(), 150, kRoundTrips);
  const Rate http_put = http_round_trips(put);
  const Rate raw_get = RawRoundTrips(get.size(), 4096 + 150, kRoundTrips);
  const Rate http_get = http_round_trips(get);
  const Rate raw_stream = RawStream(kStreamBytes);
  const Rate put_stream =
      Measure(kStreamBytes, kMiB, [&] { REQUIRE(PutZeros(client, kStreamBytes)); });
  const Rate get_stream =
      Measure(kStreamBytes, kMiB, [&] { REQUIRE(GetZeros(client, kStreamBytes)); });
  Print("4 KiB PUT round trips", "/s", 1, raw_put, http_put);
  Print("4 KiB GET round trips", "/s", 1, raw_get, http_get);
  Print("1 GiB PUT stream", "MB/s", 1e6, raw_stream, put_stream);
  Print("1 GiB GET stream", "MB/s", 1e6, raw_stream, get_stream);
}

}  // namespace
}  // namespace hamster::s3::testing
