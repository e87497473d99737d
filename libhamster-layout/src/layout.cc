// Layout: creation, staging and transition tracking. Computing a new version
// is in apply.cc, the serialised form in serialize.cc.

#include "hamster/layout/layout.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/str_cat.h"

namespace hamster::layout {

Layout::Layout(uint32_t partition_count, LayoutParameters parameters)
    : partition_count_(partition_count), parameters_(std::move(parameters)) {}

absl::StatusOr<Layout> Layout::Create(uint32_t partition_count, LayoutParameters parameters) {
  if (partition_count < 1 || partition_count > kMaxPartitionCount) {
    return absl::InvalidArgumentError(absl::StrCat("partition count ", partition_count,
                                                   " is out of range 1..", kMaxPartitionCount));
  }
  if (absl::Status valid = ValidateLadder(parameters.ladder); !valid.ok()) return valid;
  if (parameters.pinned_profile) {
    if (absl::Status valid = ValidateProfile(*parameters.pinned_profile); !valid.ok()) return valid;
  }
  return Layout(partition_count, std::move(parameters));
}

const LayoutVersion& Layout::current() const {
  assert(!versions_.empty());
  return versions_.back();
}

const LayoutVersion* Layout::FindVersion(Version version) const {
  for (const LayoutVersion& live : versions_) {
    if (live.version() == version) return &live;
  }
  return nullptr;
}

// ---- Staging ----

std::optional<NodeRole> Layout::CurrentRole(std::string_view node_id) const {
  if (versions_.empty()) return std::nullopt;
  const std::optional<NodeIndex> index = current().FindNode(node_id);
  if (!index) return std::nullopt;
  return current().nodes()[*index];
}

const StagedChange* Layout::FindStaged(std::string_view node_id) const {
  auto it = std::lower_bound(
      staged_changes_.begin(), staged_changes_.end(), node_id,
      [](const StagedChange& change, std::string_view id) { return change.node_id < id; });
  return it != staged_changes_.end() && it->node_id == node_id ? &*it : nullptr;
}

void Layout::PutStaged(StagedChange change) {
  auto it = std::lower_bound(
      staged_changes_.begin(), staged_changes_.end(), change.node_id,
      [](const StagedChange& staged, const std::string& id) { return staged.node_id < id; });
  const bool present = it != staged_changes_.end() && it->node_id == change.node_id;
  // A change back to the current role is no change: drop it, so staging the
  // same change twice, or undoing one, leaves nothing to apply.
  if (change.role == CurrentRole(change.node_id)) {
    if (present) staged_changes_.erase(it);
    return;
  }
  if (present) {
    *it = std::move(change);
  } else {
    staged_changes_.insert(it, std::move(change));
  }
}

absl::Status Layout::StageAssign(const NodeRole& role) {
  if (absl::Status valid = ValidateNodeRole(role); !valid.ok()) return valid;
  PutStaged(StagedChange{.node_id = role.id, .role = role});
  return absl::OkStatus();
}

absl::Status Layout::StageAdd(const NodeRole& role) {
  if (absl::Status valid = ValidateNodeRole(role); !valid.ok()) return valid;
  if (CurrentRole(role.id)) {
    return absl::InvalidArgumentError(absl::StrCat("node '", role.id,
                                                   "' is already in the layout (version ",
                                                   current().version(), "): update it instead"));
  }
  if (const StagedChange* staged = FindStaged(role.id); staged && staged->role) {
    return absl::InvalidArgumentError(
        absl::StrCat("node '", role.id, "' is already staged to be added"));
  }
  PutStaged(StagedChange{.node_id = role.id, .role = role});
  return absl::OkStatus();
}

absl::Status Layout::StageUpdate(const NodeRole& role) {
  if (absl::Status valid = ValidateNodeRole(role); !valid.ok()) return valid;
  const StagedChange* staged = FindStaged(role.id);
  if (staged && !staged->role) {
    return absl::NotFoundError(absl::StrCat("node '", role.id, "' is staged to be removed"));
  }
  if (!staged && !CurrentRole(role.id)) {
    return absl::NotFoundError(absl::StrCat("node '", role.id, "' is not in the layout"));
  }
  PutStaged(StagedChange{.node_id = role.id, .role = role});
  return absl::OkStatus();
}

absl::Status Layout::StageRemove(std::string_view node_id) {
  const StagedChange* staged = FindStaged(node_id);
  if (!staged && !CurrentRole(node_id)) {
    return absl::NotFoundError(
        absl::StrCat("node '", std::string(node_id), "' is not in the layout"));
  }
  PutStaged(StagedChange{.node_id = std::string(node_id), .role = std::nullopt});
  return absl::OkStatus();
}

absl::Status Layout::StageProfile(std::optional<Profile> profile) {
  if (profile) {
    if (absl::Status valid = ValidateProfile(*profile); !valid.ok()) return valid;
  }
  LayoutParameters next = next_parameters();
  next.pinned_profile = profile;
  staged_parameters_ = next;
  if (next == parameters_) staged_parameters_.reset();
  return absl::OkStatus();
}

absl::Status Layout::StageLadder(std::vector<LadderStep> ladder) {
  if (absl::Status valid = ValidateLadder(ladder); !valid.ok()) return valid;
  LayoutParameters next = next_parameters();
  next.ladder = std::move(ladder);
  staged_parameters_ = next;
  if (next == parameters_) staged_parameters_.reset();
  return absl::OkStatus();
}

void Layout::StageSmallObjectThreshold(uint64_t bytes) {
  LayoutParameters next = next_parameters();
  next.small_object_threshold_bytes = bytes;
  staged_parameters_ = next;
  if (next == parameters_) staged_parameters_.reset();
}

void Layout::RevertStaged() {
  staged_changes_.clear();
  staged_parameters_.reset();
}

bool Layout::has_staged_changes() const {
  return !staged_changes_.empty() || staged_parameters_.has_value();
}

std::vector<NodeRole> Layout::StagedRoles() const {
  std::vector<NodeRole> roles;
  if (!versions_.empty()) {
    for (const NodeRole& node : current().nodes()) {
      if (!FindStaged(node.id)) roles.push_back(node);
    }
  }
  for (const StagedChange& change : staged_changes_) {
    if (change.role) roles.push_back(*change.role);
  }
  std::sort(roles.begin(), roles.end(),
            [](const NodeRole& a, const NodeRole& b) { return a.id < b.id; });
  return roles;
}

// ---- Transitions ----

uint32_t Layout::UnsyncedPartitionCount() const {
  if (versions_.empty()) return 0;
  return partition_count_ - synced_count_.back();
}

void Layout::CountSynced() {
  synced_count_.assign(versions_.size(), 0);
  for (Version synced : synced_version_) {
    const Version index = synced - versions_.front().version();
    assert(index < versions_.size());
    ++synced_count_[index];
  }
}

void Layout::RetireSyncedVersions() {
  // A version older than every partition's synced version holds nothing a
  // read needs, so writes stop going there too.
  while (versions_.size() > 1 && synced_count_.front() == 0) {
    versions_.erase(versions_.begin());
    synced_count_.erase(synced_count_.begin());
  }
}

absl::Status Layout::MarkSynced(Version version, uint32_t partition) {
  if (partition >= partition_count_) {
    return absl::InvalidArgumentError(
        absl::StrCat("partition ", partition, " is out of range 0..", partition_count_ - 1));
  }
  if (versions_.empty() || !FindVersion(version)) {
    return absl::FailedPreconditionError(
        absl::StrCat("layout version ", version, " is not live",
                     versions_.empty() ? std::string(" (no version yet)")
                                       : absl::StrCat(" (live: ", versions_.front().version(),
                                                      " to ", current().version(), ")")));
  }
  if (version <= synced_version_[partition]) return absl::OkStatus();
  // Live versions are consecutive, so a version's index is its distance
  // from the oldest.
  const Version oldest = versions_.front().version();
  --synced_count_[synced_version_[partition] - oldest];
  ++synced_count_[version - oldest];
  synced_version_[partition] = version;
  RetireSyncedVersions();
  return absl::OkStatus();
}

std::vector<Placement> Layout::WriteSets(uint32_t partition, ObjectClass object_class) const {
  std::vector<Placement> sets;
  const LayoutVersion* previous = nullptr;
  for (const LayoutVersion& version : versions_) {
    Placement placement = version.PlacePartition(partition, object_class);
    if (previous != nullptr && placement.profile == sets.back().profile) {
      const std::span<const NodeIndex> before = sets.back().shard_nodes;
      bool same = true;
      for (size_t i = 0; i < before.size() && same; ++i) {
        same = previous->nodes()[before[i]].id == version.nodes()[placement.shard_nodes[i]].id;
      }
      if (same) continue;
    }
    sets.push_back(placement);
    previous = &version;
  }
  return sets;
}

Placement Layout::ReadSet(uint32_t partition, ObjectClass object_class) const {
  const LayoutVersion* version = FindVersion(synced_version_[partition]);
  assert(version != nullptr);
  return version->PlacePartition(partition, object_class);
}

}  // namespace hamster::layout
