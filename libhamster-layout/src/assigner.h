#ifndef HAMSTER_LAYOUT_SRC_ASSIGNER_H_
#define HAMSTER_LAYOUT_SRC_ASSIGNER_H_

// The state of one assignment computation (see assignment.h for the method).
// Used once: construct, Run(), read the result.

#include <array>
#include <cstdint>
#include <set>
#include <tuple>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "assignment.h"

namespace hamster::layout::internal {

// Shards per zone within one partition: at most kMaxShardCount distinct zones.
class ZoneTally {
 public:
  int Count(int zone) const {
    for (int i = 0; i < size_; ++i) {
      if (zones_[i] == zone) return counts_[i];
    }
    return 0;
  }
  void Add(int zone, int delta);
  int distinct() const;

 private:
  std::array<int, 32> zones_{};
  std::array<int, 32> counts_{};
  int size_ = 0;
};

// One partition's members, zone tally, free slots and zones the zone rule
// still requires, as if `vacated` (a slot index, or -1) were free.
struct PartitionView {
  std::array<int32_t, 32> members{};
  int width = 0;
  ZoneTally tally;
  int holes = 0;
  int lacking = 0;  // zones with no shard while the rule requires one each

  bool Contains(int32_t node) const {
    for (int i = 0; i < width; ++i) {
      if (members[i] == node) return true;
    }
    return false;
  }
};

class Assigner {
 public:
  Assigner(const AssignmentProblem& problem, std::vector<int64_t> targets);

  // Returns Internal if the result breaks a rule or a hole cannot be filled.
  absl::Status Run();
  std::vector<int32_t> TakeSlots() { return std::move(slots_); }
  int64_t chain_move_count() const { return chain_move_count_; }

 private:
  // (-deficit, tie-break, node): the node with the largest deficit first.
  using ReadyKey = std::tuple<int64_t, uint64_t, int32_t>;

  // A vertex of the flow network the search for exchange chains walks
  // (augment.cc): a partition's pool of flexible slots, a partition's slots
  // in one zone, or a node.
  enum class VertexKind : uint8_t { kPartition, kZone, kNode };
  struct Vertex {
    VertexKind kind = VertexKind::kPartition;
    uint32_t partition = 0;    // kPartition, kZone
    int32_t zone_or_node = 0;  // kZone: the zone; kNode: the node
    int parent = -1;           // index of the vertex it was reached from
  };

  int32_t& Slot(uint32_t partition, int index) {
    return slots_[size_t(partition) * width_ + index];
  }
  int32_t Slot(uint32_t partition, int index) const {
    return slots_[size_t(partition) * width_ + index];
  }
  int64_t Deficit(int32_t node) const { return targets_[node] - load_[node]; }
  PartitionView View(uint32_t partition, int vacated) const;
  bool ZoneAllowed(const PartitionView& view, int zone) const;

  // Bookkeeping for a node entering or leaving a slot.
  void Place(uint32_t partition, int index, int32_t node);
  void Vacate(uint32_t partition, int index);
  void SetLoad(int32_t node, int64_t load, bool picked);
  void ErasePosition(int32_t node, uint32_t partition);

  void StartFromPrevious();
  void RepairZones();
  void RepairPartition(uint32_t partition);
  int PickVictim(uint32_t partition, int zone_or_any, int min_zone_count) const;
  // Shedding (shed.cc).
  struct ShedOption {
    uint32_t partition = 0;
    int slot = 0;
  };
  void Shed();
  std::vector<std::vector<ShedOption>> FillableOptions(const std::vector<int32_t>& shedders) const;
  bool AugmentShedding(int shedder, const std::vector<std::vector<ShedOption>>& options,
                       std::vector<int>& owner, std::vector<int64_t>& matched) const;
  void ShedRest(int32_t node, int64_t count);
  // Free slots in zones that need slots, summed over those zones.
  int RoomForReceivers(uint32_t partition) const;
  void ShedIntoRoom(const std::vector<int32_t>& shedders, const std::vector<int>& owner,
                    std::vector<std::vector<ShedOption>>& chosen) const;
  int32_t BestReceiver(uint32_t partition, const PartitionView& view) const;
  int32_t FirstReadyOutside(int zone, const PartitionView& view) const;
  std::vector<uint32_t> Fill();
  bool FillOne(uint32_t partition);
  bool Augment(uint32_t partition);
  bool Seen(std::vector<uint32_t>& stamps, size_t index);
  // Adds the vertex (partition, zone) to the search; true if it completed a
  // chain (which is then applied).
  bool VisitZone(uint32_t partition, int zone, int parent);
  void ExpandZone(const Vertex& vertex, int index);
  int FlexibleCount(const PartitionView& view, int zone) const;
  void ApplyChain(const std::vector<Vertex>& path, int terminal);
  absl::Status Check() const;

  const AssignmentProblem& problem_;
  const uint32_t partition_count_;
  const int width_;
  const int zone_count_;
  const ZoneRule rule_;
  std::vector<int64_t> targets_;
  std::vector<int32_t> slots_;
  std::vector<int64_t> load_;
  std::vector<int> holes_;                        // per partition
  std::vector<std::vector<uint32_t>> positions_;  // per node: partitions holding it
  std::vector<std::vector<int32_t>> zone_nodes_;  // per zone
  std::vector<std::set<ReadyKey>> ready_;         // per zone: nodes below target
  std::vector<ReadyKey> ready_key_;               // per node: its key in ready_
  std::vector<uint64_t> pick_count_;              // per node: tie-break rotation
  std::vector<int64_t> zone_deficit_;             // per zone: sum of positive deficits
  int64_t chain_move_count_ = 0;
  // The search for exchange chains: vertices in BFS order, and stamps that
  // mark what the current search (generation_) has seen.
  std::vector<Vertex> path_;
  uint32_t generation_ = 0;
  std::vector<uint32_t> node_stamps_;
  std::vector<uint32_t> partition_stamps_;
  std::vector<uint32_t> zone_stamps_;         // partition * zones + zone, when small enough
  absl::flat_hash_set<uint64_t> seen_zones_;  // else
  std::vector<std::vector<int32_t>> unseen_;  // per zone: nodes the search has not reached // moves
                                              // beyond one per freed slot
};

}  // namespace hamster::layout::internal

#endif  // HAMSTER_LAYOUT_SRC_ASSIGNER_H_
