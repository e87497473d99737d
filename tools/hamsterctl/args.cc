#include "args.h"

#include <cstdlib>
#include <fstream>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "hamster/cli/flag_argument.h"

namespace hamster::ctl {

const char kUsage[] = R"(usage: hamsterctl [flags] <command>

commands:
  key status            the master keys, how many data keys each still wraps,
                        and the progress of the last rotation
  key rotate [--wait]   make a new master key active; hamsterd re-wraps every
                        data key under it in the background (--wait: print
                        progress until it is done)
  key retire KEY-ID     remove an old master key from the keyring (refused
                        while any data key is still wrapped under it)
  help                  print this help

flags (--flag VALUE or --flag=VALUE):
  --endpoint URL        hamsterd's admin API (default: $HAMSTER_ADMIN_ENDPOINT,
                        else http://127.0.0.1:9001)
  --access-key ID       root access key (default: $HAMSTER_ROOT_ACCESS_KEY)
  --secret-key SECRET   root secret key (default: $HAMSTER_ROOT_SECRET_KEY)
  --credentials-file F  read both keys from F, hamsterd's DATA/root-credentials
                        (access_key_id=... and secret_key=... lines); the
                        key flags above still win
  --region NAME         hamsterd's --region (default: $HAMSTER_REGION, else us-east-1)

exit status: 0 done, 1 the server refused or could not be reached, 2 bad usage.
)";

namespace {

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

void FromEnvironment(const char* name, std::string& out) {
  if (const char* value = std::getenv(name); value != nullptr && *value != '\0') out = value;
}

bool TakesValue(std::string_view name) {
  return name == "--endpoint" || name == "--access-key" || name == "--secret-key" ||
         name == "--region" || name == "--credentials-file";
}

// The format hamsterd writes (servers/hamsterd/credentials.cc).
absl::Status ReadCredentialsFile(const std::string& path, Args& args) {
  std::ifstream file(path);
  if (!file) return Invalid(absl::StrCat("--credentials-file: cannot read ", path));
  std::string access_key, secret_key, line;
  while (std::getline(file, line)) {
    const size_t equals = line.find('=');
    if (equals == std::string::npos) continue;
    if (line.substr(0, equals) == "access_key_id") access_key = line.substr(equals + 1);
    if (line.substr(0, equals) == "secret_key") secret_key = line.substr(equals + 1);
  }
  if (access_key.empty() || secret_key.empty()) {
    return Invalid(
        absl::StrCat("--credentials-file: ", path, " lacks access_key_id= or secret_key= lines"));
  }
  args.access_key = access_key;
  args.secret_key = secret_key;
  return absl::OkStatus();
}

absl::Status ApplyFlag(std::string_view name, std::string_view value, Args& args) {
  std::string* target = nullptr;
  if (name == "--endpoint") target = &args.endpoint;
  if (name == "--access-key") target = &args.access_key;
  if (name == "--secret-key") target = &args.secret_key;
  if (name == "--region") target = &args.region;
  if (name == "--credentials-file") target = &args.credentials_file;
  if (target == nullptr) {
    return Invalid(absl::StrCat("unknown flag ", std::string(name), " (see hamsterctl --help)"));
  }
  if (value.empty()) return Invalid(absl::StrCat(std::string(name), " must not be empty"));
  *target = std::string(value);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Args> ParseArgs(std::span<char* const> argv) {
  Args args;
  FromEnvironment("HAMSTER_ADMIN_ENDPOINT", args.endpoint);
  FromEnvironment("HAMSTER_ROOT_ACCESS_KEY", args.access_key);
  FromEnvironment("HAMSTER_ROOT_SECRET_KEY", args.secret_key);
  FromEnvironment("HAMSTER_REGION", args.region);
  std::string access_key_flag, secret_key_flag;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string_view word = argv[i];
    if (word == "--help" || word == "-h") {
      args.help = true;
      continue;
    }
    if (word == "--wait") {
      args.wait = true;
      continue;
    }
    if (!word.starts_with("-") || word == "-") {
      args.words.emplace_back(word);
      continue;
    }
    if (!word.starts_with("--")) {
      return Invalid(absl::StrCat("unknown flag ", std::string(word), " (see hamsterctl --help)"));
    }
    // A flag that takes no value is refused by ApplyFlag, named as it was written.
    cli::FlagArgument flag{.name = std::string(word)};
    if (word.find('=') != std::string_view::npos || TakesValue(word)) {
      absl::StatusOr<cli::FlagArgument> taken = cli::TakeFlagArgument(argv, &i);
      if (!taken.ok()) return taken.status();
      flag = *std::move(taken);
    }
    if (absl::Status s = ApplyFlag(flag.name, flag.value, args); !s.ok()) return s;
    if (flag.name == "--access-key") access_key_flag = args.access_key;
    if (flag.name == "--secret-key") secret_key_flag = args.secret_key;
  }
  if (!args.credentials_file.empty() && !args.help) {
    if (absl::Status s = ReadCredentialsFile(args.credentials_file, args); !s.ok()) return s;
    if (!access_key_flag.empty()) args.access_key = access_key_flag;
    if (!secret_key_flag.empty()) args.secret_key = secret_key_flag;
  }
  return args;
}

}  // namespace hamster::ctl
