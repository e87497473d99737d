#include "hamster/env/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace hamster::env {
namespace {

absl::Status ErrnoError(int error_number, const std::string& what) {
  return absl::ErrnoToStatus(error_number, what);
}

std::string StripTrailingSlashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

}  // namespace

absl::Status WriteFully(int fd, std::span<const uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "write failed");
    }
    bytes = bytes.subspan(size_t(written));
  }
  return absl::OkStatus();
}

absl::StatusOr<size_t> ReadSome(int fd, std::span<uint8_t> out) {
  for (;;) {
    const ssize_t n = ::read(fd, out.data(), out.size());
    if (n >= 0) return size_t(n);
    if (errno != EINTR) return ErrnoError(errno, "read failed");
  }
}

absl::Status FsyncDirectory(const std::string& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, absl::StrCat(directory, ": cannot open directory"));
  absl::Status status;
  if (::fsync(fd) != 0) status = ErrnoError(errno, absl::StrCat(directory, ": fsync failed"));
  ::close(fd);
  return status;
}

absl::Status CheckDirectory(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoError(errno, path);
  if (!S_ISDIR(st.st_mode)) return absl::InvalidArgumentError(path + ": not a directory");
  return absl::OkStatus();
}

bool SameFile(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

std::string Basename(const std::string& path) {
  const std::string stripped = StripTrailingSlashes(path);
  const size_t slash = stripped.rfind('/');
  return slash == std::string::npos ? stripped : stripped.substr(slash + 1);
}

std::string Dirname(const std::string& path) {
  const std::string stripped = StripTrailingSlashes(path);
  const size_t slash = stripped.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return stripped.substr(0, slash);
}

std::string ShardPath(const std::string& directory, const std::string& name, int shard_index) {
  const std::string separator = !directory.empty() && directory.back() == '/' ? "" : "/";
  return absl::StrCat(directory, separator, name, ".shard.", shard_index);
}

BufferedWriter::BufferedWriter(int fd) : fd_(fd) { buffer_.reserve(kBufferSizeBytes); }

absl::Status BufferedWriter::Append(std::span<const uint8_t> bytes) {
  size_bytes_ += bytes.size();
  if (buffer_.size() + bytes.size() <= kBufferSizeBytes) {
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
    return absl::OkStatus();
  }
  if (absl::Status s = Flush(); !s.ok()) return s;
  // A large block goes straight to the file rather than through the buffer.
  if (bytes.size() >= kBufferSizeBytes) return WriteFully(fd_, bytes);
  buffer_.assign(bytes.begin(), bytes.end());
  return absl::OkStatus();
}

absl::Status BufferedWriter::Flush() {
  absl::Status s = WriteFully(fd_, buffer_);
  buffer_.clear();
  return s;
}

absl::StatusOr<std::unique_ptr<FileShardSource>> FileShardSource::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoError(errno, absl::StrCat(path, ": cannot open"));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int error_number = errno;
    ::close(fd);
    return ErrnoError(error_number, absl::StrCat(path, ": cannot stat"));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  return std::unique_ptr<FileShardSource>(new FileShardSource(path, fd, uint64_t(st.st_size)));
}

FileShardSource::FileShardSource(std::string path, int fd, uint64_t size_bytes)
    : path_(std::move(path)), fd_(fd), size_bytes_(size_bytes) {}

FileShardSource::~FileShardSource() { ::close(fd_); }

absl::Status FileShardSource::ReadAt(uint64_t offset, std::span<uint8_t> out) {
  const uint64_t requested = out.size();
  while (!out.empty()) {
    const ssize_t n = ::pread(fd_, out.data(), out.size(), off_t(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, absl::StrCat("read of ", path_, " at offset ", offset, " failed"));
    }
    if (n == 0) {
      return absl::DataLossError(absl::StrCat("short read: ", requested, " bytes wanted from ",
                                              path_, " but the file ends at offset ", offset));
    }
    out = out.subspan(size_t(n));
    offset += uint64_t(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<DurableFile>> DurableFile::Create(const std::string& path) {
  return Create(path, Options());
}

absl::StatusOr<std::unique_ptr<DurableFile>> DurableFile::Create(const std::string& path,
                                                                 const Options& options) {
  const std::string temporary_path =
      !options.temporary_path.empty()
          ? options.temporary_path
          : absl::StrCat(Dirname(path), "/.", Basename(path), ".tmp.", ::getpid());
  const int fd = ::open(temporary_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return ErrnoError(errno, absl::StrCat(temporary_path, ": cannot create"));
  return std::unique_ptr<DurableFile>(
      new DurableFile(path, temporary_path, fd, options.writeback_interval_bytes));
}

DurableFile::DurableFile(std::string path, std::string temporary_path, int fd,
                         uint64_t writeback_interval_bytes)
    : path_(std::move(path)),
      temporary_path_(std::move(temporary_path)),
      fd_(fd),
      writer_(fd),
      writeback_interval_bytes_(writeback_interval_bytes) {}

DurableFile::~DurableFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!temporary_path_.empty()) ::unlink(temporary_path_.c_str());
}

absl::Status DurableFile::Append(std::span<const uint8_t> bytes) {
  absl::Status s = writer_.Append(bytes);
  if (!s.ok()) return absl::Status(s.code(), absl::StrCat(temporary_path_, ": ", s.message()));
  if (writeback_interval_bytes_ > 0 &&
      writer_.size_bytes() - writeback_started_bytes_ >= writeback_interval_bytes_) {
    StartWriteback();
  }
  return s;
}

void DurableFile::StartWriteback() {
  // Only what reached the file counts: the writer's buffer holds less than
  // its capacity, and the next interval picks it up.
  const off_t end = ::lseek(fd_, 0, SEEK_CUR);
  if (end <= off_t(writeback_started_bytes_)) return;
  // Advisory: a failure here only loses the overlap, and Commit()'s fsync
  // reports any real write error.
  ::sync_file_range(fd_, off_t(writeback_started_bytes_), end - off_t(writeback_started_bytes_),
                    SYNC_FILE_RANGE_WRITE);
  writeback_started_bytes_ = uint64_t(end);
}

absl::Status DurableFile::Commit() {
  if (absl::Status s = writer_.Flush(); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(temporary_path_, ": ", s.message()));
  }
  if (::fsync(fd_) != 0) return ErrnoError(errno, absl::StrCat(temporary_path_, ": fsync failed"));
  const int fd = fd_;
  fd_ = -1;
  // close() can report a deferred write error (NFS); the data is not safe then.
  if (::close(fd) != 0) return ErrnoError(errno, absl::StrCat(temporary_path_, ": close failed"));
  if (::rename(temporary_path_.c_str(), path_.c_str()) != 0) {
    return ErrnoError(errno, absl::StrCat("cannot rename ", temporary_path_, " to ", path_));
  }
  temporary_path_.clear();
  return absl::OkStatus();
}

FileShardSink::FileShardSink(std::string directory, std::string name)
    : directory_(std::move(directory)), name_(std::move(name)) {}

absl::Status FileShardSink::Append(int shard_index, std::span<const uint8_t> bytes) {
  auto it = files_.find(shard_index);
  if (it == files_.end()) {
    absl::StatusOr<std::unique_ptr<DurableFile>> file =
        DurableFile::Create(ShardPath(directory_, name_, shard_index));
    if (!file.ok()) return file.status();
    it = files_.emplace(shard_index, *std::move(file)).first;
  }
  return it->second->Append(bytes);
}

absl::Status FileShardSink::Commit() {
  for (auto& [index, file] : files_) {
    if (absl::Status s = file->Commit(); !s.ok()) return s;
  }
  return FsyncDirectory(directory_);
}

}  // namespace hamster::env
