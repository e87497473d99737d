#ifndef HAMSTER_TOOLS_EC_ARGS_H_
#define HAMSTER_TOOLS_EC_ARGS_H_

// Hand-written command-line parsing for hamster-ec. Each subcommand names the
// options it accepts (all of them take a value, as `--k 4` or `--k=4`);
// everything else is a positional argument. Parse errors are InvalidArgument
// with a message fit to print after "hamster-ec: ".

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "hamster/ec/shard_format.h"

namespace hamster::ec_tool {

struct ParsedArgs {
  std::map<std::string, std::string, std::less<>> options;  // "--k" -> "4"
  std::vector<std::string> positionals;
  bool help = false;  // --help or -h appeared

  std::optional<std::string> option(std::string_view name) const;
};

// Parses `args` (the words after the subcommand). `-` alone is positional,
// `--` ends the options, and an option not in `known_options` is an error.
absl::StatusOr<ParsedArgs> ParseArgs(std::string_view command, std::span<char* const> args,
                                     std::span<const std::string_view> known_options);

// Decimal numbers only: no sign, spaces or suffixes, and no overflow. `what`
// names the value in the error, e.g. "--block-size".
absl::StatusOr<uint64_t> ParseUint64(std::string_view what, std::string_view text);
// Accepts a leading '-' so that the library, not the parser, explains why a
// negative profile is out of range.
absl::StatusOr<int> ParseInt(std::string_view what, std::string_view text);

// Exactly 32 hex digits.
absl::StatusOr<ec::DataId> ParseDataId(std::string_view text);
// "OFFSET:LENGTH", both decimal.
absl::StatusOr<std::pair<uint64_t, uint64_t>> ParseRange(std::string_view text);
// "I[,J...]": integers; the decoder checks them against the profile.
absl::StatusOr<std::vector<int>> ParseIndexList(std::string_view text);

}  // namespace hamster::ec_tool

#endif  // HAMSTER_TOOLS_EC_ARGS_H_
