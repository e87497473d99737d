#ifndef HAMSTER_LAYOUT_SRC_WIRE_H_
#define HAMSTER_LAYOUT_SRC_WIRE_H_

// The field encoding of the layout record (docs/adr/0007): a subset of the
// Protocol Buffers wire format (varints and length-delimited fields, numbered
// tags), written and read here without linking protobuf. A reader skips
// fields it does not know, so new fields are additive.
//
// Thread safety: one object per thread.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hamster::layout::internal {

enum WireType : int { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

class WireWriter {
 public:
  void Varint(uint64_t value);
  void Uint(int field, uint64_t value);
  void Bytes(int field, std::string_view bytes);
  void Message(int field, const WireWriter& message) { Bytes(field, message.bytes_); }
  // Varints one after another in one length-delimited field.
  void Packed(int field, std::span<const uint64_t> values);
  void Raw(std::string_view bytes) { bytes_.append(bytes); }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

class WireReader {
 public:
  explicit WireReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  bool done() const { return position_ == bytes_.size(); }
  // Reads a field's tag. InvalidArgument on a malformed tag.
  absl::Status Next(int& field, int& wire_type);
  absl::StatusOr<uint64_t> Varint();
  absl::StatusOr<std::span<const uint8_t>> LengthDelimited();
  // Skips the value of a field of `wire_type` (one this reader does not know).
  absl::Status Skip(int wire_type);

 private:
  std::span<const uint8_t> bytes_;
  size_t position_ = 0;
};

// Reads every varint of a packed field, at most `max_count` of them.
absl::StatusOr<std::vector<uint64_t>> ReadPacked(std::span<const uint8_t> bytes, size_t max_count);

}  // namespace hamster::layout::internal

#endif  // HAMSTER_LAYOUT_SRC_WIRE_H_
