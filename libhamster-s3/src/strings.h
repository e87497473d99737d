// std::string_view-friendly string helpers. Debian's Abseil (20220623) has
// its own absl::string_view, distinct from std::string_view, so its string
// functions do not accept ours; these adapters keep the conversions in one place.
#ifndef HAMSTER_S3_SRC_STRINGS_H_
#define HAMSTER_S3_SRC_STRINGS_H_

#include <charconv>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace hamster::s3 {

inline absl::string_view ToAbsl(std::string_view text) { return {text.data(), text.size()}; }
inline std::string_view ToStd(absl::string_view text) { return {text.data(), text.size()}; }

namespace strings_internal {
template <typename T>
decltype(auto) Adapt(const T& value) {
  if constexpr (std::is_convertible_v<const T&, std::string_view> &&
                !std::is_same_v<T, std::string> && !std::is_convertible_v<const T&, const char*>) {
    return ToAbsl(value);
  } else {
    return (value);
  }
}
}  // namespace strings_internal

// absl::StrCat that also takes std::string_view.
template <typename... T>
std::string Cat(const T&... parts) {
  return absl::StrCat(strings_internal::Adapt(parts)...);
}

std::vector<std::string_view> Split(std::string_view text, char separator, bool skip_empty);
std::string_view StripWhitespace(std::string_view text);
// Removes `prefix` from the front of `*text` if it is there.
bool ConsumePrefix(std::string_view* text, std::string_view prefix);
std::string Lowercase(std::string_view text);
inline bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.starts_with(prefix);
}
inline bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.ends_with(suffix);
}
inline bool Contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// The whole of `text` as a decimal integer (no sign for unsigned types, no
// spaces, no trailing bytes).
template <typename Integer>
bool ParseInteger(std::string_view text, Integer* value) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  const std::from_chars_result result = std::from_chars(text.data(), end, *value);
  return result.ec == std::errc() && result.ptr == end;
}

}  // namespace hamster::s3

#endif  // HAMSTER_S3_SRC_STRINGS_H_
