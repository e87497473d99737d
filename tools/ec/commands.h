#ifndef HAMSTER_TOOLS_EC_COMMANDS_H_
#define HAMSTER_TOOLS_EC_COMMANDS_H_

// The hamster-ec subcommands. Each takes the words after its name and returns
// the process exit code. Reports go to stdout; errors go to stderr as one line
// starting "hamster-ec: " that names the file and the problem.

#include <cstdio>
#include <span>
#include <string_view>

#include "absl/status/status.h"

namespace hamster::ec_tool {

enum ExitCode : int {
  kExitOk = 0,
  kExitDataProblem = 1,  // verify found a corrupt or unusable shard; the demo failed
  kExitBadInput = 2,     // the command could not run: arguments, files, too few shards
};

int RunEncode(std::span<char* const> args);
int RunVerify(std::span<char* const> args);
int RunDecode(std::span<char* const> args);
int RunReconstruct(std::span<char* const> args);
int RunInfo(std::span<char* const> args);
int RunDemo(std::span<char* const> args);

void PrintUsage(std::FILE* out);

// Prints "hamster-ec: <message>" to stderr and returns kExitBadInput.
int Fail(std::string_view message);
int Fail(const absl::Status& status);

}  // namespace hamster::ec_tool

#endif  // HAMSTER_TOOLS_EC_COMMANDS_H_
