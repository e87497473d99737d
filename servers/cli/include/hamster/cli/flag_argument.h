// One flag of a command line, written `--name=VALUE` or `--name VALUE`: the grammar
// hamsterd, hamsterctl and hamster-bench share.
#ifndef HAMSTER_CLI_FLAG_ARGUMENT_H_
#define HAMSTER_CLI_FLAG_ARGUMENT_H_

#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace hamster::cli {

struct FlagArgument {
  std::string name;
  std::string value;
};

// Reads the flag at args[*index]. Without '=', the value is the next argument and *index
// moves past it; kInvalidArgument "flag NAME needs a value" when there is none. `Args` is
// any sequence of strings (argv as a span of char*, or a vector of std::string).
template <typename Args>
absl::StatusOr<FlagArgument> TakeFlagArgument(const Args& args, size_t* index) {
  const std::string_view word(args[*index]);
  if (const size_t equals = word.find('='); equals != std::string_view::npos) {
    return FlagArgument{std::string(word.substr(0, equals)), std::string(word.substr(equals + 1))};
  }
  if (*index + 1 < std::size(args)) {
    ++*index;
    return FlagArgument{std::string(word), std::string(std::string_view(args[*index]))};
  }
  return absl::InvalidArgumentError(absl::StrCat("flag ", std::string(word), " needs a value"));
}

}  // namespace hamster::cli

#endif  // HAMSTER_CLI_FLAG_ARGUMENT_H_
