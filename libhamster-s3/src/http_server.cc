// HttpServer: an accept thread, one thread per connection (http_connection.h)
// and a watchdog thread that enforces the connections' deadlines
// (docs/adr/0004-s3-http-transport.md).
#include "hamster/s3/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "src/http_beast.h"
#include "src/http_connection.h"
#include "src/http_stream.h"

namespace hamster::s3 {
namespace {

namespace net = boost::asio;
using http_transport::Connection;
using http_transport::ConnectionContext;
using http_transport::ConnectionWatch;
using http_transport::IoError;
using http_transport::Phase;
using http_transport::SteadyClock;

// Bounds on how late the watchdog notices a passed deadline.
constexpr absl::Duration kMinWatchdogTick = absl::Milliseconds(5);
constexpr absl::Duration kMaxWatchdogTick = absl::Milliseconds(250);
// Pause after a failed accept (out of descriptors): the client waits in the
// backlog instead of the accept thread spinning.
constexpr std::chrono::milliseconds kAcceptRetryDelay(50);
// Keeps now() + grace from overflowing the steady clock (InfiniteDuration).
constexpr absl::Duration kLongestGrace = absl::Hours(24 * 365);

SteadyClock::duration ToSteady(absl::Duration duration) {
  return std::chrono::duration_cast<SteadyClock::duration>(absl::ToChronoNanoseconds(duration));
}

struct ConnectionRecord {
  explicit ConnectionRecord(int fd) : watch(fd) {}
  ConnectionWatch watch;
  std::thread thread;
  bool finished = false;  // guarded by the server's mutex
};

absl::Status ValidateOptions(const HttpServerOptions& options, const RequestHandler* handler) {
  if (handler == nullptr) return absl::InvalidArgumentError("HttpServer needs a RequestHandler");
  if (options.max_connections < 1) {
    return absl::InvalidArgumentError("HttpServerOptions.max_connections must be at least 1");
  }
  if (options.max_header_bytes < 64) {
    return absl::InvalidArgumentError("HttpServerOptions.max_header_bytes must be at least 64");
  }
  if (options.header_timeout <= absl::ZeroDuration() ||
      options.idle_timeout <= absl::ZeroDuration() || options.io_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("HttpServerOptions timeouts must be positive");
  }
  return absl::OkStatus();
}

// The socket address of `address`:`port`; returns its length.
socklen_t ToSocketAddress(const net::ip::address& address, uint16_t port,
                          sockaddr_storage& storage) {
  storage = {};
  if (address.is_v4()) {
    sockaddr_in& in = reinterpret_cast<sockaddr_in&>(storage);
    in.sin_family = AF_INET;
    in.sin_port = htons(port);
    const net::ip::address_v4::bytes_type bytes = address.to_v4().to_bytes();
    std::memcpy(&in.sin_addr, bytes.data(), bytes.size());
    return sizeof(in);
  }
  sockaddr_in6& in6 = reinterpret_cast<sockaddr_in6&>(storage);
  in6.sin6_family = AF_INET6;
  in6.sin6_port = htons(port);
  const net::ip::address_v6::bytes_type bytes = address.to_v6().to_bytes();
  std::memcpy(&in6.sin6_addr, bytes.data(), bytes.size());
  in6.sin6_scope_id = address.to_v6().scope_id();
  return sizeof(in6);
}

std::string HostPort(const HttpServerOptions& options) {
  if (absl::StrContains(options.address, ':')) {
    return absl::StrCat("[", options.address, "]:", options.port);
  }
  return absl::StrCat(options.address, ":", options.port);
}

class HttpServerImpl final : public HttpServer {
 public:
  HttpServerImpl(const HttpServerOptions& options, RequestHandler* handler)
      : options_(options), handler_(handler) {}
  ~HttpServerImpl() override;

  absl::Status Listen();
  void StartThreads();
  uint16_t port() const override { return port_; }
  void Shutdown(absl::Duration grace) override;

 private:
  void AcceptLoop();
  bool WaitForListenerOrWake();
  void Admit(int fd);
  void ServeConnection(ConnectionRecord* record, int fd, SteadyClock::time_point accepted);
  void WatchdogLoop();
  void CutConnections(bool idle_only);  // REQUIRES: mu_ held
  void JoinConnections();

  const HttpServerOptions options_;
  RequestHandler* const handler_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  int wake_pipe_[2] = {-1, -1};  // written once by Shutdown() to stop the accept thread
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::thread watchdog_thread_;

  // std::mutex rather than absl::Mutex: Debian's Abseil is built without
  // ThreadSanitizer annotations, so TSan cannot see absl::Mutex ordering.
  std::mutex mu_;
  std::condition_variable changed_;  // notified when any field below changes
  bool shutdown_started_ = false;    // the fields below are guarded by mu_
  bool accept_stop_ = false;
  bool watchdog_stop_ = false;
  int active_ = 0;  // connections not yet closed
  uint64_t next_connection_id_ = 0;
  std::map<uint64_t, std::unique_ptr<ConnectionRecord>> connections_;
};

HttpServerImpl::~HttpServerImpl() {
  Shutdown(absl::ZeroDuration());
  for (int fd : wake_pipe_) {
    if (fd >= 0) ::close(fd);
  }
}

absl::Status HttpServerImpl::Listen() {
  IoError ec;
  const net::ip::address address = net::ip::make_address(options_.address, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        absl::StrCat("unparsable listen address \"", options_.address, "\": ", ec.message()));
  }
  sockaddr_storage storage;
  const socklen_t length = ToSocketAddress(address, options_.port, storage);
  // Non-blocking: a connection that vanished between poll() and accept()
  // must not block the accept thread.
  listen_fd_ = ::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  const int one = 1;
  if (listen_fd_ < 0 ||
      ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
      ::bind(listen_fd_, reinterpret_cast<const sockaddr*>(&storage), length) != 0 ||
      ::listen(listen_fd_, SOMAXCONN) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", HostPort(options_), ": ", std::strerror(errno)));
  }
  socklen_t bound_length = sizeof(storage);
  if (::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&storage), &bound_length) != 0) {
    return absl::UnavailableError(absl::StrCat("getsockname: ", std::strerror(errno)));
  }
  port_ = ntohs(storage.ss_family == AF_INET ? reinterpret_cast<sockaddr_in&>(storage).sin_port
                                             : reinterpret_cast<sockaddr_in6&>(storage).sin6_port);
  if (::pipe2(wake_pipe_, O_CLOEXEC) != 0) {
    return absl::UnavailableError(absl::StrCat("pipe2: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

void HttpServerImpl::StartThreads() {
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  watchdog_thread_ = std::thread([this] { WatchdogLoop(); });
}

void HttpServerImpl::AcceptLoop() {
  for (;;) {
    {
      // Beyond max_connections, clients wait in the kernel's backlog.
      std::unique_lock lock(mu_);
      changed_.wait(lock, [this] { return accept_stop_ || active_ < options_.max_connections; });
      if (accept_stop_) return;
    }
    if (!WaitForListenerOrWake()) return;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      Admit(fd);
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED || errno == EINTR) {
      continue;
    }
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, kAcceptRetryDelay, [this] { return accept_stop_; });
  }
}

// Returns false once Shutdown() wrote to the wake pipe.
bool HttpServerImpl::WaitForListenerOrWake() {
  pollfd fds[2] = {{.fd = listen_fd_, .events = POLLIN, .revents = 0},
                   {.fd = wake_pipe_[0], .events = POLLIN, .revents = 0}};
  for (;;) {
    const int ready = ::poll(fds, 2, -1);
    if (ready < 0 && errno == EINTR) continue;
    // Any other poll() failure is a bug in the descriptors passed; stop
    // accepting rather than spin.
    if (ready < 0) return false;
    return (fds[1].revents & POLLIN) == 0;
  }
}

void HttpServerImpl::Admit(int fd) {
  const SteadyClock::time_point accepted = SteadyClock::now();
  // Small responses go out at once instead of waiting for an ACK (Nagle).
  // Best effort: without it the connection is slower, not wrong.
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  std::lock_guard lock(mu_);
  if (accept_stop_) {
    ::close(fd);
    return;
  }
  auto record = std::make_unique<ConnectionRecord>(fd);
  ConnectionRecord* raw = record.get();
  ++active_;
  raw->thread = std::thread([this, raw, fd, accepted] { ServeConnection(raw, fd, accepted); });
  connections_.emplace(next_connection_id_++, std::move(record));
}

void HttpServerImpl::ServeConnection(ConnectionRecord* record, int fd,
                                     SteadyClock::time_point accepted) {
  {
    Connection connection(ConnectionContext{handler_, &options_, &stopping_}, record->watch, fd,
                          accepted);
    connection.Run();
  }
  std::lock_guard lock(mu_);
  record->finished = true;
  --active_;
  changed_.notify_all();
}

void HttpServerImpl::WatchdogLoop() {
  const absl::Duration shortest =
      std::min({options_.header_timeout, options_.idle_timeout, options_.io_timeout});
  const SteadyClock::duration tick =
      ToSteady(std::clamp(shortest / 10, kMinWatchdogTick, kMaxWatchdogTick));
  for (;;) {
    std::vector<std::unique_ptr<ConnectionRecord>> finished;
    {
      std::unique_lock lock(mu_);
      changed_.wait_for(lock, tick, [this] { return watchdog_stop_; });
      if (watchdog_stop_) return;
      const SteadyClock::time_point now = SteadyClock::now();
      for (auto it = connections_.begin(); it != connections_.end();) {
        if (it->second->finished) {
          finished.push_back(std::move(it->second));
          it = connections_.erase(it);
          continue;
        }
        it->second->watch.ExpireIfDue(now);
        ++it;
      }
    }
    // Finished threads are past their last use of the server; joining is quick.
    for (std::unique_ptr<ConnectionRecord>& record : finished) record->thread.join();
  }
}

void HttpServerImpl::Shutdown(absl::Duration grace) {
  {
    std::lock_guard lock(mu_);
    if (shutdown_started_) return;
    shutdown_started_ = true;
    accept_stop_ = true;
    stopping_.store(true);
    CutConnections(/*idle_only=*/true);
    changed_.notify_all();
  }
  if (wake_pipe_[1] >= 0) {
    const char byte = 0;
    // Cannot fail short of a bug: the pipe is empty and ours.
    [[maybe_unused]] const ssize_t written = ::write(wake_pipe_[1], &byte, 1);
  }
  if (accept_thread_.joinable()) accept_thread_.join();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);  // new connections are refused from here on
    listen_fd_ = -1;
  }
  {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, ToSteady(std::min(grace, kLongestGrace)),
                      [this] { return active_ == 0; });
    CutConnections(/*idle_only=*/false);
  }
  JoinConnections();
  {
    std::lock_guard lock(mu_);
    watchdog_stop_ = true;
    changed_.notify_all();
  }
  if (watchdog_thread_.joinable()) watchdog_thread_.join();
}

void HttpServerImpl::CutConnections(bool idle_only) {
  for (auto& [id, record] : connections_) {
    if (record->finished) continue;
    if (idle_only && record->watch.phase() != Phase::kIdle) continue;
    record->watch.ShutdownSocket(SHUT_RDWR);
  }
}

void HttpServerImpl::JoinConnections() {
  std::map<uint64_t, std::unique_ptr<ConnectionRecord>> connections;
  {
    std::lock_guard lock(mu_);
    connections.swap(connections_);
  }
  // A handler still running finishes first: its socket is shut, so its next
  // read or write fails at once.
  for (auto& [id, record] : connections) record->thread.join();
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                              RequestHandler* handler) {
  absl::Status valid = ValidateOptions(options, handler);
  if (!valid.ok()) return valid;
  auto server = std::make_unique<HttpServerImpl>(options, handler);
  absl::Status listening = server->Listen();
  if (!listening.ok()) return listening;
  server->StartThreads();
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace hamster::s3
