#include "json.h"

#include <charconv>

#include "absl/strings/str_cat.h"

namespace hamster::ctl {
namespace {

// Nesting deeper than this is refused rather than recursed into.
constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  absl::StatusOr<JsonValue> Document() {
    JsonValue value;
    if (absl::Status s = Value(value, 0); !s.ok()) return s;
    SkipSpace();
    if (at_ != text_.size()) return Bad("trailing characters");
    return value;
  }

 private:
  absl::Status Bad(std::string_view why) const {
    return absl::InvalidArgumentError(
        absl::StrCat("not JSON at offset ", at_, ": ", std::string(why)));
  }
  void SkipSpace() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\r' || text_[at_] == '\t')) {
      ++at_;
    }
  }
  bool Consume(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }

  absl::Status Value(JsonValue& out, int depth) {
    if (depth > kMaxDepth) return Bad("nested too deeply");
    SkipSpace();
    if (at_ >= text_.size()) return Bad("unexpected end");
    const char c = text_[at_];
    if (c == '{') return Object(out, depth);
    if (c == '[') return Array(out, depth);
    if (c == '"') {
      out.type = JsonValue::Type::kString;
      return String(out.string);
    }
    if (Consume("true") || Consume("false")) {
      out.type = JsonValue::Type::kBool;
      out.boolean = c == 't';
      return absl::OkStatus();
    }
    if (Consume("null")) return absl::OkStatus();
    return Number(out);
  }

  absl::Status Number(JsonValue& out) {
    const char* begin = text_.data() + at_;
    const auto [end, error] = std::from_chars(begin, text_.data() + text_.size(), out.number);
    if (error != std::errc() || end == begin) return Bad("expected a value");
    at_ += size_t(end - begin);
    out.type = JsonValue::Type::kNumber;
    return absl::OkStatus();
  }

  absl::Status String(std::string& out) {
    ++at_;  // the opening quote
    while (at_ < text_.size() && text_[at_] != '"') {
      char c = text_[at_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_ >= text_.size()) break;
      c = text_[at_++];
      switch (c) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u': {
          unsigned code = 0;
          const char* begin = text_.data() + at_;
          if (text_.size() - at_ < 4 ||
              std::from_chars(begin, begin + 4, code, 16).ptr != begin + 4) {
            return Bad("bad \\u escape");
          }
          at_ += 4;
          // The admin API escapes only control characters this way.
          out += code < 0x80 ? static_cast<char>(code) : '?';
          break;
        }
        default:
          out += c;  // \" \\ \/
      }
    }
    if (at_ >= text_.size()) return Bad("unterminated string");
    ++at_;
    return absl::OkStatus();
  }

  absl::Status Array(JsonValue& out, int depth) {
    ++at_;
    out.type = JsonValue::Type::kArray;
    SkipSpace();
    if (Consume("]")) return absl::OkStatus();
    for (;;) {
      out.array.emplace_back();
      if (absl::Status s = Value(out.array.back(), depth + 1); !s.ok()) return s;
      SkipSpace();
      if (Consume("]")) return absl::OkStatus();
      if (!Consume(",")) return Bad("expected , or ]");
    }
  }

  absl::Status Object(JsonValue& out, int depth) {
    ++at_;
    out.type = JsonValue::Type::kObject;
    SkipSpace();
    if (Consume("}")) return absl::OkStatus();
    for (;;) {
      SkipSpace();
      if (at_ >= text_.size() || text_[at_] != '"') return Bad("expected a member name");
      std::string name;
      if (absl::Status s = String(name); !s.ok()) return s;
      SkipSpace();
      if (!Consume(":")) return Bad("expected :");
      JsonValue value;
      if (absl::Status s = Value(value, depth + 1); !s.ok()) return s;
      out.object.emplace_back(std::move(name), std::move(value));
      SkipSpace();
      if (Consume("}")) return absl::OkStatus();
      if (!Consume(",")) return Bad("expected , or }");
    }
  }

  std::string_view text_;
  size_t at_ = 0;
};

}  // namespace

const JsonValue* JsonValue::Find(std::string_view name) const {
  for (const auto& [member, value] : object) {
    if (member == name) return &value;
  }
  return nullptr;
}

std::string JsonValue::StringOr(std::string_view name, std::string fallback) const {
  const JsonValue* value = Find(name);
  return value != nullptr && value->type == Type::kString ? value->string : fallback;
}

uint64_t JsonValue::CountOr(std::string_view name, uint64_t fallback) const {
  const JsonValue* value = Find(name);
  if (value == nullptr || value->type != Type::kNumber || value->number < 0) return fallback;
  return static_cast<uint64_t>(value->number);
}

bool JsonValue::BoolOr(std::string_view name, bool fallback) const {
  const JsonValue* value = Find(name);
  return value != nullptr && value->type == Type::kBool ? value->boolean : fallback;
}

absl::StatusOr<JsonValue> ParseJson(std::string_view text) { return Parser(text).Document(); }

}  // namespace hamster::ctl
