// Reading the layout record's versions, sync state and staged changes.

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "hamster/layout/layout.h"
#include "layout_codec.h"
#include "wire.h"

namespace hamster::layout {
namespace internal {

absl::Status WithContext(const std::string& context, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(context, ": ", status.message()));
}

absl::StatusOr<int> SmallInt(WireReader& reader, const char* name, uint64_t max) {
  absl::StatusOr<uint64_t> value = reader.Varint();
  if (!value.ok()) return value.status();
  if (*value > max) {
    return absl::InvalidArgumentError(absl::StrCat(name, " ", *value, " is larger than ", max));
  }
  return int(*value);
}

WireWriter EncodeRole(const NodeRole& role) {
  WireWriter out;
  out.Bytes(kRoleId, role.id);
  out.Bytes(kRoleZone, role.zone);
  out.Uint(kRoleKind, uint64_t(role.kind));
  out.Uint(kRoleCapacity, uint64_t(role.capacity_bytes));
  return out;
}

}  // namespace internal

namespace {

using internal::WireReader;
using internal::WithContext;

std::string_view AsText(std::span<const uint8_t> bytes) {
  return std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

}  // namespace

absl::StatusOr<NodeRole> LayoutCodec::ParseRole(std::span<const uint8_t> bytes) {
  NodeRole role;
  WireReader reader(bytes);
  while (!reader.done()) {
    int field = 0;
    int wire_type = 0;
    if (absl::Status next = reader.Next(field, wire_type); !next.ok()) return next;
    if ((field == internal::kRoleId || field == internal::kRoleZone) &&
        wire_type == internal::kLengthDelimited) {
      absl::StatusOr<std::span<const uint8_t>> text = reader.LengthDelimited();
      if (!text.ok()) return text.status();
      (field == internal::kRoleId ? role.id : role.zone) = std::string(AsText(*text));
    } else if ((field == internal::kRoleKind || field == internal::kRoleCapacity) &&
               wire_type == internal::kVarint) {
      absl::StatusOr<uint64_t> value = reader.Varint();
      if (!value.ok()) return value.status();
      if (field == internal::kRoleKind) {
        role.kind = NodeKind(uint8_t(std::min<uint64_t>(*value, 255)));
      } else {
        // Stored two's complement: a negative capacity reads back negative
        // and ValidateNodeRole names it.
        role.capacity_bytes = int64_t(*value);
      }
    } else if (absl::Status skipped = reader.Skip(wire_type); !skipped.ok()) {
      return skipped;
    }
  }
  if (absl::Status valid = ValidateNodeRole(role); !valid.ok()) return valid;
  return role;
}

absl::StatusOr<LayoutVersion> LayoutCodec::ParseVersion(std::span<const uint8_t> bytes,
                                                        uint32_t partition_count) {
  LayoutVersion::Parts parts{.partition_count = partition_count};
  bool has_profile = false;
  WireReader reader(bytes);
  while (!reader.done()) {
    int field = 0;
    int wire_type = 0;
    if (absl::Status next = reader.Next(field, wire_type); !next.ok()) return next;
    if (wire_type == internal::kVarint &&
        (field == internal::kVersionNumber || field == internal::kVersionSmallThreshold)) {
      absl::StatusOr<uint64_t> value = reader.Varint();
      if (!value.ok()) return value.status();
      (field == internal::kVersionNumber ? parts.version : parts.small_object_threshold_bytes) =
          *value;
      continue;
    }
    if (wire_type != internal::kLengthDelimited ||
        (field != internal::kVersionProfile && field != internal::kVersionNode &&
         field != internal::kVersionAssignment)) {
      if (absl::Status skipped = reader.Skip(wire_type); !skipped.ok()) return skipped;
      continue;
    }
    absl::StatusOr<std::span<const uint8_t>> value = reader.LengthDelimited();
    if (!value.ok()) return value.status();
    if (field == internal::kVersionProfile) {
      absl::StatusOr<Profile> profile = ParseProfile(*value);
      if (!profile.ok()) return WithContext("profile", profile.status());
      parts.profile = *profile;
      has_profile = true;
    } else if (field == internal::kVersionNode) {
      if (parts.nodes.size() == size_t(kMaxNodeCount)) {
        return absl::InvalidArgumentError(absl::StrCat("more than ", kMaxNodeCount, " nodes"));
      }
      absl::StatusOr<NodeRole> role = ParseRole(*value);
      if (!role.ok()) return role.status();
      parts.nodes.push_back(*std::move(role));
    } else {
      absl::StatusOr<std::vector<uint64_t>> assignment =
          internal::ReadPacked(*value, size_t(partition_count) * kMaxShardCount);
      if (!assignment.ok()) return WithContext("assignment", assignment.status());
      for (uint64_t node : *assignment) {
        if (node > kMaxNodeCount) {
          return absl::InvalidArgumentError(absl::StrCat("the assignment names node ", node));
        }
        parts.assignment.push_back(NodeIndex(node));
      }
    }
  }
  if (!has_profile) return absl::InvalidArgumentError("a version has no profile");
  return LayoutVersion::Create(std::move(parts));
}

absl::StatusOr<StagedChange> LayoutCodec::ParseStaged(std::span<const uint8_t> bytes) {
  StagedChange change;
  WireReader reader(bytes);
  while (!reader.done()) {
    int field = 0;
    int wire_type = 0;
    if (absl::Status next = reader.Next(field, wire_type); !next.ok()) return next;
    if ((field != internal::kStagedNodeId && field != internal::kStagedRole) ||
        wire_type != internal::kLengthDelimited) {
      if (absl::Status skipped = reader.Skip(wire_type); !skipped.ok()) return skipped;
      continue;
    }
    absl::StatusOr<std::span<const uint8_t>> value = reader.LengthDelimited();
    if (!value.ok()) return value.status();
    if (field == internal::kStagedNodeId) {
      change.node_id = std::string(AsText(*value));
      continue;
    }
    absl::StatusOr<NodeRole> role = ParseRole(*value);
    if (!role.ok()) return role.status();
    change.role = *std::move(role);
  }
  if (change.role && change.role->id != change.node_id) {
    return absl::InvalidArgumentError(absl::StrCat("a staged change for node '", change.node_id,
                                                   "' carries the role of '", change.role->id,
                                                   "'"));
  }
  return change;
}

}  // namespace hamster::layout

namespace hamster::layout {

absl::Status LayoutCodec::CheckState(const Layout& layout, const std::vector<uint64_t>& synced) {
  const std::vector<LayoutVersion>& versions = layout.versions_;
  if (versions.size() > size_t(kMaxLiveVersionCount)) {
    return absl::InvalidArgumentError(
        absl::StrCat(versions.size(), " live versions, more than ", kMaxLiveVersionCount));
  }
  for (size_t i = 1; i < versions.size(); ++i) {
    if (versions[i].version() != versions[0].version() + i) {
      return absl::InvalidArgumentError(absl::StrCat(
          "live version ", versions[i].version(), " does not follow ", versions[i - 1].version()));
    }
  }
  if (versions.empty() != synced.empty() ||
      (!versions.empty() && synced.size() != layout.partition_count_)) {
    return absl::InvalidArgumentError(absl::StrCat("the sync state covers ", synced.size(),
                                                   " partitions, not ", layout.partition_count_));
  }
  for (uint64_t offset : synced) {
    if (offset >= versions.size()) {
      return absl::InvalidArgumentError("a partition is synced to a version that is not live");
    }
  }
  for (size_t i = 1; i < layout.staged_changes_.size(); ++i) {
    if (layout.staged_changes_[i - 1].node_id >= layout.staged_changes_[i].node_id) {
      return absl::InvalidArgumentError(absl::StrCat("staged changes are not sorted by node id ('",
                                                     layout.staged_changes_[i].node_id, "')"));
    }
  }
  return absl::OkStatus();
}

absl::Status LayoutCodec::ParseFields(std::span<const uint8_t> bytes, RawState& raw) {
  internal::WireReader reader(bytes);
  while (!reader.done()) {
    int field = 0;
    int wire_type = 0;
    if (absl::Status next = reader.Next(field, wire_type); !next.ok()) return next;
    if (field == internal::kStatePartitions && wire_type == internal::kVarint) {
      absl::StatusOr<uint64_t> value = reader.Varint();
      if (!value.ok()) return value.status();
      raw.partitions = *value;
      continue;
    }
    if (field < internal::kStateParameters || field > internal::kStateStagedParameters ||
        wire_type != internal::kLengthDelimited) {
      if (absl::Status skipped = reader.Skip(wire_type); !skipped.ok()) return skipped;
      continue;
    }
    absl::StatusOr<std::span<const uint8_t>> value = reader.LengthDelimited();
    if (!value.ok()) return value.status();
    if (field == internal::kStateParameters || field == internal::kStateStagedParameters) {
      absl::StatusOr<LayoutParameters> parsed = ParseParameters(*value);
      if (!parsed.ok()) return internal::WithContext("parameters", parsed.status());
      (field == internal::kStateParameters ? raw.parameters : raw.staged_parameters) =
          *std::move(parsed);
    } else if (field == internal::kStateVersion) {
      if (raw.versions.size() == size_t(kMaxLiveVersionCount)) {
        return absl::InvalidArgumentError(
            absl::StrCat("more than ", kMaxLiveVersionCount, " live versions"));
      }
      raw.versions.push_back(*value);
    } else if (field == internal::kStateSynced) {
      absl::StatusOr<std::vector<uint64_t>> parsed =
          internal::ReadPacked(*value, kMaxPartitionCount);
      if (!parsed.ok()) return internal::WithContext("sync state", parsed.status());
      raw.synced = *std::move(parsed);
    } else {
      if (raw.staged.size() == 2 * size_t(kMaxNodeCount)) {
        return absl::InvalidArgumentError("too many staged changes");
      }
      absl::StatusOr<StagedChange> change = ParseStaged(*value);
      if (!change.ok()) return internal::WithContext("staged change", change.status());
      raw.staged.push_back(*std::move(change));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Layout> LayoutCodec::ParseBody(std::span<const uint8_t> bytes) {
  RawState raw;
  if (absl::Status fields = ParseFields(bytes, raw); !fields.ok()) return fields;
  if (!raw.partitions || !raw.parameters) {
    return absl::InvalidArgumentError("the partition count or the parameters are missing");
  }
  if (*raw.partitions < 1 || *raw.partitions > kMaxPartitionCount) {
    return absl::InvalidArgumentError(absl::StrCat("partition count ", *raw.partitions,
                                                   " is out of range 1..", kMaxPartitionCount));
  }
  absl::StatusOr<Layout> layout =
      Layout::Create(uint32_t(*raw.partitions), *std::move(raw.parameters));
  if (!layout.ok()) return layout.status();
  for (std::span<const uint8_t> encoded : raw.versions) {
    absl::StatusOr<LayoutVersion> version = ParseVersion(encoded, layout->partition_count_);
    if (!version.ok()) {
      return internal::WithContext(
          absl::StrCat("version ", layout->versions_.size() + 1, " of ", raw.versions.size()),
          version.status());
    }
    layout->versions_.push_back(*std::move(version));
  }
  layout->staged_changes_ = std::move(raw.staged);
  layout->staged_parameters_ = std::move(raw.staged_parameters);
  if (absl::Status valid = CheckState(*layout, raw.synced); !valid.ok()) return valid;
  if (!layout->versions_.empty()) {
    const Version oldest = layout->versions_.front().version();
    for (uint64_t offset : raw.synced) layout->synced_version_.push_back(oldest + offset);
    layout->CountSynced();
    layout->RetireSyncedVersions();
  }
  return layout;
}

std::vector<uint8_t> Layout::Serialize() const { return LayoutCodec::Serialize(*this); }

absl::StatusOr<Layout> Layout::Parse(std::span<const uint8_t> bytes) {
  return LayoutCodec::Parse(bytes);
}

}  // namespace hamster::layout
