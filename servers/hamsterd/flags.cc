#include "flags.h"

#include <charconv>
#include <cstdlib>
#include <functional>
#include <map>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "hamster/cli/flag_argument.h"

namespace hamster::hamsterd {

const char kUsage[] = R"(usage: hamsterd <command> [flags]

commands:
  serve     run a single-node S3 server
  version   print the version and protocol generation
  help      print this help

serve flags (each takes a value: --flag VALUE or --flag=VALUE):
  --data-dir DIR            where metadata, object data and credentials live
                            (default: ./hamster-data, created on first start)
  --listen HOST:PORT        S3 endpoint address (default: 127.0.0.1:9000;
                            port 0 picks a free port, printed at start)
  --region NAME             region reported to clients and used by SigV4
                            (default: us-east-1)
  --domain DOMAIN           also accept virtual-hosted-style requests for
                            BUCKET.DOMAIN (default: path style only)
  --header-timeout SECONDS  limit for a client to send a request head (default: 30)
  --max-header-bytes N      largest request head accepted (default: 16384)
  --shutdown-grace SECONDS  on SIGTERM/SIGINT, time for in-flight requests to
                            finish before they are cut (default: 30)
  --admin-listen HOST:PORT  admin API address (HTTP + JSON, SigV4 with the root
                            credentials; used by hamsterctl), or 'off'
                            (default: 127.0.0.1 at the S3 port + 1, i.e.
                            127.0.0.1:9001; a free port when --listen uses port 0)
  --keyring FILE            master keys for encryption at rest (default:
                            $HAMSTER_KEYRING, else DIR/keyring, created with
                            mode 0600 on first start)

root credentials: HAMSTER_ROOT_ACCESS_KEY and HAMSTER_ROOT_SECRET_KEY when set;
otherwise DIR/root-credentials; otherwise generated on first start, stored
there with mode 0600 and printed once.
)";

namespace {

absl::Status Invalid(std::string_view message) {
  return absl::InvalidArgumentError(std::string(message));
}

template <typename Integer>
absl::StatusOr<Integer> ParseNumber(std::string_view flag, std::string_view text, Integer max) {
  Integer value = 0;
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(text.data(), end, value);
  if (text.empty() || result.ec != std::errc() || result.ptr != end || value > max) {
    return Invalid(absl::StrCat(std::string(flag), " must be a whole number up to ", max, ", not '",
                                std::string(text), "'"));
  }
  return value;
}

absl::Status ParseHostPort(std::string_view flag, std::string_view text, std::string& host,
                           uint16_t& port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Invalid(
        absl::StrCat(std::string(flag), " must be HOST:PORT, not '", std::string(text), "'"));
  }
  absl::StatusOr<uint16_t> number = ParseNumber<uint16_t>(absl::StrCat(std::string(flag), " port"),
                                                          text.substr(colon + 1), 65535);
  if (!number.ok()) return number.status();
  host = std::string(text.substr(0, colon));
  port = *number;
  return absl::OkStatus();
}

absl::Status ParseListen(std::string_view text, ServeFlags& flags) {
  return ParseHostPort("--listen", text, flags.listen_host, flags.listen_port);
}

absl::Status ParseAdminListen(std::string_view text, ServeFlags& flags) {
  if (text == "off") {
    flags.admin_enabled = false;
    return absl::OkStatus();
  }
  uint16_t port = 0;
  if (absl::Status s = ParseHostPort("--admin-listen", text, flags.admin_host, port); !s.ok()) {
    return s;
  }
  flags.admin_enabled = true;
  flags.admin_port = port;
  return absl::OkStatus();
}

absl::Status SetSeconds(std::string_view flag, std::string_view text, absl::Duration& out) {
  absl::StatusOr<uint32_t> seconds = ParseNumber<uint32_t>(flag, text, 86400);
  if (!seconds.ok()) return seconds.status();
  out = absl::Seconds(*seconds);
  return absl::OkStatus();
}

absl::Status ApplyServeFlag(std::string_view name, std::string_view value, ServeFlags& flags) {
  if (name == "--data-dir") {
    if (value.empty()) return Invalid("--data-dir must not be empty");
    flags.data_dir = std::string(value);
  } else if (name == "--listen") {
    return ParseListen(value, flags);
  } else if (name == "--admin-listen") {
    return ParseAdminListen(value, flags);
  } else if (name == "--region") {
    if (value.empty()) return Invalid("--region must not be empty");
    flags.region = std::string(value);
  } else if (name == "--domain") {
    flags.domain = std::string(value);
  } else if (name == "--keyring") {
    if (value.empty()) return Invalid("--keyring must not be empty");
    flags.keyring_path = std::string(value);
  } else if (name == "--header-timeout") {
    return SetSeconds(name, value, flags.header_timeout);
  } else if (name == "--shutdown-grace") {
    return SetSeconds(name, value, flags.shutdown_grace);
  } else if (name == "--max-header-bytes") {
    absl::StatusOr<size_t> bytes = ParseNumber<size_t>(name, value, size_t{1} << 20);
    if (!bytes.ok()) return bytes.status();
    if (*bytes < 1024) return Invalid("--max-header-bytes must be at least 1024");
    flags.max_header_bytes = *bytes;
  } else {
    return Invalid(
        absl::StrCat("unknown flag ", std::string(name), " for 'serve' (see hamsterd --help)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ServeFlags> ParseServeFlags(std::span<char* const> args) {
  ServeFlags flags;
  if (const char* keyring = std::getenv("HAMSTER_KEYRING"); keyring != nullptr && *keyring) {
    flags.keyring_path = keyring;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view word = args[i];
    if (!word.starts_with("--")) {
      return Invalid(absl::StrCat("unexpected argument '", std::string(word), "' for 'serve'"));
    }
    absl::StatusOr<cli::FlagArgument> flag = cli::TakeFlagArgument(args, &i);
    if (!flag.ok()) return flag.status();
    absl::Status applied = ApplyServeFlag(flag->name, flag->value, flags);
    if (!applied.ok()) return applied;
  }
  return flags;
}

}  // namespace

uint16_t AdminPort(const ServeFlags& flags) {
  if (flags.admin_port.has_value()) return *flags.admin_port;
  if (flags.listen_port == 0 || flags.listen_port == 65535) return 0;
  return static_cast<uint16_t>(flags.listen_port + 1);
}

absl::StatusOr<Invocation> ParseCommandLine(std::span<char* const> args) {
  Invocation invocation;
  if (args.empty()) return Invalid("missing command (try: hamsterd serve, or hamsterd --help)");
  const std::string_view command = args[0];
  if (command == "--help" || command == "-h" || command == "help") return invocation;
  if (command == "version" || command == "--version") {
    invocation.command = Command::kVersion;
    return invocation;
  }
  if (command != "serve") {
    return Invalid(
        absl::StrCat("unknown command '", std::string(command), "' (see hamsterd --help)"));
  }
  for (char* const word : args.subspan(1)) {
    if (std::string_view(word) == "--help" || std::string_view(word) == "-h") return invocation;
  }
  absl::StatusOr<ServeFlags> flags = ParseServeFlags(args.subspan(1));
  if (!flags.ok()) return flags.status();
  invocation.command = Command::kServe;
  invocation.serve = *std::move(flags);
  return invocation;
}

}  // namespace hamster::hamsterd
