#ifndef HAMSTER_TOOLS_BENCH_S3_SERVER_H_
#define HAMSTER_TOOLS_BENCH_S3_SERVER_H_

// The server side of `hamster-bench s3`: starting a local `hamsterd serve` in
// a fresh data directory, watching a server process's memory, and dropping a
// data directory's files from the page cache so a read comes from the disk.
//
// Thread safety: a LocalServer is driven by one thread; RssSampler runs its
// own thread and may be read after Stop().

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hamster::bench {

// The hamsterd built with this hamster-bench: <dir of this binary>/../servers/hamsterd/hamsterd.
std::string DefaultHamsterdPath();

struct LocalServerOptions {
  std::string hamsterd_path;  // the binary to run
  std::string parent_dir;     // the data directory is created inside it
  std::string region = "us-east-1";
  std::string access_key_id;  // passed as HAMSTER_ROOT_ACCESS_KEY / _SECRET_KEY
  std::string secret_key;
  bool keep_data = false;  // leave the data directory behind on Stop()
};

class LocalServer {
 public:
  // Creates <parent_dir>/hamster-bench-XXXXXX, starts `hamsterd serve
  // --listen 127.0.0.1:0 --data-dir <it>` and waits for the line
  // "hamsterd: serving S3 on http://HOST:PORT (data in DIR)". kUnavailable if
  // it cannot start or exits first (with the tail of its log), kNotFound if
  // the binary is missing.
  static absl::StatusOr<std::unique_ptr<LocalServer>> Start(const LocalServerOptions& options);
  ~LocalServer();  // Stop(), errors ignored
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  const std::string& endpoint() const { return endpoint_; }  // http://HOST:PORT
  const std::string& data_dir() const { return data_dir_; }
  pid_t pid() const { return pid_; }

  // SIGTERM, wait (SIGKILL after a grace period), remove the data directory
  // unless kept. kInternal if the server did not exit 0.
  absl::Status Stop();

 private:
  LocalServer() = default;
  absl::Status AwaitServingLine(int stdout_fd);
  void DrainOutput(int stdout_fd);
  std::string LogTail() const;

  pid_t pid_ = -1;
  std::string endpoint_;
  std::string data_dir_;
  std::string work_dir_;  // holds data_dir_ and the server's log
  std::string log_path_;
  bool keep_data_ = false;
  std::thread drain_;
};

struct ProcessMemory {
  uint64_t peak_rss_bytes = 0;  // VmHWM
  uint64_t rss_bytes = 0;       // VmRSS
};

// From /proc/<pid>/status; kNotFound if the process is gone.
absl::StatusOr<ProcessMemory> ReadProcessMemory(pid_t pid);

// Resets the process's VmHWM to its current RSS (writes 5 to
// /proc/<pid>/clear_refs), so a later VmHWM is the peak since now.
absl::Status ResetPeakRss(pid_t pid);

// Reads VmRSS every `interval_ms` on a thread of its own between
// construction and Stop(); max_rss_bytes() is the largest value seen.
class RssSampler {
 public:
  RssSampler(pid_t pid, int interval_ms);
  ~RssSampler();  // Stop()
  void Stop();
  uint64_t max_rss_bytes() const { return max_rss_bytes_.load(); }
  int sample_count() const { return sample_count_.load(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> max_rss_bytes_{0};
  std::atomic<int> sample_count_{0};
  std::thread thread_;
};

// fdatasync + posix_fadvise(DONTNEED) of every regular file under `dir`, so
// the next reads of them go to the disk. Returns the number of files.
absl::StatusOr<int> DropFromPageCache(const std::string& dir);

// rm -r `path` (files and directories, symlinks not followed).
absl::Status RemoveTree(const std::string& path);

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_S3_SERVER_H_
