// Deadlines for the blocking HTTP transport. A connection thread blocks in
// recv/send; the watchdog thread (http_server.cc) wakes it when a deadline
// passes by shutting the socket down, which makes the blocked call return.
// ConnectionWatch is the state the two share; DeadlineStream is the Beast
// stream a connection reads and writes through, arming the deadline that fits
// what the connection is waiting for.
// Thread safety: ConnectionWatch is shared by one connection thread, the
// watchdog and Shutdown(); DeadlineStream belongs to the connection thread.
#ifndef HAMSTER_S3_SRC_HTTP_STREAM_H_
#define HAMSTER_S3_SRC_HTTP_STREAM_H_

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace hamster::s3::http_transport {

using SteadyClock = std::chrono::steady_clock;
using Tcp = boost::asio::ip::tcp;
using IoError = boost::system::error_code;

// What a connection waits for; decides the deadline and what its expiry does.
enum class Phase : uint8_t {
  kNone = 0,  // running the handler, or closed: no deadline
  kIdle,      // waiting for the first byte of the next request
  kHeader,    // reading a request head
  kBodyRead,  // waiting for request body bytes
  kWrite,     // waiting for the client to accept response bytes
  kLinger,    // closing: discarding what the client still sends
};

class ConnectionWatch {
 public:
  explicit ConnectionWatch(int fd) : fd_(fd) {}
  ConnectionWatch(const ConnectionWatch&) = delete;
  ConnectionWatch& operator=(const ConnectionWatch&) = delete;

  // Sets what the connection waits for and until when; no deadline for kNone.
  void Arm(Phase phase, SteadyClock::time_point deadline);
  void Disarm() { state_.store(0); }
  Phase phase() const { return UnpackPhase(state_.load()); }

  // Watchdog: if the deadline passed by `now`, records the phase it expired in
  // and shuts the socket down. While a request head or body is awaited only
  // the read side is shut, so the connection can still answer RequestTimeout.
  void ExpireIfDue(SteadyClock::time_point now);
  // The phase whose deadline expired since the last call, or kNone.
  Phase TakeExpired() { return static_cast<Phase>(expired_.exchange(0)); }

  // shutdown(2) on the socket unless MarkClosed() was called, so a descriptor
  // number reused after close is never touched.
  void ShutdownSocket(int how);
  // REQUIRES: called by the connection thread before it closes the socket.
  void MarkClosed();

 private:
  static Phase UnpackPhase(uint64_t state) { return static_cast<Phase>(state & 0xf); }

  // Deadline in microseconds of the steady clock, shifted left by 4, ORed with
  // the phase: one atomic word, so the watchdog never pairs a phase with
  // another phase's deadline.
  std::atomic<uint64_t> state_{0};
  std::atomic<uint8_t> expired_{0};
  const int fd_;
  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = true;
};

struct StreamTimeouts {
  SteadyClock::duration header;
  SteadyClock::duration io;
};

// A Beast SyncReadStream/SyncWriteStream over a blocking TCP socket. In the
// kBodyRead and kWrite phases each read_some/write_some gets io_timeout from
// its start, so a slow client that keeps making progress is not cut. In kIdle
// the first byte received starts the head's deadline.
class DeadlineStream {
 public:
  DeadlineStream(Tcp::socket& socket, ConnectionWatch& watch, StreamTimeouts timeouts)
      : socket_(socket), watch_(watch), timeouts_(timeouts) {}

  // Waiting for a request: close quietly at `idle_deadline` if nothing
  // arrives; once a byte arrives the head must be complete by
  // `header_deadline`, or header_timeout after that byte if nullopt.
  void EnterIdle(SteadyClock::time_point idle_deadline,
                 std::optional<SteadyClock::time_point> header_deadline);
  void EnterHeader(SteadyClock::time_point deadline);
  void EnterIo(Phase phase);  // kBodyRead or kWrite
  void EnterLinger(SteadyClock::time_point deadline);
  void EnterHandler();

  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, IoError& ec) {
    if (per_operation_deadline_) watch_.Arm(phase_, SteadyClock::now() + timeouts_.io);
    const size_t count = socket_.read_some(buffers, ec);
    if (count > 0 && phase_ == Phase::kIdle) StartHeader();
    return count;
  }
  template <class ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers, IoError& ec) {
    if (per_operation_deadline_) watch_.Arm(phase_, SteadyClock::now() + timeouts_.io);
    return socket_.write_some(buffers, ec);
  }

  // Beast's stream concepts require the throwing overloads too. Hamster code
  // calls only the error_code ones, so reaching one of these is a bug.
  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence&) {
    std::abort();
  }
  template <class ConstBufferSequence>
  size_t write_some(const ConstBufferSequence&) {
    std::abort();
  }

 private:
  void StartHeader();

  Tcp::socket& socket_;
  ConnectionWatch& watch_;
  const StreamTimeouts timeouts_;
  Phase phase_ = Phase::kNone;
  bool per_operation_deadline_ = false;
  std::optional<SteadyClock::time_point> header_deadline_;
};

}  // namespace hamster::s3::http_transport

#endif  // HAMSTER_S3_SRC_HTTP_STREAM_H_
