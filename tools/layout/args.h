#ifndef HAMSTER_TOOLS_LAYOUT_ARGS_H_
#define HAMSTER_TOOLS_LAYOUT_ARGS_H_

// Command-line parsing for hamster-layout: options with a value (`--zone z1`
// or `--zone=z1`), flags without one (`--gateway`), positionals. Errors are
// InvalidArgument with a message fit to print after "hamster-layout: ".

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "hamster/layout/types.h"

namespace hamster::layout_tool {

struct ParsedArgs {
  std::map<std::string, std::string> options;
  std::set<std::string> flags;
  std::vector<std::string> positionals;

  std::optional<std::string> option(const std::string& name) const;
  bool flag(const std::string& name) const { return flags.count(name) > 0; }
};

// `value_options` take a value, `flag_options` do not; anything else
// starting with "--" is an error naming the command.
absl::StatusOr<ParsedArgs> ParseArgs(const std::string& command, std::span<char* const> args,
                                     const std::set<std::string>& value_options,
                                     const std::set<std::string>& flag_options);

// A byte count: digits with an optional unit, B, KB, MB, GB, TB, PB (powers
// of 1000) or KiB, MiB, GiB, TiB, PiB (powers of 1024), and an optional sign
// so the layout library, not the parser, explains why a capacity of -5TB is
// refused. `what` names the value in the error.
absl::StatusOr<int64_t> ParseSize(const std::string& what, const std::string& text);

// "K+M" (e.g. "4+2"), or "auto" for std::nullopt (follow the ladder).
absl::StatusOr<std::optional<layout::Profile>> ParseProfile(const std::string& text);

absl::StatusOr<uint64_t> ParseNumber(const std::string& what, const std::string& text);

}  // namespace hamster::layout_tool

#endif  // HAMSTER_TOOLS_LAYOUT_ARGS_H_
