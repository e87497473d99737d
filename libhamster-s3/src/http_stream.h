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

#include <sys/uio.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <optional>

#include "src/http_beast.h"

namespace hamster::s3::http_transport {

using SteadyClock = std::chrono::steady_clock;
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
  std::mutex mu_;     // std::mutex, not absl::Mutex: see http_server.cc
  bool open_ = true;  // guarded by mu_
};

struct StreamTimeouts {
  SteadyClock::duration header;
  SteadyClock::duration io;
};

// A Beast SyncReadStream/SyncWriteStream over a blocking TCP socket (a plain
// descriptor: blocking I/O needs no Asio io_context). In the kBodyRead and
// kWrite phases each read_some/write_some gets io_timeout from its start, so
// a slow client that keeps making progress is not cut. In kIdle the first
// byte received starts the head's deadline.
class DeadlineStream {
 public:
  DeadlineStream(int fd, ConnectionWatch& watch, StreamTimeouts timeouts)
      : fd_(fd), watch_(watch), timeouts_(timeouts) {}

  // Waiting for a request: close quietly at `idle_deadline` if nothing
  // arrives; once a byte arrives the head must be complete by
  // `header_deadline`, or header_timeout after that byte if nullopt.
  void EnterIdle(SteadyClock::time_point idle_deadline,
                 std::optional<SteadyClock::time_point> header_deadline);
  void EnterHeader(SteadyClock::time_point deadline);
  void EnterIo(Phase phase);  // kBodyRead or kWrite
  void EnterLinger(SteadyClock::time_point deadline);
  void EnterHandler();

  // Receives at least one byte; boost::asio::error::eof when the peer closed.
  template <class MutableBufferSequence>
  size_t read_some(const MutableBufferSequence& buffers, IoError& ec) {
    IoVectors vectors;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && vectors.count < kMaxIoVectors; ++it) {
      const boost::asio::mutable_buffer buffer(*it);
      vectors.Add(buffer.data(), buffer.size());
    }
    return Receive(vectors, ec);
  }
  // Sends at least one byte of `buffers`, gathering them into one system call.
  template <class ConstBufferSequence>
  size_t write_some(const ConstBufferSequence& buffers, IoError& ec) {
    IoVectors vectors;
    for (auto it = boost::asio::buffer_sequence_begin(buffers);
         it != boost::asio::buffer_sequence_end(buffers) && vectors.count < kMaxIoVectors; ++it) {
      const boost::asio::const_buffer buffer(*it);
      vectors.Add(const_cast<void*>(buffer.data()), buffer.size());
    }
    return Send(vectors, ec);
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
  // Beast's serializer hands over a handful of buffers (head, chunk framing,
  // body); the rest of a longer sequence goes in the next write_some.
  static constexpr int kMaxIoVectors = 16;
  struct IoVectors {
    void Add(void* data, size_t size) {
      if (size == 0) return;
      vectors[count++] = iovec{.iov_base = data, .iov_len = size};
    }
    iovec vectors[kMaxIoVectors];
    int count = 0;
  };

  size_t Receive(IoVectors& vectors, IoError& ec);
  size_t Send(IoVectors& vectors, IoError& ec);
  void StartHeader();

  const int fd_;
  ConnectionWatch& watch_;
  const StreamTimeouts timeouts_;
  Phase phase_ = Phase::kNone;
  bool per_operation_deadline_ = false;
  std::optional<SteadyClock::time_point> header_deadline_;
};

}  // namespace hamster::s3::http_transport

#endif  // HAMSTER_S3_SRC_HTTP_STREAM_H_
