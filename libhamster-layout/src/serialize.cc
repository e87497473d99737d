// The layout record's bytes (docs/adr/0007):
//   "HLAY" | format version (2 bytes, little-endian) | body | checksum (8 bytes, LE)
// The body is a message of numbered fields (wire.h); the checksum is KeyHash
// of everything before it. The format version changes only for a change
// older readers must refuse; new fields keep it and are skipped by readers
// that do not know them.

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "hamster/layout/hash.h"
#include "hamster/layout/layout.h"
#include "layout_codec.h"
#include "wire.h"

namespace hamster::layout {
namespace {

using internal::EncodeRole;
using internal::ReadPacked;
using internal::SmallInt;
using internal::WireReader;
using internal::WireWriter;
using internal::WithContext;
using namespace internal;  // field numbers

constexpr char kMagic[4] = {'H', 'L', 'A', 'Y'};
constexpr uint16_t kFormatVersion = 1;
constexpr size_t kHeaderBytes = 6;
constexpr size_t kChecksumBytes = 8;

WireWriter EncodeProfile(const Profile& profile) {
  WireWriter out;
  out.Uint(kProfileData, uint64_t(profile.data_shard_count));
  out.Uint(kProfileParity, uint64_t(profile.parity_shard_count));
  return out;
}

WireWriter EncodeParameters(const LayoutParameters& parameters) {
  WireWriter out;
  for (const LadderStep& step : parameters.ladder) {
    WireWriter encoded;
    encoded.Uint(kStepMinNodes, uint64_t(step.min_storage_node_count));
    encoded.Message(kStepProfile, EncodeProfile(step.profile));
    out.Message(kParametersLadderStep, encoded);
  }
  out.Uint(kParametersSmallThreshold, parameters.small_object_threshold_bytes);
  if (parameters.pinned_profile) {
    out.Message(kParametersPinned, EncodeProfile(*parameters.pinned_profile));
  }
  return out;
}

WireWriter EncodeVersion(const LayoutVersion& version) {
  WireWriter out;
  out.Uint(kVersionNumber, version.version());
  out.Message(kVersionProfile, EncodeProfile(version.profile()));
  out.Uint(kVersionSmallThreshold, version.small_object_threshold_bytes());
  for (const NodeRole& node : version.nodes()) out.Message(kVersionNode, EncodeRole(node));
  const std::vector<NodeIndex>& assignment = version.parts().assignment;
  out.Packed(kVersionAssignment, std::vector<uint64_t>(assignment.begin(), assignment.end()));
  return out;
}

}  // namespace

std::vector<uint8_t> LayoutCodec::Serialize(const Layout& layout) {
  WireWriter body;
  body.Uint(kStatePartitions, layout.partition_count_);
  body.Message(kStateParameters, EncodeParameters(layout.parameters_));
  for (const LayoutVersion& version : layout.versions_) {
    body.Message(kStateVersion, EncodeVersion(version));
  }
  if (!layout.versions_.empty()) {
    // Stored relative to the oldest live version: one byte per partition.
    std::vector<uint64_t> synced;
    synced.reserve(layout.synced_version_.size());
    const Version oldest = layout.versions_.front().version();
    for (Version version : layout.synced_version_) synced.push_back(version - oldest);
    body.Packed(kStateSynced, synced);
  }
  for (const StagedChange& change : layout.staged_changes_) {
    WireWriter encoded;
    encoded.Bytes(kStagedNodeId, change.node_id);
    if (change.role) encoded.Message(kStagedRole, EncodeRole(*change.role));
    body.Message(kStateStaged, encoded);
  }
  if (layout.staged_parameters_) {
    body.Message(kStateStagedParameters, EncodeParameters(*layout.staged_parameters_));
  }
  std::vector<uint8_t> bytes(kMagic, kMagic + sizeof(kMagic));
  bytes.push_back(uint8_t(kFormatVersion));
  bytes.push_back(uint8_t(kFormatVersion >> 8));
  bytes.insert(bytes.end(), body.bytes().begin(), body.bytes().end());
  const uint64_t checksum =
      KeyHash(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  for (int i = 0; i < 8; ++i) bytes.push_back(uint8_t(checksum >> (8 * i)));
  return bytes;
}

absl::StatusOr<Layout> LayoutCodec::Parse(std::span<const uint8_t> bytes) {
  if (bytes.size() < kHeaderBytes + kChecksumBytes ||
      std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return absl::InvalidArgumentError("not a layout record (no HLAY header)");
  }
  const uint16_t format = uint16_t(bytes[4] | bytes[5] << 8);
  if (format > kFormatVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("layout format version ", format, " is newer than this build reads (",
                     kFormatVersion, "): upgrade Hamster to read it"));
  }
  if (format == 0) return absl::InvalidArgumentError("layout format version 0 does not exist");
  const size_t covered = bytes.size() - kChecksumBytes;
  uint64_t stored = 0;
  for (int i = 0; i < 8; ++i) stored |= uint64_t(bytes[covered + i]) << (8 * i);
  const uint64_t computed =
      KeyHash(std::string_view(reinterpret_cast<const char*>(bytes.data()), covered));
  if (stored != computed) {
    return absl::DataLossError("the layout record's checksum does not match: it is damaged");
  }
  absl::StatusOr<Layout> layout = ParseBody(bytes.subspan(kHeaderBytes, covered - kHeaderBytes));
  if (!layout.ok()) return WithContext("layout record", layout.status());
  return layout;
}

absl::StatusOr<Profile> LayoutCodec::ParseProfile(std::span<const uint8_t> bytes) {
  Profile profile{.data_shard_count = 0, .parity_shard_count = 0};
  WireReader reader(bytes);
  while (!reader.done()) {
    int field = 0;
    int wire_type = 0;
    if (absl::Status next = reader.Next(field, wire_type); !next.ok()) return next;
    if ((field == kProfileData || field == kProfileParity) && wire_type == internal::kVarint) {
      absl::StatusOr<int> value = SmallInt(reader, "a shard count", kMaxShardCount);
      if (!value.ok()) return value.status();
      (field == kProfileData ? profile.data_shard_count : profile.parity_shard_count) = *value;
    } else if (absl::Status skipped = reader.Skip(wire_type); !skipped.ok()) {
      return skipped;
    }
  }
  if (absl::Status valid = ValidateProfile(profile); !valid.ok()) return valid;
  return profile;
}

absl::StatusOr<LadderStep> LayoutCodec::ParseStep(std::span<const uint8_t> bytes) {
  LadderStep step{.min_storage_node_count = 0};
  bool has_profile = false;
  WireReader reader(bytes);
  while (!reader.done()) {
    int field = 0;
    int wire_type = 0;
    if (absl::Status next = reader.Next(field, wire_type); !next.ok()) return next;
    if (field == kStepMinNodes && wire_type == internal::kVarint) {
      absl::StatusOr<int> nodes = SmallInt(reader, "a node count", kMaxNodeCount);
      if (!nodes.ok()) return nodes.status();
      step.min_storage_node_count = *nodes;
    } else if (field == kStepProfile && wire_type == internal::kLengthDelimited) {
      absl::StatusOr<std::span<const uint8_t>> value = reader.LengthDelimited();
      if (!value.ok()) return value.status();
      absl::StatusOr<Profile> profile = ParseProfile(*value);
      if (!profile.ok()) return profile.status();
      step.profile = *profile;
      has_profile = true;
    } else if (absl::Status skipped = reader.Skip(wire_type); !skipped.ok()) {
      return skipped;
    }
  }
  if (!has_profile) return absl::InvalidArgumentError("a ladder step has no profile");
  return step;
}

absl::StatusOr<LayoutParameters> LayoutCodec::ParseParameters(std::span<const uint8_t> bytes) {
  LayoutParameters parameters{.ladder = {}};
  WireReader reader(bytes);
  while (!reader.done()) {
    int field = 0;
    int wire_type = 0;
    if (absl::Status next = reader.Next(field, wire_type); !next.ok()) return next;
    if (field == kParametersSmallThreshold && wire_type == internal::kVarint) {
      absl::StatusOr<uint64_t> threshold = reader.Varint();
      if (!threshold.ok()) return threshold.status();
      parameters.small_object_threshold_bytes = *threshold;
      continue;
    }
    if ((field != kParametersLadderStep && field != kParametersPinned) ||
        wire_type != internal::kLengthDelimited) {
      if (absl::Status skipped = reader.Skip(wire_type); !skipped.ok()) return skipped;
      continue;
    }
    absl::StatusOr<std::span<const uint8_t>> value = reader.LengthDelimited();
    if (!value.ok()) return value.status();
    if (field == kParametersPinned) {
      absl::StatusOr<Profile> profile = ParseProfile(*value);
      if (!profile.ok()) return WithContext("pinned profile", profile.status());
      parameters.pinned_profile = *profile;
    } else if (parameters.ladder.size() == size_t(kMaxNodeCount)) {
      return absl::InvalidArgumentError("the ladder has too many steps");
    } else {
      absl::StatusOr<LadderStep> step = ParseStep(*value);
      if (!step.ok()) return WithContext("ladder", step.status());
      parameters.ladder.push_back(*step);
    }
  }
  if (absl::Status valid = ValidateLadder(parameters.ladder); !valid.ok()) return valid;
  return parameters;
}

}  // namespace hamster::layout
