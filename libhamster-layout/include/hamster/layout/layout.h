#ifndef HAMSTER_LAYOUT_LAYOUT_H_
#define HAMSTER_LAYOUT_LAYOUT_H_

// Layout is the cluster layout as the replicated state holds it: the live
// versions (more than one while a transition migrates data), the per-partition
// sync state of that migration, the parameters (profile ladder, small-object
// threshold, pinned profile) and the changes staged for the next version.
//
// The life of a change: Stage*() records role changes; Preview() shows what
// Apply() would do; Apply() computes the next version deterministically (same
// state, same bytes on every node) and opens a transition unless no partition
// changed. While a transition is open, writes go to every live version's node
// set (WriteSets) and reads use the newest version each partition is synced
// to (ReadSet). Migration reports MarkSynced(version, partition); a version is
// retired once every partition is synced to a newer one, and the transition
// closes when one version is left (TransitionOpen() is the can-stop
// interlock).
//
// The assignment, the zone rule and the movement it minimises are described
// in docs/adr/0007; the serialised form (Serialize/Parse) too.
//
// Thread safety: none; one writer at a time, as the replicated state machine.
// Copies are independent.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hamster/layout/layout_version.h"
#include "hamster/layout/profile.h"
#include "hamster/layout/report.h"
#include "hamster/layout/types.h"

namespace hamster::layout {

struct LayoutParameters {
  std::vector<LadderStep> ladder = DefaultLadder();
  uint64_t small_object_threshold_bytes = kDefaultSmallObjectThresholdBytes;
  // When set, every version uses this profile whatever the ladder says.
  std::optional<Profile> pinned_profile;
  bool operator==(const LayoutParameters&) const = default;
};

// A staged role change for one node: a role to assign, or removal.
struct StagedChange {
  std::string node_id;
  std::optional<NodeRole> role;  // std::nullopt: remove the node
  bool operator==(const StagedChange&) const = default;
};

struct ApplyOptions {
  // When set, Apply fails with FailedPrecondition unless the new version
  // would be exactly this number: an operator previewed version N and applies
  // N, so a concurrent change is not applied blindly, and an old apply
  // command replayed later cannot re-apply an older version.
  std::optional<Version> expected_version;
};

struct ApplyResult {
  LayoutVersion version;  // the new version (a copy of the current one when unchanged)
  ApplyReport report;
};

class Layout {
 public:
  // An empty layout (no version yet) with `partition_count` partitions.
  // Returns InvalidArgument unless 1 <= partition_count <= kMaxPartitionCount.
  static absl::StatusOr<Layout> Create(uint32_t partition_count,
                                       LayoutParameters parameters = LayoutParameters());

  // Reads a layout written by Serialize(). Returns FailedPrecondition for a
  // layout of a newer format version than this build reads, DataLoss if the
  // bytes are damaged (bad checksum, truncated), InvalidArgument if they are
  // not a layout or describe an invalid one; each message names the problem.
  static absl::StatusOr<Layout> Parse(std::span<const uint8_t> bytes);
  // Deterministic: equal layouts serialise to equal bytes.
  std::vector<uint8_t> Serialize() const;

  uint32_t partition_count() const { return partition_count_; }
  const LayoutParameters& parameters() const { return parameters_; }

  // Versions. The current version is the newest; new objects are placed
  // with it.
  bool has_version() const { return !versions_.empty(); }
  const LayoutVersion& current() const;  // REQUIRES: has_version()
  std::span<const LayoutVersion> live_versions() const { return versions_; }  // oldest first
  const LayoutVersion* FindVersion(Version version) const;

  // Staging. Each returns InvalidArgument for an invalid role (see
  // ValidateNodeRole) and leaves the staged set unchanged on error.
  // Assign: add the node, or replace its role (a no-op when equal).
  absl::Status StageAssign(const NodeRole& role);
  // Add: InvalidArgument if the id is already in the current version or staged.
  absl::Status StageAdd(const NodeRole& role);
  // Update: NotFound unless the node is in the current version or staged.
  absl::Status StageUpdate(const NodeRole& role);
  // Remove: NotFound unless the node is in the current version or staged.
  absl::Status StageRemove(std::string_view node_id);
  // Pin a profile (InvalidArgument if out of range), or follow the ladder.
  absl::Status StageProfile(std::optional<Profile> profile);
  absl::Status StageLadder(std::vector<LadderStep> ladder);  // see ValidateLadder
  void StageSmallObjectThreshold(uint64_t bytes);
  void RevertStaged();
  // Sorted by node id, one per node; and the staged parameters if any.
  const std::vector<StagedChange>& staged_changes() const { return staged_changes_; }
  const std::optional<LayoutParameters>& staged_parameters() const { return staged_parameters_; }
  bool has_staged_changes() const;

  // The roles and parameters the next version would have.
  std::vector<NodeRole> StagedRoles() const;

  // Computes the next version from the current one and the staged changes
  // without changing anything. report.changed is false when the staged
  // changes change nothing. Errors, each naming the problem:
  //   FailedPrecondition: no storage nodes; fewer storage nodes than the
  //     profile has shards; too few zones or nodes per zone for the zone rule
  //     (with 2+ zones, no zone may hold more than ceil((k+m)/zones) shards of
  //     a partition, and every zone must hold at least one when zones <= k+m);
  //     kMaxLiveVersionCount versions already live; expected_version not the
  //     next version.
  //   Internal: the assignment broke an invariant (a bug: nothing is changed).
  absl::StatusOr<ApplyResult> Preview(const ApplyOptions& options = ApplyOptions()) const;

  // Preview, then makes the new version current (opening a transition unless
  // every partition kept its nodes) and clears the staged changes. When
  // nothing changed, only clears them.
  absl::StatusOr<ApplyReport> Apply(const ApplyOptions& options = ApplyOptions());

  // Adds a version computed elsewhere (a peer's Apply, replicated). Returns
  // FailedPrecondition unless its number is exactly current + 1 (an older or
  // equal version is never re-applied) and InvalidArgument unless its
  // partition count matches. Clears the staged changes.
  absl::Status Install(const LayoutVersion& version);

  // Transitions.
  bool TransitionOpen() const { return versions_.size() > 1; }
  // The newest live version whose nodes hold all of `partition`'s data.
  // REQUIRES: has_version() and partition < partition_count().
  Version SyncedVersion(uint32_t partition) const { return synced_version_[partition]; }
  // Partitions not yet synced to the current version.
  uint32_t UnsyncedPartitionCount() const;
  // Migration has copied all of `partition`'s data to `version`'s nodes.
  // Retires versions no partition needs any more. Idempotent; marking an
  // older version than already recorded is a no-op. Returns InvalidArgument
  // for a partition out of range, FailedPrecondition for a version that is
  // not live.
  absl::Status MarkSynced(Version version, uint32_t partition);

  // The node sets a write to `partition` must satisfy: one per live version,
  // oldest first, skipping a version whose list and profile equal the
  // previous one's. A write is acknowledged only when the ack rule holds in
  // every set. REQUIRES: has_version(), partition < partition_count().
  std::vector<Placement> WriteSets(uint32_t partition, ObjectClass object_class) const;
  // The set a read of `partition` should use: its synced version's.
  Placement ReadSet(uint32_t partition, ObjectClass object_class) const;

 private:
  Layout(uint32_t partition_count, LayoutParameters parameters);
  friend class LayoutCodec;

  const LayoutParameters& next_parameters() const {
    return staged_parameters_ ? *staged_parameters_ : parameters_;
  }
  std::optional<NodeRole> CurrentRole(std::string_view node_id) const;
  const StagedChange* FindStaged(std::string_view node_id) const;
  void PutStaged(StagedChange change);
  void AddVersion(LayoutVersion version);
  void CountSynced();
  void RetireSyncedVersions();

  uint32_t partition_count_ = 0;
  LayoutParameters parameters_;
  std::vector<LayoutVersion> versions_;  // live, oldest first, consecutive numbers
  std::vector<Version> synced_version_;  // per partition, when has_version()
  std::vector<uint32_t> synced_count_;   // per live version: partitions synced to it
  std::vector<StagedChange> staged_changes_;
  std::optional<LayoutParameters> staged_parameters_;
};

}  // namespace hamster::layout

#endif  // HAMSTER_LAYOUT_LAYOUT_H_
