#include "args.h"

#include <algorithm>
#include <climits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace hamster::ec_tool {
namespace {

absl::Status Invalid(std::string_view what, std::string_view text, std::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat(std::string(what), ": '", std::string(text), "' ", std::string(problem)));
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> ParsedArgs::option(std::string_view name) const {
  auto it = options.find(name);
  if (it == options.end()) return std::nullopt;
  return it->second;
}

absl::StatusOr<ParsedArgs> ParseArgs(std::string_view command, std::span<char* const> args,
                                     std::span<const std::string_view> known_options) {
  ParsedArgs parsed;
  bool options_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (options_ended || arg == "-" || arg.empty() || arg[0] != '-') {
      parsed.positionals.emplace_back(arg);
    } else if (arg == "--") {
      options_ended = true;
    } else if (arg == "--help" || arg == "-h") {
      parsed.help = true;
    } else {
      const size_t equals = arg.find('=');
      const std::string_view name = arg.substr(0, equals);
      if (std::find(known_options.begin(), known_options.end(), name) == known_options.end()) {
        return absl::InvalidArgumentError(absl::StrCat("unknown option ", std::string(name),
                                                       " for '", std::string(command), "'"));
      }
      std::string value;
      if (equals != std::string_view::npos) {
        value = std::string(arg.substr(equals + 1));
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("option ", std::string(name), " needs a value"));
      }
      if (!parsed.options.emplace(std::string(name), std::move(value)).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("option ", std::string(name), " given more than once"));
      }
    }
  }
  return parsed;
}

absl::StatusOr<uint64_t> ParseUint64(std::string_view what, std::string_view text) {
  if (text.empty()) return Invalid(what, text, "is not a number");
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return Invalid(what, text, "is not a number");
    const uint64_t digit = uint64_t(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return Invalid(what, text, "is too large");
    value = value * 10 + digit;
  }
  return value;
}

absl::StatusOr<int> ParseInt(std::string_view what, std::string_view text) {
  const bool negative = !text.empty() && text[0] == '-';
  absl::StatusOr<uint64_t> magnitude = ParseUint64(what, negative ? text.substr(1) : text);
  if (!magnitude.ok()) {
    return negative ? Invalid(what, text, "is not a number") : magnitude.status();
  }
  if (*magnitude > uint64_t(INT_MAX)) return Invalid(what, text, "is too large");
  return negative ? -int(*magnitude) : int(*magnitude);
}

absl::StatusOr<ec::DataId> ParseDataId(std::string_view text) {
  ec::DataId data_id{};
  if (text.size() != 2 * data_id.size()) {
    return Invalid("--data-id", text, "is not 32 hex digits");
  }
  for (size_t i = 0; i < data_id.size(); ++i) {
    const int high = HexValue(text[2 * i]);
    const int low = HexValue(text[2 * i + 1]);
    if (high < 0 || low < 0) return Invalid("--data-id", text, "is not 32 hex digits");
    data_id[i] = uint8_t(high * 16 + low);
  }
  return data_id;
}

absl::StatusOr<std::pair<uint64_t, uint64_t>> ParseRange(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return Invalid("--range", text, "is not OFFSET:LENGTH");
  }
  absl::StatusOr<uint64_t> offset = ParseUint64("--range offset", text.substr(0, colon));
  if (!offset.ok()) return offset.status();
  absl::StatusOr<uint64_t> length = ParseUint64("--range length", text.substr(colon + 1));
  if (!length.ok()) return length.status();
  return std::make_pair(*offset, *length);
}

absl::StatusOr<std::vector<int>> ParseIndexList(std::string_view text) {
  std::vector<int> indices;
  for (absl::string_view part : absl::StrSplit(absl::string_view(text.data(), text.size()), ',')) {
    absl::StatusOr<int> index = ParseInt("--index", std::string_view(part.data(), part.size()));
    if (!index.ok()) return index.status();
    indices.push_back(*index);
  }
  return indices;
}

}  // namespace hamster::ec_tool
