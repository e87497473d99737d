#include "snapshot_envelope.h"

#include "absl/strings/str_cat.h"

namespace hamster::raft {
namespace {

constexpr uint8_t kEnvelopeVersion = 1;

void PutU64(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

bool GetU64(std::string_view& in, uint64_t& value) {
  if (in.size() < 8) return false;
  value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<uint8_t>(in[i]);
  in.remove_prefix(8);
  return true;
}

}  // namespace

std::string EncodeSnapshotEnvelope(const SnapshotEnvelope& envelope) {
  std::string out(1, static_cast<char>(kEnvelopeVersion));
  PutU64(out, envelope.addresses.size());
  for (const auto& [id, address] : envelope.addresses) {
    PutU64(out, id);
    PutU64(out, address.size());
    out.append(address);
  }
  out.append(envelope.data);
  return out;
}

absl::StatusOr<SnapshotEnvelope> DecodeSnapshotEnvelope(std::string_view bytes) {
  if (bytes.empty() || static_cast<uint8_t>(bytes.front()) != kEnvelopeVersion) {
    return absl::DataLossError("snapshot: unknown node envelope version");
  }
  bytes.remove_prefix(1);
  SnapshotEnvelope envelope;
  uint64_t count = 0;
  if (!GetU64(bytes, count)) return absl::DataLossError("snapshot: truncated envelope");
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t id = 0;
    uint64_t size = 0;
    if (!GetU64(bytes, id) || !GetU64(bytes, size) || size > bytes.size()) {
      return absl::DataLossError(absl::StrCat("snapshot: truncated address ", i));
    }
    envelope.addresses[id] = std::string(bytes.substr(0, size));
    bytes.remove_prefix(size);
  }
  envelope.data = std::string(bytes);
  return envelope;
}

}  // namespace hamster::raft
