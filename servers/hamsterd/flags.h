// hamsterd's command line: `hamsterd serve [flags]`, `hamsterd version`,
// `hamsterd --help`. Errors are InvalidArgument with a message that names the
// flag, printed after "hamsterd: " with exit code 2.
#ifndef HAMSTER_SERVERS_HAMSTERD_FLAGS_H_
#define HAMSTER_SERVERS_HAMSTERD_FLAGS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace hamster::hamsterd {

enum class Command { kServe, kVersion, kHelp };

struct ServeFlags {
  std::string data_dir = "hamster-data";
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 9000;
  std::string region = "us-east-1";
  std::string domain;  // virtual-hosted-style addressing; empty: path style only
  absl::Duration header_timeout = absl::Seconds(30);
  size_t max_header_bytes = 16 * 1024;
  absl::Duration shutdown_grace = absl::Seconds(30);
  // Encryption at rest: the keyring file (--keyring, else $HAMSTER_KEYRING,
  // else empty: DIR/keyring).
  std::string keyring_path;
  // The admin API (--admin-listen): off, or HOST:PORT; unset, it listens on
  // 127.0.0.1 at the S3 port + 1 (a free port when the S3 port is 0).
  bool admin_enabled = true;
  std::string admin_host = "127.0.0.1";
  std::optional<uint16_t> admin_port;
};

// The admin API's port: --admin-listen's, else derived from the S3 port.
uint16_t AdminPort(const ServeFlags& flags);

struct Invocation {
  Command command = Command::kHelp;
  ServeFlags serve;
};

absl::StatusOr<Invocation> ParseCommandLine(std::span<char* const> args);

extern const char kUsage[];

}  // namespace hamster::hamsterd

#endif  // HAMSTER_SERVERS_HAMSTERD_FLAGS_H_
