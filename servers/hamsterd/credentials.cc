#include "credentials.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace hamster::hamsterd {
namespace {

constexpr std::string_view kFileName = "root-credentials";

absl::StatusOr<std::string> RandomString(size_t length, std::string_view alphabet) {
  std::string bytes(length, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(length)) != 1) {
    return absl::InternalError("the system random generator failed");
  }
  // 256 is a multiple of neither alphabet size; the slight bias is harmless
  // for 20- and 40-character keys drawn from 36 and 62 symbols.
  for (char& c : bytes) c = alphabet[static_cast<unsigned char>(c) % alphabet.size()];
  return bytes;
}

absl::Status WriteDurably(const std::string& path, const std::string& contents) {
  const std::string temporary = absl::StrCat(path, ".tmp");
  const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::UnavailableError(absl::StrCat(temporary, ": ", std::strerror(errno)));
  const bool written = write(fd, contents.data(), contents.size()) ==
                           static_cast<ssize_t>(contents.size()) &&
                       fsync(fd) == 0;
  close(fd);
  if (!written || rename(temporary.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  const std::string directory = path.substr(0, path.rfind('/') + 1);
  const int dir_fd = open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir_fd >= 0) {
    fsync(dir_fd);
    close(dir_fd);
  }
  return absl::OkStatus();
}

absl::StatusOr<RootCredentials> ReadFile(const std::string& path) {
  std::ifstream file(path);
  RootCredentials credentials;
  std::string line;
  while (std::getline(file, line)) {
    const size_t equals = line.find('=');
    if (equals == std::string::npos) continue;
    const std::string name = line.substr(0, equals);
    if (name == "access_key_id") credentials.access_key_id = line.substr(equals + 1);
    if (name == "secret_key") credentials.secret_key = line.substr(equals + 1);
  }
  if (credentials.access_key_id.empty() || credentials.secret_key.empty()) {
    return absl::DataLossError(
        absl::StrCat(path, " lacks access_key_id= or secret_key= (delete it to generate new ones)"));
  }
  return credentials;
}

}  // namespace

absl::StatusOr<RootCredentials> LoadRootCredentials(const std::string& data_dir) {
  const char* access = std::getenv("HAMSTER_ROOT_ACCESS_KEY");
  const char* secret = std::getenv("HAMSTER_ROOT_SECRET_KEY");
  if ((access != nullptr) != (secret != nullptr)) {
    return absl::InvalidArgumentError(
        "set both HAMSTER_ROOT_ACCESS_KEY and HAMSTER_ROOT_SECRET_KEY, or neither");
  }
  if (access != nullptr) {
    if (*access == '\0' || *secret == '\0') {
      return absl::InvalidArgumentError("HAMSTER_ROOT_ACCESS_KEY and HAMSTER_ROOT_SECRET_KEY must not be empty");
    }
    return RootCredentials{.access_key_id = access, .secret_key = secret};
  }
  const std::string path = absl::StrCat(data_dir, "/", std::string(kFileName));
  if (::access(path.c_str(), F_OK) == 0) return ReadFile(path);
  absl::StatusOr<std::string> key = RandomString(20, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
  absl::StatusOr<std::string> secret_key =
      RandomString(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
  if (!key.ok()) return key.status();
  if (!secret_key.ok()) return secret_key.status();
  absl::Status written = WriteDurably(
      path, absl::StrCat("access_key_id=", *key, "\nsecret_key=", *secret_key, "\n"));
  if (!written.ok()) return written;
  return RootCredentials{.access_key_id = *key, .secret_key = *secret_key, .generated = true};
}

}  // namespace hamster::hamsterd
