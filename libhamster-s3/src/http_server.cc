// HttpServer: an accept thread, one thread per connection (http_connection.h)
// and a watchdog thread that enforces the connections' deadlines
// (docs/adr/0004-s3-http-transport.md).
#include "hamster/s3/http_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
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
using http_transport::Tcp;

// Bounds on how late the watchdog notices a passed deadline.
constexpr absl::Duration kMinWatchdogTick = absl::Milliseconds(5);
constexpr absl::Duration kMaxWatchdogTick = absl::Milliseconds(250);
// Pause after a failed accept (out of descriptors): the client waits in the
// backlog instead of the accept thread spinning.
constexpr absl::Duration kAcceptRetryDelay = absl::Milliseconds(50);

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

std::string HostPort(const HttpServerOptions& options) {
  if (absl::StrContains(options.address, ':')) {
    return absl::StrCat("[", options.address, "]:", options.port);
  }
  return absl::StrCat(options.address, ":", options.port);
}

class HttpServerImpl final : public HttpServer {
 public:
  HttpServerImpl(const HttpServerOptions& options, RequestHandler* handler)
      : options_(options), handler_(handler), acceptor_(io_) {}
  ~HttpServerImpl() override;

  absl::Status Listen();
  void StartThreads();
  uint16_t port() const override { return port_; }
  void Shutdown(absl::Duration grace) override;

 private:
  void AcceptLoop();
  bool WaitForListenerOrWake();
  void Admit(Tcp::socket socket);
  void ServeConnection(ConnectionRecord* record, Tcp::socket socket,
                       SteadyClock::time_point accepted);
  void WatchdogLoop();
  void CutConnections(bool idle_only) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void JoinConnections();

  bool CanAccept() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return accept_stop_ || active_ < options_.max_connections;
  }
  bool AllClosed() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return active_ == 0; }

  const HttpServerOptions options_;
  RequestHandler* const handler_;
  net::io_context io_;  // owns the socket services; never run: all I/O is blocking
  Tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  int wake_pipe_[2] = {-1, -1};  // written once by Shutdown() to stop the accept thread
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::thread watchdog_thread_;

  absl::Mutex mu_;
  bool shutdown_started_ ABSL_GUARDED_BY(mu_) = false;
  bool accept_stop_ ABSL_GUARDED_BY(mu_) = false;
  bool watchdog_stop_ ABSL_GUARDED_BY(mu_) = false;
  int active_ ABSL_GUARDED_BY(mu_) = 0;  // connections not yet closed
  uint64_t next_connection_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<uint64_t, std::unique_ptr<ConnectionRecord>> connections_ ABSL_GUARDED_BY(mu_);
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
  const Tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(Tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  // Non-blocking: a connection that vanished between poll() and accept()
  // must not block the accept thread.
  if (!ec) acceptor_.non_blocking(true, ec);
  if (ec) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", HostPort(options_), ": ", ec.message()));
  }
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return absl::UnavailableError(absl::StrCat("listening socket: ", ec.message()));
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
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &HttpServerImpl::CanAccept));
      if (accept_stop_) return;
    }
    if (!WaitForListenerOrWake()) return;
    IoError ec;
    Tcp::socket socket = acceptor_.accept(ec);
    if (ec == net::error::would_block || ec == net::error::try_again ||
        ec == net::error::connection_aborted || ec == net::error::interrupted) {
      continue;
    }
    if (ec) {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&accept_stop_), kAcceptRetryDelay);
      continue;
    }
    Admit(std::move(socket));
  }
}

// Returns false once Shutdown() wrote to the wake pipe.
bool HttpServerImpl::WaitForListenerOrWake() {
  pollfd fds[2] = {{.fd = acceptor_.native_handle(), .events = POLLIN, .revents = 0},
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

void HttpServerImpl::Admit(Tcp::socket socket) {
  const SteadyClock::time_point accepted = SteadyClock::now();
  IoError ec;
  // Small responses go out at once instead of waiting for an ACK (Nagle).
  socket.set_option(Tcp::no_delay(true), ec);
  absl::MutexLock lock(&mu_);
  if (accept_stop_) return;  // the socket closes as it goes out of scope
  auto record = std::make_unique<ConnectionRecord>(socket.native_handle());
  ConnectionRecord* raw = record.get();
  ++active_;
  raw->thread = std::thread([this, raw, accepted, socket = std::move(socket)]() mutable {
    ServeConnection(raw, std::move(socket), accepted);
  });
  connections_.emplace(next_connection_id_++, std::move(record));
}

void HttpServerImpl::ServeConnection(ConnectionRecord* record, Tcp::socket socket,
                                     SteadyClock::time_point accepted) {
  {
    Connection connection(ConnectionContext{handler_, &options_, &stopping_}, record->watch,
                          std::move(socket), accepted);
    connection.Run();
  }
  absl::MutexLock lock(&mu_);
  record->finished = true;
  --active_;
}

void HttpServerImpl::WatchdogLoop() {
  const absl::Duration shortest =
      std::min({options_.header_timeout, options_.idle_timeout, options_.io_timeout});
  const absl::Duration tick = std::clamp(shortest / 10, kMinWatchdogTick, kMaxWatchdogTick);
  for (;;) {
    std::vector<std::unique_ptr<ConnectionRecord>> finished;
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&watchdog_stop_), tick);
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
    absl::MutexLock lock(&mu_);
    if (shutdown_started_) return;
    shutdown_started_ = true;
    accept_stop_ = true;
    stopping_.store(true);
    CutConnections(/*idle_only=*/true);
  }
  if (wake_pipe_[1] >= 0) {
    const char byte = 0;
    // Cannot fail short of a bug: the pipe is empty and ours.
    [[maybe_unused]] const ssize_t written = ::write(wake_pipe_[1], &byte, 1);
  }
  if (accept_thread_.joinable()) accept_thread_.join();
  IoError ec;
  acceptor_.close(ec);  // new connections are refused from here on
  {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(this, &HttpServerImpl::AllClosed), grace);
    CutConnections(/*idle_only=*/false);
  }
  JoinConnections();
  {
    absl::MutexLock lock(&mu_);
    watchdog_stop_ = true;
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
    absl::MutexLock lock(&mu_);
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
