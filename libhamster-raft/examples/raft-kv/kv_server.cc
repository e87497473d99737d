#include "kv_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace raft_kv {
namespace {

// A client request has no business being longer; a longer one is refused, not buffered.
constexpr size_t kMaxLineBytes = 64 << 10;
// An answer that takes longer is reported as unknown ("ERR timeout"): the PUT may still
// commit, so clients retry PUTs (they are idempotent) rather than assume failure.
constexpr auto kRequestTimeout = std::chrono::seconds(5);
// Connections beyond this are closed at once.
constexpr size_t kMaxConnections = 64;

bool WriteAll(int fd, const std::string& data) {
  size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = send(fd, data.data() + written, data.size() - written, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    written += static_cast<size_t>(n);
  }
  return true;
}

std::string Error(const absl::Status& status) {
  std::string message(status.ToString());
  std::replace(message.begin(), message.end(), '\n', ' ');
  return "ERR " + message;
}

}  // namespace

KvServer::~KvServer() { Stop(); }

absl::Status KvServer::Start(const std::string& address) {
  const size_t colon = address.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  if (colon == std::string::npos ||
      inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("bad client address ", address));
  }
  addr.sin_port = htons(static_cast<uint16_t>(std::atoi(address.c_str() + colon + 1)));
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(listen_fd_, 64) != 0) {
    const int error = errno;
    close(listen_fd_);
    listen_fd_ = -1;
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address, ": ", std::strerror(error)));
  }
  acceptor_ = std::thread([this] { AcceptLoop(); });
  return absl::OkStatus();
}

void KvServer::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || listen_fd_ < 0) return;
    stopping_ = true;
    // shutdown() wakes the threads blocked in accept() and recv(); they close their fds.
    shutdown(listen_fd_, SHUT_RDWR);
    for (Connection& connection : connections_) {
      if (!connection.done) shutdown(connection.fd, SHUT_RDWR);
    }
  }
  acceptor_.join();
  close(listen_fd_);
  // No thread adds connections any more.
  for (Connection& connection : connections_) connection.thread.join();
  connections_.clear();
}

void KvServer::AcceptLoop() {
  while (true) {
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    std::lock_guard lock(mutex_);
    if (stopping_) {
      if (fd >= 0) close(fd);
      return;
    }
    if (fd < 0) continue;
    ReapLocked();
    if (connections_.size() >= kMaxConnections) {
      close(fd);
      continue;
    }
    Connection& connection = connections_.emplace_back();
    connection.fd = fd;
    connection.thread = std::thread([this, &connection] { Serve(&connection); });
  }
}

void KvServer::ReapLocked() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if (!it->done) {
      ++it;
      continue;
    }
    it->thread.join();
    it = connections_.erase(it);
  }
}

void KvServer::Serve(Connection* connection) {
  const int fd = connection->fd;
  std::string buffer;
  char chunk[4096];
  while (true) {
    const size_t newline = buffer.find('\n');
    if (newline != std::string::npos) {
      std::string line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!WriteAll(fd, Handle(line) + "\n")) break;
      continue;
    }
    if (buffer.size() > kMaxLineBytes) {
      WriteAll(fd, "ERR request line too long\n");
      break;
    }
    const ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
  }
  std::lock_guard lock(mutex_);
  close(fd);
  connection->done = true;
}

std::string KvServer::Handle(const std::string& line) {
  std::istringstream words(line);
  std::string command, key, value, extra;
  words >> command >> key >> value >> extra;
  if (command == "PUT" && !value.empty() && extra.empty()) return Put(key, value);
  if (command == "GET" && !key.empty() && value.empty()) return Get(key);
  if (command == "LOCALGET" && !key.empty() && value.empty()) {
    const std::optional<std::string> found = kv_->Get(key);
    return found.has_value() ? "VALUE " + *found : "NOTFOUND";
  }
  if (command == "STATUS" && key.empty()) {
    const hamster::raft::NodeStatus status = node_->Status();
    const std::string role(hamster::raft::RoleName(status.soft_state.role));
    return absl::StrCat("STATUS id=", status.id, " role=", role,
                        " leader=", status.soft_state.leader_id, " term=", status.hard_state.term,
                        " applied=", status.applied);
  }
  return "ERR usage: PUT <key> <value> | GET <key> | LOCALGET <key> | STATUS";
}

std::string KvServer::Put(const std::string& key, const std::string& value) {
  std::future<absl::StatusOr<std::string>> result = node_->Propose(EncodePut(key, value));
  if (result.wait_for(kRequestTimeout) != std::future_status::ready) return "ERR timeout";
  const absl::StatusOr<std::string> applied = result.get();
  if (applied.ok()) return "OK";
  const std::optional<hamster::raft::NodeId> leader = hamster::raft::LeaderHint(applied.status());
  if (leader.has_value()) return absl::StrCat("REDIRECT ", *leader);
  return Error(applied.status());
}

std::string KvServer::Get(const std::string& key) {
  std::future<absl::Status> read = node_->ReadIndex();
  if (read.wait_for(kRequestTimeout) != std::future_status::ready) return "ERR timeout";
  const absl::Status status = read.get();
  if (!status.ok()) return Error(status);
  const std::optional<std::string> found = kv_->Get(key);
  return found.has_value() ? "VALUE " + *found : "NOTFOUND";
}

}  // namespace raft_kv
