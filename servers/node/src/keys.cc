#include "src/keys.h"

namespace hamster::node::keys {
namespace {

constexpr char kEscapeByte = '\xff';
constexpr char kTerminatorByte = '\x01';

std::string DataIdKey(char table, const ec::DataId& data_id) {
  std::string key(1, table);
  key.append(reinterpret_cast<const char*>(data_id.data()), data_id.size());
  return key;
}

void AppendUint32(std::string* out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(char((value >> shift) & 0xff));
}

}  // namespace

void AppendEscaped(std::string* out, std::string_view s) {
  for (char c : s) {
    out->push_back(c);
    if (c == '\0') out->push_back(kEscapeByte);
  }
}

void AppendComponent(std::string* out, std::string_view s) {
  AppendEscaped(out, s);
  out->push_back('\0');
  out->push_back(kTerminatorByte);
}

std::optional<std::string> ConsumeComponent(std::string_view* in) {
  std::string out;
  for (size_t i = 0; i < in->size(); ++i) {
    if ((*in)[i] != '\0') {
      out.push_back((*in)[i]);
      continue;
    }
    if (i + 1 >= in->size()) return std::nullopt;
    const char next = (*in)[i + 1];
    ++i;
    if (next == kEscapeByte) {
      out.push_back('\0');
    } else if (next == kTerminatorByte) {
      in->remove_prefix(i + 1);
      return out;
    } else {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

std::string BucketKey(std::string_view bucket) {
  std::string key = "B";
  AppendComponent(&key, bucket);
  return key;
}

std::string BucketTableStart() { return "B"; }

std::string ObjectKey(std::string_view bucket, std::string_view key) {
  std::string out = "O";
  AppendComponent(&out, bucket);
  AppendComponent(&out, key);
  return out;
}

std::string ObjectPrefix(std::string_view bucket, std::string_view key_prefix) {
  std::string out = "O";
  AppendComponent(&out, bucket);
  AppendEscaped(&out, key_prefix);
  return out;
}

std::string VersionKey(std::string_view bucket, std::string_view key, uint64_t stamp) {
  std::string out = VersionKeyPrefix(bucket, key);
  out += EncodeUint64(~stamp);
  return out;
}

std::string VersionKeyPrefix(std::string_view bucket, std::string_view key) {
  std::string out = "V";
  AppendComponent(&out, bucket);
  AppendComponent(&out, key);
  return out;
}

std::string VersionPrefix(std::string_view bucket, std::string_view key_prefix) {
  std::string out = "V";
  AppendComponent(&out, bucket);
  AppendEscaped(&out, key_prefix);
  return out;
}

std::string VersionIndexKey(std::string_view bucket, std::string_view key,
                            std::string_view version_id) {
  std::string out = "I";
  AppendComponent(&out, bucket);
  AppendComponent(&out, key);
  AppendComponent(&out, version_id);
  return out;
}

std::string UploadKey(std::string_view bucket, std::string_view key, std::string_view upload_id) {
  std::string out = UploadKeyPrefix(bucket, key);
  AppendComponent(&out, upload_id);
  return out;
}

std::string UploadPrefix(std::string_view bucket, std::string_view key_prefix) {
  std::string out = "U";
  AppendComponent(&out, bucket);
  AppendEscaped(&out, key_prefix);
  return out;
}

std::string UploadKeyPrefix(std::string_view bucket, std::string_view key) {
  std::string out = "U";
  AppendComponent(&out, bucket);
  AppendComponent(&out, key);
  return out;
}

std::string PartKey(std::string_view bucket, std::string_view key, std::string_view upload_id,
                    uint32_t part_number) {
  std::string out = PartPrefix(bucket, key, upload_id);
  AppendUint32(&out, part_number);
  return out;
}

std::string PartPrefix(std::string_view bucket, std::string_view key, std::string_view upload_id) {
  std::string out = "P";
  AppendComponent(&out, bucket);
  AppendComponent(&out, key);
  AppendComponent(&out, upload_id);
  return out;
}

std::string ReferenceKey(const ec::DataId& data_id) { return DataIdKey('R', data_id); }
std::string GarbageKey(const ec::DataId& data_id) { return DataIdKey('G', data_id); }
std::string GarbageTableStart() { return "G"; }

std::string RetiredMasterKeyKey(std::string_view master_key_id) {
  return "K" + std::string(master_key_id);
}

std::optional<ec::DataId> DataIdOfGarbageKey(std::string_view key) {
  ec::DataId data_id;
  if (key.size() != 1 + data_id.size() || key[0] != 'G') return std::nullopt;
  for (size_t i = 0; i < data_id.size(); ++i) data_id[i] = uint8_t(key[1 + i]);
  return data_id;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && end.back() == '\xff') end.pop_back();
  if (end.empty()) return end;
  end.back() = char(uint8_t(end.back()) + 1);
  return end;
}

std::string Successor(std::string_view key) {
  std::string next(key);
  next.push_back('\0');
  return next;
}

std::string EncodeUint64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 7; i >= 0; --i, value >>= 8) out[size_t(i)] = char(value & 0xff);
  return out;
}

std::optional<uint64_t> DecodeUint64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  uint64_t value = 0;
  for (char c : bytes) value = value << 8 | uint8_t(c);
  return value;
}

}  // namespace hamster::node::keys
