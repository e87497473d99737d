#ifndef HAMSTER_LAYOUT_SRC_LAYOUT_CODEC_H_
#define HAMSTER_LAYOUT_SRC_LAYOUT_CODEC_H_

// Layout <-> bytes (serialize.cc writes and reads the frame and parameters,
// serialize_state.cc the versions, sync state and staged changes).

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/layout/layout.h"
#include "wire.h"

namespace hamster::layout {
namespace internal {

// Field numbers. Never reuse a number; add new fields with new ones.
enum StateField {
  kStatePartitions = 1,
  kStateParameters,
  kStateVersion,
  kStateSynced,
  kStateStaged,
  kStateStagedParameters
};
enum ParametersField { kParametersLadderStep = 1, kParametersSmallThreshold, kParametersPinned };
enum StepField { kStepMinNodes = 1, kStepProfile };
enum ProfileField { kProfileData = 1, kProfileParity };
enum VersionField {
  kVersionNumber = 1,
  kVersionProfile,
  kVersionSmallThreshold,
  kVersionNode,
  kVersionAssignment
};
enum RoleField { kRoleId = 1, kRoleZone, kRoleKind, kRoleCapacity };
enum StagedField { kStagedNodeId = 1, kStagedRole };

absl::Status WithContext(const std::string& context, const absl::Status& status);
// Reads a small unsigned field into an int, refusing values above `max`.
absl::StatusOr<int> SmallInt(WireReader& reader, const char* name, uint64_t max);
WireWriter EncodeRole(const NodeRole& role);

}  // namespace internal

class LayoutCodec {
 public:
  static std::vector<uint8_t> Serialize(const Layout& layout);
  static absl::StatusOr<Layout> Parse(std::span<const uint8_t> bytes);

 private:
  static absl::StatusOr<Profile> ParseProfile(std::span<const uint8_t> bytes);
  static absl::StatusOr<LadderStep> ParseStep(std::span<const uint8_t> bytes);
  static absl::StatusOr<LayoutParameters> ParseParameters(std::span<const uint8_t> bytes);
  static absl::StatusOr<NodeRole> ParseRole(std::span<const uint8_t> bytes);
  static absl::StatusOr<LayoutVersion> ParseVersion(std::span<const uint8_t> bytes,
                                                    uint32_t partition_count);
  static absl::StatusOr<StagedChange> ParseStaged(std::span<const uint8_t> bytes);
  // The top-level fields as read, before they are checked together.
  struct RawState {
    std::optional<uint64_t> partitions;
    std::optional<LayoutParameters> parameters;
    std::vector<std::span<const uint8_t>> versions;
    std::vector<uint64_t> synced;
    std::vector<StagedChange> staged;
    std::optional<LayoutParameters> staged_parameters;
  };
  static absl::Status ParseFields(std::span<const uint8_t> bytes, RawState& raw);
  static absl::StatusOr<Layout> ParseBody(std::span<const uint8_t> bytes);
  static absl::Status CheckState(const Layout& layout, const std::vector<uint64_t>& synced);
};

}  // namespace hamster::layout

#endif  // HAMSTER_LAYOUT_SRC_LAYOUT_CODEC_H_
