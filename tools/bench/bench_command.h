#ifndef HAMSTER_TOOLS_BENCH_BENCH_COMMAND_H_
#define HAMSTER_TOOLS_BENCH_BENCH_COMMAND_H_

// What every hamster-bench sub-command shares: the command-line grammar
// (after the sub-command name, each argument is either a switch or a flag
// whose value follows as `--flag=VALUE` or as the next argument) and the
// exit codes (2 bad usage, 1 the run failed, 0 the report was printed).

#include <cstdio>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/cli/flag_argument.h"

namespace hamster::bench {

// Calls on_switch(arg) for each argument that is_switch(arg) accepts, and
// on_flag(flag, value) for the others; the first error stops the walk.
inline absl::Status WalkFlags(
    const std::vector<std::string>& args, absl::FunctionRef<bool(const std::string&)> is_switch,
    absl::FunctionRef<void(const std::string&)> on_switch,
    absl::FunctionRef<absl::Status(const std::string& flag, const std::string& value)> on_flag) {
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (is_switch(arg)) {
      on_switch(arg);
      continue;
    }
    absl::StatusOr<cli::FlagArgument> flag = cli::TakeFlagArgument(args, &i);
    if (!flag.ok()) return flag.status();
    if (absl::Status applied = on_flag(flag->name, flag->value); !applied.ok()) return applied;
  }
  return absl::OkStatus();
}

// `line` is the parsed command line (with .help and .json, .options);
// `run` turns the options into a report, `table` and `json` format it.
template <typename Line, typename Run, typename Table, typename Json>
int RunBenchCommand(const char* name, const char* usage, const absl::StatusOr<Line>& line, Run run,
                    Table table, Json json) {
  if (!line.ok()) {
    std::fprintf(stderr, "hamster-bench %s: %s\n%s", name,
                 std::string(line.status().message()).c_str(), usage);
    return 2;
  }
  if (line->help) {
    std::fputs(usage, stdout);
    return 0;
  }
  const auto report = run(line->options);
  if (!report.ok()) {
    std::fprintf(stderr, "hamster-bench %s: %s\n", name, report.status().ToString().c_str());
    return 1;
  }
  std::fputs((line->json ? json(*report) : table(*report)).c_str(), stdout);
  return 0;
}

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_BENCH_COMMAND_H_
