// A small JSON reader for the admin API's responses: enough JSON (RFC 8259)
// for objects, arrays, strings, numbers, true/false/null. Not streaming; the
// responses are a few kilobytes.
#ifndef HAMSTER_TOOLS_HAMSTERCTL_JSON_H_
#define HAMSTER_TOOLS_HAMSTERCTL_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace hamster::ctl {

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::vector<std::pair<std::string, JsonValue>> object;

  // The member `name` of an object, or nullptr (also for a non-object).
  const JsonValue* Find(std::string_view name) const;
  // The member's value if it has that type, else the fallback.
  std::string StringOr(std::string_view name, std::string fallback = "") const;
  uint64_t CountOr(std::string_view name, uint64_t fallback = 0) const;
  bool BoolOr(std::string_view name, bool fallback = false) const;
};

// kInvalidArgument naming the offset for text that is not one JSON value.
absl::StatusOr<JsonValue> ParseJson(std::string_view text);

}  // namespace hamster::ctl

#endif  // HAMSTER_TOOLS_HAMSTERCTL_JSON_H_
