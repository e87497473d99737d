// Keyring file I/O: the only impure part of hamster::crypto.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "absl/strings/str_cat.h"
#include "hamster/crypto/keyring.h"

namespace hamster::crypto {
namespace {

absl::Status Errno(const std::string& path, std::string_view what) {
  return absl::ErrnoToStatus(errno, absl::StrCat(path, ": ", std::string(what)));
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

absl::Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno(path, "cannot write");
    bytes.remove_prefix(size_t(n));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Keyring> LoadKeyring(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no keyring"));
  if (fd < 0) return Errno(path, "cannot open keyring");
  struct stat info;
  if (::fstat(fd, &info) != 0) {
    const absl::Status error = Errno(path, "cannot stat keyring");
    ::close(fd);
    return error;
  }
  if ((info.st_mode & 077) != 0) {
    ::close(fd);
    return absl::PermissionDeniedError(absl::StrCat(
        path, ": keyring is readable by group or others; chmod 600 it (it holds master keys)"));
  }
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const absl::Status error = Errno(path, "cannot read keyring");
      ::close(fd);
      return error;
    }
    if (n == 0) break;
    text.append(buffer, size_t(n));
  }
  ::close(fd);
  absl::StatusOr<Keyring> keyring = Keyring::Parse(text);
  if (!keyring.ok()) {
    return absl::DataLossError(absl::StrCat(path, ": ", keyring.status().message()));
  }
  return keyring;
}

absl::Status SaveKeyring(const std::string& path, const Keyring& keyring) {
  const std::string temporary = absl::StrCat(path, ".tmp");
  ::unlink(temporary.c_str());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Errno(temporary, "cannot create");
  absl::Status status = WriteAll(fd, keyring.Serialize(), temporary);
  if (status.ok() && ::fsync(fd) != 0) status = Errno(temporary, "cannot fsync");
  if (::close(fd) != 0 && status.ok()) status = Errno(temporary, "cannot close");
  if (status.ok() && ::rename(temporary.c_str(), path.c_str()) != 0) {
    status = Errno(path, "cannot rename the new keyring into place");
  }
  if (!status.ok()) {
    ::unlink(temporary.c_str());
    return status;
  }
  const std::string directory = DirectoryOf(path);
  const int dir_fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Errno(directory, "cannot open directory");
  status = ::fsync(dir_fd) == 0 ? absl::OkStatus() : Errno(directory, "cannot fsync directory");
  ::close(dir_fd);
  return status;
}

}  // namespace hamster::crypto
