#include "hamster/layout/profile.h"

#include <cassert>

#include "absl/strings/str_cat.h"

namespace hamster::layout {

std::vector<LadderStep> DefaultLadder() {
  auto step = [](int nodes, int k, int m) {
    return LadderStep{.min_storage_node_count = nodes,
                      .profile = {.data_shard_count = k, .parity_shard_count = m}};
  };
  return {step(1, 1, 0), step(2, 1, 1), step(3, 2, 1),  step(4, 2, 2),
          step(6, 4, 2), step(9, 6, 3), step(12, 8, 4), step(16, 10, 4)};
}

absl::Status ValidateLadder(std::span<const LadderStep> ladder) {
  if (ladder.empty() || ladder[0].min_storage_node_count != 1) {
    return absl::InvalidArgumentError("the profile ladder must start with a step for 1 node");
  }
  for (size_t i = 0; i < ladder.size(); ++i) {
    const LadderStep& step = ladder[i];
    const std::string name = absl::StrCat("ladder step ", i + 1, " (", step.min_storage_node_count,
                                          " nodes, ", ProfileName(step.profile), ")");
    if (absl::Status valid = ValidateProfile(step.profile); !valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": ", valid.message()));
    }
    if (step.profile.shard_count() > step.min_storage_node_count) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": the profile needs more nodes than the step starts at"));
    }
    if (i == 0) continue;
    const LadderStep& before = ladder[i - 1];
    if (step.min_storage_node_count <= before.min_storage_node_count) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": node counts must increase from step to step"));
    }
    if (step.profile.data_shard_count < before.profile.data_shard_count ||
        step.profile.parity_shard_count < before.profile.parity_shard_count) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": a larger cluster must not lower k or m"));
    }
  }
  return absl::OkStatus();
}

Profile LadderProfile(std::span<const LadderStep> ladder, int storage_node_count) {
  assert(!ladder.empty() && storage_node_count >= 1);
  Profile profile = ladder[0].profile;
  for (const LadderStep& step : ladder) {
    if (step.min_storage_node_count <= storage_node_count) profile = step.profile;
  }
  return profile;
}

}  // namespace hamster::layout
