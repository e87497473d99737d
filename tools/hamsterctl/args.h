// hamsterctl's command line: global flags (each also from the environment)
// and the command words. Errors are kInvalidArgument with a message naming
// the problem; main prints it and exits 2.
#ifndef HAMSTER_TOOLS_HAMSTERCTL_ARGS_H_
#define HAMSTER_TOOLS_HAMSTERCTL_ARGS_H_

#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace hamster::ctl {

struct Args {
  bool help = false;
  std::string endpoint = "http://127.0.0.1:9001";  // --endpoint, $HAMSTER_ADMIN_ENDPOINT
  std::string access_key;                          // --access-key, $HAMSTER_ROOT_ACCESS_KEY
  std::string secret_key;                          // --secret-key, $HAMSTER_ROOT_SECRET_KEY
  std::string region = "us-east-1";                // --region, $HAMSTER_REGION
  std::string credentials_file;                    // --credentials-file
  bool wait = false;                               // --wait (key rotate)
  std::vector<std::string> words;                  // the command and its arguments
};

// Parses `args` (without the program name), with defaults from the
// environment. Checks flags only; the command words are main's.
absl::StatusOr<Args> ParseArgs(std::span<char* const> args);

extern const char kUsage[];

}  // namespace hamster::ctl

#endif  // HAMSTER_TOOLS_HAMSTERCTL_ARGS_H_
