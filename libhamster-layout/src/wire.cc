#include "wire.h"

#include "absl/strings/str_cat.h"

namespace hamster::layout::internal {

void WireWriter::Varint(uint64_t value) {
  while (value >= 0x80) {
    bytes_.push_back(char(uint8_t(value) | 0x80));
    value >>= 7;
  }
  bytes_.push_back(char(value));
}

void WireWriter::Uint(int field, uint64_t value) {
  Varint(uint64_t(field) << 3 | kVarint);
  Varint(value);
}

void WireWriter::Bytes(int field, std::string_view bytes) {
  Varint(uint64_t(field) << 3 | kLengthDelimited);
  Varint(bytes.size());
  bytes_.append(bytes);
}

void WireWriter::Packed(int field, std::span<const uint64_t> values) {
  WireWriter packed;
  for (uint64_t value : values) packed.Varint(value);
  Bytes(field, packed.bytes());
}

absl::StatusOr<uint64_t> WireReader::Varint() {
  uint64_t value = 0;
  // A 64-bit varint has at most 10 bytes.
  for (int shift = 0; shift < 70; shift += 7) {
    if (position_ >= bytes_.size()) return absl::InvalidArgumentError("a varint runs past its end");
    const uint8_t byte = bytes_[position_++];
    if (shift == 63 && byte > 1) return absl::InvalidArgumentError("a varint overflows 64 bits");
    value |= uint64_t(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return absl::InvalidArgumentError("a varint is longer than 10 bytes");
}

absl::Status WireReader::Next(int& field, int& wire_type) {
  absl::StatusOr<uint64_t> tag = Varint();
  if (!tag.ok()) return tag.status();
  if ((*tag >> 3) == 0 || (*tag >> 3) > (uint64_t{1} << 29)) {
    return absl::InvalidArgumentError(absl::StrCat("field number ", *tag >> 3, " is invalid"));
  }
  field = int(*tag >> 3);
  wire_type = int(*tag & 7);
  return absl::OkStatus();
}

absl::StatusOr<std::span<const uint8_t>> WireReader::LengthDelimited() {
  absl::StatusOr<uint64_t> size = Varint();
  if (!size.ok()) return size.status();
  if (*size > bytes_.size() - position_) {
    return absl::InvalidArgumentError(
        absl::StrCat("a field of ", *size, " bytes runs past its end"));
  }
  std::span<const uint8_t> value = bytes_.subspan(position_, *size);
  position_ += *size;
  return value;
}

absl::Status WireReader::Skip(int wire_type) {
  size_t fixed = 0;
  switch (wire_type) {
    case kVarint:
      return Varint().status();
    case kLengthDelimited:
      return LengthDelimited().status();
    case kFixed64:
      fixed = 8;
      break;
    case kFixed32:
      fixed = 4;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat("unknown wire type ", wire_type));
  }
  if (fixed > bytes_.size() - position_) {
    return absl::InvalidArgumentError("a fixed-size field runs past its end");
  }
  position_ += fixed;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<uint64_t>> ReadPacked(std::span<const uint8_t> bytes, size_t max_count) {
  std::vector<uint64_t> values;
  WireReader reader(bytes);
  while (!reader.done()) {
    if (values.size() == max_count) {
      return absl::InvalidArgumentError(
          absl::StrCat("a list holds more than the ", max_count, " entries it may"));
    }
    absl::StatusOr<uint64_t> value = reader.Varint();
    if (!value.ok()) return value.status();
    values.push_back(*value);
  }
  return values;
}

}  // namespace hamster::layout::internal
