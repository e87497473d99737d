#ifndef HAMSTER_ENV_FILE_IO_H_
#define HAMSTER_ENV_FILE_IO_H_

// POSIX files behind libhamster-ec's byte interfaces. Every output file is
// written under a temporary name in its final directory, then fsynced,
// renamed into place and made durable by fsyncing the directory (DESIGN
// invariant 8), so a crash leaves either the old file or the whole new one.
// Writes are buffered in a fixed-size buffer per file: memory stays bounded
// whatever the object size.
//
// Thread safety: the free functions may be called concurrently; each object
// is used by one thread at a time.

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/ec/io.h"

namespace hamster::env {

// Writes all of `bytes`, retrying short writes and EINTR.
absl::Status WriteFully(int fd, std::span<const uint8_t> bytes);
// One read(2), retried on EINTR; returns 0 at end of file.
absl::StatusOr<size_t> ReadSome(int fd, std::span<uint8_t> out);
absl::Status FsyncDirectory(const std::string& directory);
// Returns OK if `path` names an existing directory, else InvalidArgument naming it.
absl::Status CheckDirectory(const std::string& path);

// True if both paths exist and name the same file (device and inode).
bool SameFile(const std::string& a, const std::string& b);

std::string Basename(const std::string& path);
std::string Dirname(const std::string& path);
// <directory>/<name>.shard.<shard_index>
std::string ShardPath(const std::string& directory, const std::string& name, int shard_index);

// Buffered appends to a file descriptor the writer does not own.
class BufferedWriter {
 public:
  explicit BufferedWriter(int fd);
  absl::Status Append(std::span<const uint8_t> bytes);
  absl::Status Flush();
  uint64_t size_bytes() const { return size_bytes_; }

 private:
  static constexpr size_t kBufferSizeBytes = 64 << 10;
  int fd_;
  std::vector<uint8_t> buffer_;
  uint64_t size_bytes_ = 0;
};

// Random-access reads of one shard file with pread(2).
class FileShardSource : public ec::ShardSource {
 public:
  // Returns an error naming the path and the OS reason if the file cannot be
  // opened, or InvalidArgument if it is not a regular file.
  static absl::StatusOr<std::unique_ptr<FileShardSource>> Open(const std::string& path);
  ~FileShardSource() override;
  FileShardSource(const FileShardSource&) = delete;
  FileShardSource& operator=(const FileShardSource&) = delete;

  const std::string& path() const { return path_; }
  uint64_t size_bytes() const { return size_bytes_; }
  absl::StatusOr<uint64_t> SizeBytes() override { return size_bytes_; }
  absl::Status ReadAt(uint64_t offset, std::span<uint8_t> out) override;

 private:
  FileShardSource(std::string path, int fd, uint64_t size_bytes);
  std::string path_;
  int fd_;
  uint64_t size_bytes_;
};

// An output file that appears at `path` only when Commit() succeeds. Destroyed
// without a successful Commit(), it removes its temporary file.
class DurableFile : public ec::ByteSink {
 public:
  struct Options {
    // Where the bytes go until Commit(); empty: a hidden name next to `path`.
    // Must be on the same file system as `path` (rename(2)).
    std::string temporary_path;
    // When nonzero, writeback of every this many bytes written is started at
    // once (sync_file_range), so the disk works while the writer produces
    // more and Commit()'s fsync has little left to wait for.
    uint64_t writeback_interval_bytes = 0;
  };
  static absl::StatusOr<std::unique_ptr<DurableFile>> Create(const std::string& path);
  static absl::StatusOr<std::unique_ptr<DurableFile>> Create(const std::string& path,
                                                             const Options& options);
  ~DurableFile() override;
  DurableFile(const DurableFile&) = delete;
  DurableFile& operator=(const DurableFile&) = delete;

  absl::Status Append(std::span<const uint8_t> bytes) override;
  // Flushes, fsyncs, closes and renames the file into place. The caller
  // fsyncs the directory once all its files are committed.
  absl::Status Commit();

  const std::string& path() const { return path_; }
  uint64_t size_bytes() const { return writer_.size_bytes(); }

 private:
  DurableFile(std::string path, std::string temporary_path, int fd,
              uint64_t writeback_interval_bytes);
  void StartWriteback();
  std::string path_;
  std::string temporary_path_;
  int fd_;
  BufferedWriter writer_;
  uint64_t writeback_interval_bytes_;
  uint64_t writeback_started_bytes_ = 0;  // bytes [0, this) are under writeback
};

// Shard files <directory>/<name>.shard.<index>, each created at its first
// Append, so nothing is created when the encoder or decoder fails early.
class FileShardSink : public ec::ShardSink {
 public:
  FileShardSink(std::string directory, std::string name);
  absl::Status Append(int shard_index, std::span<const uint8_t> bytes) override;
  // Commits every shard file written, in index order, then fsyncs the directory.
  absl::Status Commit();

  // The shard files written, by shard index.
  const std::map<int, std::unique_ptr<DurableFile>>& files() const { return files_; }

 private:
  std::string directory_;
  std::string name_;
  std::map<int, std::unique_ptr<DurableFile>> files_;
};

}  // namespace hamster::env

#endif  // HAMSTER_ENV_FILE_IO_H_
