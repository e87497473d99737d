// Layout::Preview / Apply / Install: computing and adding a version.

#include <algorithm>
#include <cassert>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "assignment.h"
#include "hamster/layout/layout.h"

namespace hamster::layout {
namespace {

// The assignment problem for `roles` (sorted by id), with `storage` mapping
// problem node numbers back to role indices.
struct Problem {
  internal::AssignmentProblem problem;
  std::vector<size_t> storage;
  std::vector<std::string> zone_names;
};

Problem BuildProblem(uint32_t partition_count, const Profile& profile,
                     const std::vector<NodeRole>& roles, const LayoutVersion* previous) {
  Problem out;
  out.problem.partition_count = partition_count;
  out.problem.width = profile.shard_count();
  for (size_t i = 0; i < roles.size(); ++i) {
    if (!roles[i].storage()) continue;
    out.storage.push_back(i);
    out.zone_names.push_back(roles[i].zone);
  }
  std::sort(out.zone_names.begin(), out.zone_names.end());
  out.zone_names.erase(std::unique(out.zone_names.begin(), out.zone_names.end()),
                       out.zone_names.end());
  out.problem.zone_count = int(out.zone_names.size());
  std::map<std::string_view, int32_t> number_of;
  for (size_t n = 0; n < out.storage.size(); ++n) {
    const NodeRole& role = roles[out.storage[n]];
    out.problem.capacity.push_back(role.capacity_bytes);
    out.problem.zone.push_back(
        int(std::lower_bound(out.zone_names.begin(), out.zone_names.end(), role.zone) -
            out.zone_names.begin()));
    number_of[role.id] = int32_t(n);
  }
  if (previous == nullptr) return out;
  // The previous lists in the new numbering: a slot keeps its node while the
  // node stays a storage node; slots beyond the old width start empty.
  const int width = out.problem.width;
  const int previous_width = previous->width();
  out.problem.previous.assign(size_t(partition_count) * width, internal::kNoNode);
  std::vector<int32_t> renumber(previous->nodes().size(), internal::kNoNode);
  for (size_t i = 0; i < renumber.size(); ++i) {
    auto it = number_of.find(previous->nodes()[i].id);
    if (it != number_of.end()) renumber[i] = it->second;
  }
  for (uint32_t partition = 0; partition < partition_count; ++partition) {
    const std::span<const NodeIndex> list = previous->ShardNodes(partition, ObjectClass::kLarge);
    for (int i = 0; i < std::min(width, previous_width); ++i) {
      out.problem.previous[size_t(partition) * width + i] = renumber[list[i]];
    }
  }
  return out;
}

// Names what makes the zone rule unmeetable, for an operator to fix.
absl::Status ExplainInfeasible(const Problem& problem, const Profile& profile) {
  const int width = profile.shard_count();
  const int node_count = int(problem.storage.size());
  if (node_count < width) {
    return absl::FailedPreconditionError(absl::StrCat(
        "profile ", ProfileName(profile), " needs ", width, " storage nodes, the layout has ",
        node_count, ": add storage nodes or pin a narrower profile"));
  }
  const internal::ZoneRule rule = internal::ZoneRuleFor(width, problem.problem.zone_count);
  std::vector<int> zone_size(problem.problem.zone_count, 0);
  for (int zone : problem.problem.zone) ++zone_size[zone];
  int room = 0;
  std::vector<std::string> small;
  for (int zone = 0; zone < problem.problem.zone_count; ++zone) {
    room += std::min(zone_size[zone], rule.upper);
    if (zone_size[zone] < rule.upper) {
      small.push_back(absl::StrCat("'", problem.zone_names[zone], "' has ", zone_size[zone]));
    }
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "the zone rule cannot be met: with ", problem.problem.zone_count, " zones a partition of ",
      width, " shards (profile ", ProfileName(profile), ") may put at most ", rule.upper,
      " in one zone and one on each node, which leaves room for only ", room, " (zone ",
      absl::StrJoin(small, ", zone "), " storage node(s)): add storage nodes to those zones, ",
      "move nodes between zones, or pin a narrower profile"));
}

}  // namespace

absl::StatusOr<ApplyResult> Layout::Preview(const ApplyOptions& options) const {
  const Version next_number = versions_.empty() ? 1 : current().version() + 1;
  if (options.expected_version && *options.expected_version != next_number) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the next layout version is ", next_number, ", not ", *options.expected_version,
        *options.expected_version < next_number ? ": an older version is never re-applied" : ""));
  }
  const std::vector<NodeRole> roles = StagedRoles();
  const LayoutParameters& parameters = next_parameters();
  const int storage_count =
      int(std::count_if(roles.begin(), roles.end(), [](const NodeRole& r) { return r.storage(); }));
  if (storage_count == 0) {
    return absl::FailedPreconditionError("the layout has no storage nodes: stage at least one");
  }
  const Profile profile = parameters.pinned_profile
                              ? *parameters.pinned_profile
                              : LadderProfile(parameters.ladder, storage_count);
  const LayoutVersion* previous = versions_.empty() ? nullptr : &current();
  if (previous != nullptr && roles == previous->nodes() && profile == previous->profile() &&
      parameters.small_object_threshold_bytes == previous->small_object_threshold_bytes()) {
    ApplyResult unchanged{.version = *previous, .report = DescribeChange(previous, *previous)};
    unchanged.report.changed = false;
    return unchanged;
  }
  if (versions_.size() >= size_t(kMaxLiveVersionCount)) {
    return absl::FailedPreconditionError(absl::StrCat(
        versions_.size(), " layout versions are live (", versions_.front().version(), " to ",
        current().version(), "): let migration finish before applying another change"));
  }
  const Problem problem = BuildProblem(partition_count_, profile, roles, previous);
  if (!internal::CheckFeasible(problem.problem).ok()) return ExplainInfeasible(problem, profile);
  absl::StatusOr<internal::AssignmentSolution> solution =
      internal::SolveAssignment(problem.problem);
  if (!solution.ok()) return solution.status();
  LayoutVersion::Parts parts{
      .version = next_number,
      .partition_count = partition_count_,
      .profile = profile,
      .small_object_threshold_bytes = parameters.small_object_threshold_bytes,
      .nodes = roles};
  parts.assignment.reserve(solution->slots.size());
  for (int32_t node : solution->slots) parts.assignment.push_back(NodeIndex(problem.storage[node]));
  absl::StatusOr<LayoutVersion> version = LayoutVersion::Create(std::move(parts));
  if (!version.ok()) {
    return absl::InternalError(
        absl::StrCat("the computed layout is invalid: ", version.status().message()));
  }
  ApplyReport report = DescribeChange(previous, *version);
  report.changed = true;
  return ApplyResult{.version = *std::move(version), .report = std::move(report)};
}

absl::StatusOr<ApplyReport> Layout::Apply(const ApplyOptions& options) {
  absl::StatusOr<ApplyResult> result = Preview(options);
  if (!result.ok()) return result.status();
  if (result->report.changed) AddVersion(std::move(result->version));
  parameters_ = next_parameters();
  RevertStaged();
  return std::move(result->report);
}

absl::Status Layout::Install(const LayoutVersion& version) {
  if (version.partition_count() != partition_count_) {
    return absl::InvalidArgumentError(absl::StrCat("layout version ", version.version(), " has ",
                                                   version.partition_count(),
                                                   " partitions, this layout ", partition_count_));
  }
  const Version current_number = versions_.empty() ? 0 : current().version();
  if (version.version() <= current_number) {
    return absl::FailedPreconditionError(absl::StrCat(
        "layout version ", version.version(), " is not newer than the current version ",
        current_number, ": an older version is never re-applied"));
  }
  if (version.version() != current_number + 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("layout version ", version.version(), " does not follow the current version ",
                     current_number, ": install the versions in between first"));
  }
  if (versions_.size() >= size_t(kMaxLiveVersionCount)) {
    return absl::FailedPreconditionError(
        absl::StrCat(versions_.size(), " layout versions are live: let migration finish first"));
  }
  AddVersion(version);
  RevertStaged();
  return absl::OkStatus();
}

void Layout::AddVersion(LayoutVersion version) {
  if (versions_.empty()) {
    synced_version_.assign(partition_count_, version.version());
    versions_.push_back(std::move(version));
    CountSynced();
    return;
  }
  // A partition whose list and profile did not change, and whose data is
  // already where the newest version puts it, is synced to the new version
  // at once: a change that moves nothing opens no transition.
  const LayoutVersion& newest = versions_.back();
  std::vector<int> renumber(newest.nodes().size(), -1);
  for (size_t i = 0; i < renumber.size(); ++i) {
    if (std::optional<NodeIndex> index = version.FindNode(newest.nodes()[i].id)) {
      renumber[i] = *index;
    }
  }
  if (newest.profile() == version.profile()) {
    for (uint32_t partition = 0; partition < partition_count_; ++partition) {
      if (synced_version_[partition] != newest.version()) continue;
      const std::span<const NodeIndex> before = newest.ShardNodes(partition, ObjectClass::kLarge);
      const std::span<const NodeIndex> after = version.ShardNodes(partition, ObjectClass::kLarge);
      if (std::equal(before.begin(), before.end(), after.begin(),
                     [&](NodeIndex a, NodeIndex b) { return renumber[a] == int(b); })) {
        synced_version_[partition] = version.version();
      }
    }
  }
  versions_.push_back(std::move(version));
  CountSynced();
  RetireSyncedVersions();
}

}  // namespace hamster::layout
