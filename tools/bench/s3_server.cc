#include "s3_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

extern char** environ;

namespace hamster::bench {
namespace {

constexpr std::string_view kServingPrefix = "hamsterd: serving S3 on ";
constexpr std::string_view kDataInfix = " (data in ";
// A sanitizer or debug build on a loaded machine starts slowly.
constexpr int kStartTimeoutMs = 60'000;
constexpr int kStopTimeoutMs = 60'000;
constexpr size_t kLogTailBytes = 4096;

absl::Status ErrnoStatus(std::string_view what, int error_number) {
  return absl::UnavailableError(absl::StrCat(std::string(what), ": ", std::strerror(error_number)));
}

// The environment of this process with the root credentials replaced.
std::vector<std::string> ServerEnvironment(const LocalServerOptions& options) {
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view text = *entry;
    if (text.starts_with("HAMSTER_ROOT_ACCESS_KEY=") ||
        text.starts_with("HAMSTER_ROOT_SECRET_KEY=")) {
      continue;
    }
    environment.emplace_back(text);
  }
  environment.push_back("HAMSTER_ROOT_ACCESS_KEY=" + options.access_key_id);
  environment.push_back("HAMSTER_ROOT_SECRET_KEY=" + options.secret_key);
  return environment;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// "hamsterd: serving S3 on http://HOST:PORT (data in DIR)" -> "http://HOST:PORT".
std::string EndpointOfServingLine(std::string_view line) {
  const size_t start = line.find(kServingPrefix);
  if (start == std::string_view::npos) return "";
  line.remove_prefix(start + kServingPrefix.size());
  const size_t end = line.find(kDataInfix);
  if (end == std::string_view::npos || !line.starts_with("http://")) return "";
  return std::string(line.substr(0, end));
}

absl::StatusOr<uint64_t> KilobytesField(const std::string& status, std::string_view name) {
  const size_t at = status.find(std::string(name) + ":");
  if (at == std::string::npos) return absl::NotFoundError(absl::StrCat("no ", std::string(name)));
  std::istringstream fields(status.substr(at + name.size() + 1));
  uint64_t kilobytes = 0;
  fields >> kilobytes;
  if (!fields) return absl::InternalError(absl::StrCat("unparsable ", std::string(name)));
  return kilobytes * 1024;
}

}  // namespace

std::string DefaultHamsterdPath() {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return "hamsterd";
  return (self.parent_path() / ".." / "servers" / "hamsterd" / "hamsterd").lexically_normal();
}

absl::StatusOr<std::unique_ptr<LocalServer>> LocalServer::Start(const LocalServerOptions& options) {
  if (::access(options.hamsterd_path.c_str(), X_OK) != 0) {
    return absl::NotFoundError(absl::StrCat("no executable hamsterd at ", options.hamsterd_path,
                                            " (build it, or pass --hamsterd or --endpoint)"));
  }
  std::string work_template = options.parent_dir + "/hamster-bench-XXXXXX";
  if (::mkdtemp(work_template.data()) == nullptr) {
    return ErrnoStatus(absl::StrCat("creating a directory in ", options.parent_dir), errno);
  }
  std::unique_ptr<LocalServer> server(new LocalServer());
  server->work_dir_ = work_template;
  server->data_dir_ = work_template + "/data";
  server->log_path_ = work_template + "/hamsterd.log";
  server->keep_data_ = options.keep_data;

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return ErrnoStatus("pipe", errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, server->log_path_.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  std::vector<std::string> arguments = {
      options.hamsterd_path, "serve",           "--listen", "127.0.0.1:0",
      "--data-dir",          server->data_dir_, "--region", options.region};
  std::vector<std::string> environment = ServerEnvironment(options);
  const int spawned = ::posix_spawn(&server->pid_, options.hamsterd_path.c_str(), &actions, nullptr,
                                    Pointers(arguments).data(), Pointers(environment).data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (spawned != 0) {
    server->pid_ = -1;
    ::close(pipe_fds[0]);
    return ErrnoStatus(absl::StrCat("starting ", options.hamsterd_path), spawned);
  }
  if (absl::Status serving = server->AwaitServingLine(pipe_fds[0]); !serving.ok()) {
    ::close(pipe_fds[0]);
    return serving;  // the destructor stops the process
  }
  server->drain_ = std::thread([s = server.get(), fd = pipe_fds[0]] { s->DrainOutput(fd); });
  return server;
}

absl::Status LocalServer::AwaitServingLine(int stdout_fd) {
  std::ofstream log(log_path_, std::ios::app);
  std::string pending;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartTimeoutMs);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd readable{.fd = stdout_fd, .events = POLLIN, .revents = 0};
    const int ready = left.count() > 0 ? ::poll(&readable, 1, int(left.count())) : 0;
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      return absl::UnavailableError(absl::StrCat("hamsterd printed no serving line within ",
                                                 kStartTimeoutMs / 1000, " s\n", LogTail()));
    }
    char bytes[4096];
    const ssize_t count = ::read(stdout_fd, bytes, sizeof(bytes));
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) {
      log.close();
      return absl::UnavailableError(absl::StrCat("hamsterd exited before serving\n", LogTail()));
    }
    log.write(bytes, count);
    pending.append(bytes, size_t(count));
    for (size_t newline; (newline = pending.find('\n')) != std::string::npos;) {
      endpoint_ = EndpointOfServingLine(std::string_view(pending).substr(0, newline));
      pending.erase(0, newline + 1);
      if (!endpoint_.empty()) return absl::OkStatus();
    }
  }
}

// Copies what hamsterd prints after starting into its log, so it never
// blocks on a full pipe; ends when hamsterd exits.
void LocalServer::DrainOutput(int stdout_fd) {
  const int log = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  char bytes[4096];
  for (;;) {
    const ssize_t count = ::read(stdout_fd, bytes, sizeof(bytes));
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    // Losing a line of the server's log is not worth failing a benchmark.
    if (log >= 0 && ::write(log, bytes, size_t(count)) < 0) continue;
  }
  if (log >= 0) ::close(log);
  ::close(stdout_fd);
}

std::string LocalServer::LogTail() const {
  std::ifstream log(log_path_, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  if (text.size() > kLogTailBytes) text = "..." + text.substr(text.size() - kLogTailBytes);
  return absl::StrCat("--- ", log_path_, " ---\n", text);
}

absl::Status LocalServer::Stop() {
  if (pid_ <= 0) return absl::OkStatus();
  ::kill(pid_, SIGTERM);
  int status = 0;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kStopTimeoutMs);
  pid_t waited = 0;
  while ((waited = ::waitpid(pid_, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    ::usleep(10'000);
  }
  bool killed = false;
  if (waited == 0) {
    ::kill(pid_, SIGKILL);
    killed = true;
    waited = ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  if (drain_.joinable()) drain_.join();
  absl::Status result = absl::OkStatus();
  if (killed || waited < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    result = absl::InternalError(absl::StrCat("hamsterd did not stop cleanly (",
                                              killed ? "killed after SIGTERM timed out" : "status ",
                                              killed ? 0 : status, ")\n", LogTail()));
  }
  if (!keep_data_) {
    if (absl::Status removed = RemoveTree(work_dir_); !removed.ok() && result.ok()) return removed;
  }
  return result;
}

LocalServer::~LocalServer() {
  // Errors were already reported by an explicit Stop(); here only cleanup matters.
  Stop().IgnoreError();
}

absl::StatusOr<ProcessMemory> ReadProcessMemory(pid_t pid) {
  std::ifstream file(absl::StrCat("/proc/", pid, "/status"));
  if (!file) return absl::NotFoundError(absl::StrCat("process ", pid, " is gone"));
  const std::string status((std::istreambuf_iterator<char>(file)),
                           std::istreambuf_iterator<char>());
  absl::StatusOr<uint64_t> peak = KilobytesField(status, "VmHWM");
  if (!peak.ok()) return peak.status();
  absl::StatusOr<uint64_t> rss = KilobytesField(status, "VmRSS");
  if (!rss.ok()) return rss.status();
  return ProcessMemory{.peak_rss_bytes = *peak, .rss_bytes = *rss};
}

absl::Status ResetPeakRss(pid_t pid) {
  std::ofstream file(absl::StrCat("/proc/", pid, "/clear_refs"));
  file << "5\n";
  file.flush();
  if (!file) return absl::UnavailableError(absl::StrCat("cannot reset VmHWM of process ", pid));
  return absl::OkStatus();
}

RssSampler::RssSampler(pid_t pid, int interval_ms)
    : thread_([this, pid, interval_ms] {
        while (!stop_.load()) {
          absl::StatusOr<ProcessMemory> memory = ReadProcessMemory(pid);
          if (!memory.ok()) return;
          if (memory->rss_bytes > max_rss_bytes_.load()) max_rss_bytes_.store(memory->rss_bytes);
          sample_count_.fetch_add(1);
          std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));
        }
      }) {}

RssSampler::~RssSampler() { Stop(); }

void RssSampler::Stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

absl::StatusOr<int> DropFromPageCache(const std::string& dir) {
  std::error_code error;
  int file_count = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, error);
       !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    if (!it->is_regular_file(error) || error) continue;
    const int fd = ::open(it->path().c_str(), O_RDONLY | O_CLOEXEC);
    // A file the server deleted meanwhile has no pages left to drop.
    if (fd < 0) continue;
    // Dirty pages cannot be dropped; hamsterd syncs what it acknowledged, this
    // covers the rest (RocksDB's unsynced files).
    ::fdatasync(fd);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
    ++file_count;
  }
  if (error) return ErrnoStatus(absl::StrCat("walking ", dir), error.value());
  return file_count;
}

absl::Status RemoveTree(const std::string& path) {
  std::error_code error;
  std::filesystem::remove_all(path, error);
  if (error) return ErrnoStatus(absl::StrCat("removing ", path), error.value());
  return absl::OkStatus();
}

}  // namespace hamster::bench
