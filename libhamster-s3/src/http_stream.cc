#include "src/http_stream.h"

#include <sys/socket.h>

#include <cerrno>

namespace hamster::s3::http_transport {
namespace {

uint64_t Pack(Phase phase, SteadyClock::time_point deadline) {
  if (phase == Phase::kNone) return 0;
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(deadline.time_since_epoch()).count();
  // A deadline at or before the clock's epoch has passed already; 1 keeps it
  // distinguishable from "no deadline".
  const uint64_t clamped = micros > 0 ? static_cast<uint64_t>(micros) : 1;
  return (clamped << 4) | static_cast<uint64_t>(phase);
}

}  // namespace

void ConnectionWatch::Arm(Phase phase, SteadyClock::time_point deadline) {
  state_.store(Pack(phase, deadline));
}

void ConnectionWatch::ExpireIfDue(SteadyClock::time_point now) {
  uint64_t state = state_.load();
  if (state == 0) return;
  const Phase phase = UnpackPhase(state);
  if (Pack(phase, now) < state) return;
  // The connection may have re-armed meanwhile: expire only the deadline seen.
  if (!state_.compare_exchange_strong(state, 0)) return;
  expired_.store(static_cast<uint8_t>(phase));
  const bool can_still_answer = phase == Phase::kHeader || phase == Phase::kBodyRead;
  ShutdownSocket(can_still_answer ? SHUT_RD : SHUT_RDWR);
}

void ConnectionWatch::ShutdownSocket(int how) {
  std::lock_guard lock(mu_);
  // The result is ignored: ENOTCONN (the peer already left) needs no action.
  if (open_) ::shutdown(fd_, how);
}

void ConnectionWatch::MarkClosed() {
  std::lock_guard lock(mu_);
  open_ = false;
}

void DeadlineStream::EnterIdle(SteadyClock::time_point idle_deadline,
                               std::optional<SteadyClock::time_point> header_deadline) {
  phase_ = Phase::kIdle;
  per_operation_deadline_ = false;
  header_deadline_ = header_deadline;
  watch_.Arm(Phase::kIdle, idle_deadline);
}

void DeadlineStream::EnterHeader(SteadyClock::time_point deadline) {
  phase_ = Phase::kHeader;
  per_operation_deadline_ = false;
  watch_.Arm(Phase::kHeader, deadline);
}

void DeadlineStream::EnterIo(Phase phase) {
  phase_ = phase;
  per_operation_deadline_ = true;
}

void DeadlineStream::EnterLinger(SteadyClock::time_point deadline) {
  phase_ = Phase::kLinger;
  per_operation_deadline_ = false;
  watch_.Arm(Phase::kLinger, deadline);
}

void DeadlineStream::EnterHandler() {
  phase_ = Phase::kNone;
  per_operation_deadline_ = false;
  watch_.Disarm();
}

size_t DeadlineStream::Receive(IoVectors& vectors, IoError& ec) {
  ec = {};
  if (vectors.count == 0) return 0;
  if (per_operation_deadline_) watch_.Arm(phase_, SteadyClock::now() + timeouts_.io);
  msghdr message{};
  message.msg_iov = vectors.vectors;
  message.msg_iovlen = static_cast<size_t>(vectors.count);
  ssize_t received;
  do {
    received = ::recvmsg(fd_, &message, 0);
  } while (received < 0 && errno == EINTR);
  if (received < 0) {
    ec.assign(errno, boost::system::system_category());
    return 0;
  }
  if (received == 0) {
    ec = boost::asio::error::eof;
    return 0;
  }
  if (phase_ == Phase::kIdle) StartHeader();
  return static_cast<size_t>(received);
}

size_t DeadlineStream::Send(IoVectors& vectors, IoError& ec) {
  ec = {};
  if (vectors.count == 0) return 0;
  if (per_operation_deadline_) watch_.Arm(phase_, SteadyClock::now() + timeouts_.io);
  msghdr message{};
  message.msg_iov = vectors.vectors;
  message.msg_iovlen = static_cast<size_t>(vectors.count);
  ssize_t sent;
  do {
    // MSG_NOSIGNAL: a client that left yields EPIPE, not a process-killing SIGPIPE.
    sent = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) {
    ec.assign(errno, boost::system::system_category());
    return 0;
  }
  return static_cast<size_t>(sent);
}

void DeadlineStream::StartHeader() {
  EnterHeader(header_deadline_.value_or(SteadyClock::now() + timeouts_.header));
}

}  // namespace hamster::s3::http_transport
