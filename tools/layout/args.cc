#include "args.h"

#include <cctype>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace hamster::layout_tool {
namespace {

struct Unit {
  const char* name;
  int64_t bytes;
};

constexpr Unit kUnits[] = {
    {"B", 1},
    {"KB", 1000},
    {"MB", 1000 * 1000},
    {"GB", 1000 * 1000 * 1000},
    {"TB", int64_t{1000} * 1000 * 1000 * 1000},
    {"PB", int64_t{1000} * 1000 * 1000 * 1000 * 1000},
    {"KiB", int64_t{1} << 10},
    {"MiB", int64_t{1} << 20},
    {"GiB", int64_t{1} << 30},
    {"TiB", int64_t{1} << 40},
    {"PiB", int64_t{1} << 50},
};

}  // namespace

std::optional<std::string> ParsedArgs::option(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<ParsedArgs> ParseArgs(const std::string& command, std::span<char* const> args,
                                     const std::set<std::string>& value_options,
                                     const std::set<std::string>& flag_options) {
  ParsedArgs parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      parsed.positionals.push_back(arg);
      continue;
    }
    std::optional<std::string> value;
    if (const size_t equals = arg.find('='); equals != std::string::npos) {
      value = arg.substr(equals + 1);
      arg = arg.substr(0, equals);
    }
    if (flag_options.count(arg) > 0 && !value) {
      parsed.flags.insert(arg);
      continue;
    }
    if (value_options.count(arg) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option ", arg, " for '", command, "'"));
    }
    if (!value) {
      if (i + 1 == args.size())
        return absl::InvalidArgumentError(absl::StrCat(arg, " needs a value"));
      value = args[++i];
    }
    parsed.options[arg] = *value;
  }
  return parsed;
}

absl::StatusOr<int64_t> ParseSize(const std::string& what, const std::string& text) {
  size_t digits_start = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
  size_t digits_end = digits_start;
  while (digits_end < text.size() && std::isdigit(static_cast<unsigned char>(text[digits_end]))) {
    ++digits_end;
  }
  const std::string unit = text.substr(digits_end);
  int64_t number = 0;
  const bool is_number =
      digits_end > digits_start &&
      absl::SimpleAtoi(text.substr(digits_start, digits_end - digits_start), &number);
  int64_t scale = unit.empty() ? 1 : 0;
  for (const Unit& known : kUnits) {
    if (unit == known.name) scale = known.bytes;
  }
  if (!is_number || scale == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " '", text, "' is not a size (for example 4TB, 500GiB or 1000000)"));
  }
  if (number > std::numeric_limits<int64_t>::max() / scale) {
    return absl::InvalidArgumentError(absl::StrCat(what, " '", text, "' is too large"));
  }
  return text[0] == '-' ? -number * scale : number * scale;
}

absl::StatusOr<std::optional<layout::Profile>> ParseProfile(const std::string& text) {
  if (text == "auto") return std::optional<layout::Profile>();
  const size_t plus = text.find('+');
  int k = 0;
  int m = 0;
  if (plus == std::string::npos || !absl::SimpleAtoi(text.substr(0, plus), &k) ||
      !absl::SimpleAtoi(text.substr(plus + 1), &m)) {
    return absl::InvalidArgumentError(
        absl::StrCat("profile '", text, "' is not K+M (for example 4+2) or auto"));
  }
  return std::optional<layout::Profile>(
      layout::Profile{.data_shard_count = k, .parity_shard_count = m});
}

absl::StatusOr<uint64_t> ParseNumber(const std::string& what, const std::string& text) {
  uint64_t value = 0;
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0])) ||
      !absl::SimpleAtoi(text, &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " '", text, "' is not a non-negative integer"));
  }
  return value;
}

}  // namespace hamster::layout_tool
