#include "s3_baseline.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "measure.h"

namespace hamster::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kDiskPieceBytes = 8 * kMebibyte;
constexpr size_t kDirectAlignment = 4096;
constexpr size_t kStreamPieceBytes = kMebibyte;
constexpr size_t kRequestBytes = 256;

absl::Status ErrnoStatus(std::string_view what, int error_number) {
  return absl::UnavailableError(absl::StrCat(std::string(what), ": ", std::strerror(error_number)));
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// A new file in `dir`, unlinked at once: it lives as long as the descriptor.
absl::StatusOr<Fd> AnonymousFile(const std::string& dir, int extra_flags) {
  std::string path = dir + "/hamster-bench-baseline-XXXXXX";
  const int fd = ::mkostemp(path.data(), O_CLOEXEC | extra_flags);
  if (fd < 0) return ErrnoStatus(absl::StrCat("creating a file in ", dir), errno);
  ::unlink(path.c_str());
  return Fd(fd);
}

// Two connected TCP sockets over 127.0.0.1: {client, server}.
absl::StatusOr<std::pair<Fd, Fd>> LoopbackPair() {
  Fd listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (listener.get() < 0) return ErrnoStatus("socket", errno);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listener.get(), 1) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return ErrnoStatus("listening on 127.0.0.1", errno);
  }
  Fd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  // The kernel completes the handshake from the backlog, so connect returns
  // before accept is called.
  if (client.get() < 0 ||
      ::connect(client.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return ErrnoStatus("connecting over 127.0.0.1", errno);
  }
  Fd server(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (server.get() < 0) return ErrnoStatus("accept", errno);
  const int one = 1;
  ::setsockopt(client.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  ::setsockopt(server.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return std::make_pair(std::move(client), std::move(server));
}

bool SendExactly(int fd, const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data += sent;
    size -= size_t(sent);
  }
  return true;
}

bool ReceiveExactly(int fd, uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t received = ::recv(fd, data, size, 0);
    if (received < 0 && errno == EINTR) continue;
    if (received <= 0) return false;
    data += received;
    size -= size_t(received);
  }
  return true;
}

// The share of the first `bytes` of `fd`'s pages that are in the page cache.
absl::StatusOr<double> ResidentFraction(int fd, uint64_t bytes) {
  void* mapping = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  if (mapping == MAP_FAILED) return ErrnoStatus("mmap of the disk baseline file", errno);
  const size_t page_bytes = size_t(::sysconf(_SC_PAGESIZE));
  std::vector<unsigned char> pages((bytes + page_bytes - 1) / page_bytes);
  const int error = ::mincore(mapping, bytes, pages.data()) == 0 ? 0 : errno;
  ::munmap(mapping, bytes);
  if (error != 0) return ErrnoStatus("mincore", error);
  size_t resident = 0;
  for (unsigned char page : pages) resident += page & 1;
  return pages.empty() ? 0 : double(resident) / double(pages.size());
}

struct FreeDeleter {
  void operator()(uint8_t* p) const { std::free(p); }
};

// Writes `bytes` from `buffer` (repeated) and fdatasyncs; MiB/s of the whole.
absl::StatusOr<double> TimedWrite(int fd, const uint8_t* buffer, uint64_t bytes) {
  const Clock::time_point start = Clock::now();
  for (uint64_t written = 0; written < bytes;) {
    const size_t piece = size_t(std::min<uint64_t>(kDiskPieceBytes, bytes - written));
    const ssize_t count = ::write(fd, buffer, piece);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) return ErrnoStatus("writing the disk baseline file", count < 0 ? errno : EIO);
    written += uint64_t(count);
  }
  if (::fdatasync(fd) != 0) return ErrnoStatus("fdatasync", errno);
  return double(bytes) / kMebibyte / SecondsSince(start);
}

// Reads the file from offset 0 to its end, which must be at `bytes`; MiB/s.
absl::StatusOr<double> TimedRead(int fd, uint8_t* buffer, uint64_t bytes) {
  const Clock::time_point start = Clock::now();
  uint64_t read = 0;
  for (;;) {
    const ssize_t count = ::pread(fd, buffer, kDiskPieceBytes, off_t(read));
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) return ErrnoStatus("reading the disk baseline file", errno);
    if (count == 0) break;
    read += uint64_t(count);
  }
  const double seconds = SecondsSince(start);
  if (read != bytes) return absl::InternalError("the disk baseline file read back short");
  return double(read) / kMebibyte / seconds;
}

}  // namespace

absl::StatusOr<DiskBaseline> MeasureDisk(const std::string& dir, uint64_t bytes) {
  // O_DIRECT wants buffers, offsets and sizes aligned to the logical block size.
  std::unique_ptr<uint8_t, FreeDeleter> buffer(
      static_cast<uint8_t*>(std::aligned_alloc(kDirectAlignment, kDiskPieceBytes)));
  if (buffer == nullptr) std::abort();  // out of memory: a benchmark cannot go on
  FillRandom({buffer.get(), kDiskPieceBytes}, 0x5eed);
  DiskBaseline result{.bytes = bytes};

  absl::StatusOr<Fd> file = AnonymousFile(dir, 0);
  if (!file.ok()) return file.status();
  absl::StatusOr<double> write = TimedWrite(file->get(), buffer.get(), bytes);
  if (!write.ok()) return write.status();
  result.buffered_write_mib_per_second = *write;
  // The pages are clean after fdatasync, so DONTNEED drops them all.
  if (const int error = ::posix_fadvise(file->get(), 0, 0, POSIX_FADV_DONTNEED); error != 0) {
    return ErrnoStatus("posix_fadvise", error);
  }
  absl::StatusOr<double> resident = ResidentFraction(file->get(), bytes);
  if (!resident.ok()) return resident.status();
  result.resident_fraction_before_read = *resident;
  absl::StatusOr<double> read = TimedRead(file->get(), buffer.get(), bytes);
  if (!read.ok()) return read.status();
  result.buffered_read_mib_per_second = *read;
  *file = Fd();  // frees its blocks before the next file takes as many

  const uint64_t direct_bytes = bytes / kDirectAlignment * kDirectAlignment;
  absl::StatusOr<Fd> direct = AnonymousFile(dir, O_DIRECT);
  if (direct.ok() && direct_bytes > 0) {
    write = TimedWrite(direct->get(), buffer.get(), direct_bytes);
    if (!write.ok()) return write.status();
    result.direct_write_mib_per_second = *write;
    read = TimedRead(direct->get(), buffer.get(), direct_bytes);
    if (!read.ok()) return read.status();
    result.direct_read_mib_per_second = *read;
  }
  result.write_mib_per_second =
      std::max(result.buffered_write_mib_per_second, result.direct_write_mib_per_second);
  result.read_mib_per_second =
      std::max(result.buffered_read_mib_per_second, result.direct_read_mib_per_second);
  return result;
}

absl::StatusOr<double> MeasureLoopbackStream(double seconds) {
  absl::StatusOr<std::pair<Fd, Fd>> pair = LoopbackPair();
  if (!pair.ok()) return pair.status();
  AlignedBuffer source(kStreamPieceBytes);
  FillRandom(source.span(), 0x100b);
  const int client = pair->first.get();
  const Clock::time_point start = Clock::now();
  std::thread sender([&] {
    while (SecondsSince(start) < seconds) {
      if (!SendExactly(client, source.data(), source.size())) break;
    }
    ::shutdown(client, SHUT_WR);
  });
  AlignedBuffer sink(kStreamPieceBytes);
  uint64_t received = 0;
  for (;;) {
    const ssize_t count = ::recv(pair->second.get(), sink.data(), sink.size(), 0);
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    received += uint64_t(count);
  }
  const double elapsed = SecondsSince(start);
  sender.join();
  if (received == 0) return absl::UnavailableError("nothing arrived over loopback");
  return double(received) / kMebibyte / elapsed;
}

absl::StatusOr<double> MeasureSyncAppends(const std::string& dir, int concurrency,
                                          size_t size_bytes, double seconds) {
  std::vector<Fd> files;
  for (int i = 0; i < concurrency; ++i) {
    absl::StatusOr<Fd> file = AnonymousFile(dir, O_APPEND);
    if (!file.ok()) return file.status();
    files.push_back(std::move(*file));
  }
  AlignedBuffer block(std::max<size_t>(size_bytes, 1));
  FillRandom(block.span(), 0xa99e);
  std::atomic<uint64_t> operations{0};
  std::atomic<int> failed_errno{0};
  const Clock::time_point start = Clock::now();
  std::vector<std::thread> threads;
  for (int i = 0; i < concurrency; ++i) {
    threads.emplace_back([&, fd = files[size_t(i)].get()] {
      while (SecondsSince(start) < seconds && failed_errno.load() == 0) {
        if (::write(fd, block.data(), size_bytes) != ssize_t(size_bytes) || ::fdatasync(fd) != 0) {
          failed_errno.store(errno != 0 ? errno : EIO);
          return;
        }
        operations.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double elapsed = SecondsSince(start);
  if (failed_errno.load() != 0) return ErrnoStatus("append + fdatasync", failed_errno.load());
  return double(operations.load()) / elapsed;
}

absl::StatusOr<double> MeasureLoopbackRoundTrips(int concurrency, size_t response_bytes,
                                                 double seconds) {
  std::vector<std::pair<Fd, Fd>> pairs;
  for (int i = 0; i < concurrency; ++i) {
    absl::StatusOr<std::pair<Fd, Fd>> pair = LoopbackPair();
    if (!pair.ok()) return pair.status();
    pairs.push_back(std::move(*pair));
  }
  std::atomic<uint64_t> operations{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (auto& [client, server] : pairs) {
    // Echo side: answers each request until the client shuts down.
    threads.emplace_back([&, fd = server.get()] {
      std::vector<uint8_t> request(kRequestBytes), response(response_bytes, 'r');
      while (ReceiveExactly(fd, request.data(), request.size())) {
        if (!SendExactly(fd, response.data(), response.size())) return;
      }
    });
  }
  const Clock::time_point start = Clock::now();
  for (auto& [client, server] : pairs) {
    threads.emplace_back([&, fd = client.get()] {
      std::vector<uint8_t> request(kRequestBytes, 'q'), response(response_bytes);
      while (SecondsSince(start) < seconds) {
        if (!SendExactly(fd, request.data(), request.size()) ||
            !ReceiveExactly(fd, response.data(), response.size())) {
          failed.store(true);
          break;
        }
        operations.fetch_add(1);
      }
      ::shutdown(fd, SHUT_WR);
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double elapsed = SecondsSince(start);
  if (failed.load()) return absl::UnavailableError("a loopback round trip failed");
  return double(operations.load()) / elapsed;
}

}  // namespace hamster::bench
