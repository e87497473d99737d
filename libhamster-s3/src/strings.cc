#include "src/strings.h"

#include <cctype>

namespace hamster::s3 {

std::vector<std::string_view> Split(std::string_view text, char separator, bool skip_empty) {
  std::vector<std::string_view> parts;
  while (true) {
    const size_t position = text.find(separator);
    const std::string_view part = text.substr(0, position);
    if (!part.empty() || !skip_empty) parts.push_back(part);
    if (position == std::string_view::npos) return parts;
    text.remove_prefix(position + 1);
  }
}

std::string_view StripWhitespace(std::string_view text) {
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

bool ConsumePrefix(std::string_view* text, std::string_view prefix) {
  if (!text->starts_with(prefix)) return false;
  text->remove_prefix(prefix.size());
  return true;
}

std::string Lowercase(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace hamster::s3
