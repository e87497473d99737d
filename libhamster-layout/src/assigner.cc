#include "assigner.h"

#include <algorithm>
#include <cassert>

#include "absl/strings/str_cat.h"

namespace hamster::layout::internal {

void ZoneTally::Add(int zone, int delta) {
  for (int i = 0; i < size_; ++i) {
    if (zones_[i] != zone) continue;
    counts_[i] += delta;
    assert(counts_[i] >= 0);
    if (counts_[i] == 0) {
      --size_;
      zones_[i] = zones_[size_];
      counts_[i] = counts_[size_];
    }
    return;
  }
  assert(delta > 0 && size_ < int(zones_.size()));
  zones_[size_] = zone;
  counts_[size_] = delta;
  ++size_;
}

int ZoneTally::distinct() const { return size_; }

Assigner::Assigner(const AssignmentProblem& problem, std::vector<int64_t> targets)
    : problem_(problem),
      partition_count_(problem.partition_count),
      width_(problem.width),
      zone_count_(problem.zone_count),
      rule_(ZoneRuleFor(problem.width, problem.zone_count)),
      targets_(std::move(targets)),
      slots_(size_t(problem.partition_count) * problem.width, kNoNode),
      load_(problem.capacity.size(), 0),
      holes_(problem.partition_count, 0),
      positions_(problem.capacity.size()),
      zone_nodes_(problem.zone_count),
      ready_(problem.zone_count),
      ready_key_(problem.capacity.size()),
      pick_count_(problem.capacity.size(), 0),
      zone_deficit_(problem.zone_count, 0) {
  assert(width_ >= 1 && width_ <= 32);
  for (int32_t node = 0; node < int32_t(problem.zone.size()); ++node) {
    zone_nodes_[problem.zone[node]].push_back(node);
  }
}

PartitionView Assigner::View(uint32_t partition, int vacated) const {
  PartitionView view;
  view.width = width_;
  for (int i = 0; i < width_; ++i) {
    const int32_t node = i == vacated ? kNoNode : Slot(partition, i);
    view.members[i] = node;
    if (node == kNoNode) {
      ++view.holes;
    } else {
      view.tally.Add(problem_.zone[node], 1);
    }
  }
  // A lower bound of one shard per zone only exists when zones <= width,
  // so every zone number fits the tally.
  if (rule_.lower > 0) view.lacking = zone_count_ - view.tally.distinct();
  return view;
}

bool Assigner::ZoneAllowed(const PartitionView& view, int zone) const {
  // The last free slots must go to the zones still missing, or the
  // partition could never meet the rule.
  if (rule_.lower > 0 && view.lacking >= view.holes) return view.tally.Count(zone) == 0;
  return view.tally.Count(zone) < rule_.upper;
}

void Assigner::SetLoad(int32_t node, int64_t load, bool picked) {
  const int zone = problem_.zone[node];
  if (const int64_t before = Deficit(node); before > 0) {
    ready_[zone].erase(ready_key_[node]);
    zone_deficit_[zone] -= before;
  }
  load_[node] = load;
  // A new tie-break key after each pick rotates equal nodes, so partitions
  // share members with many different nodes, which spreads repair work.
  if (picked) ++pick_count_[node];
  if (const int64_t after = Deficit(node); after > 0) {
    ready_key_[node] = ReadyKey{-after, Mix(uint64_t(node), pick_count_[node]), node};
    ready_[zone].insert(ready_key_[node]);
    zone_deficit_[zone] += after;
  }
}

void Assigner::ErasePosition(int32_t node, uint32_t partition) {
  std::vector<uint32_t>& list = positions_[node];
  auto it = std::find(list.begin(), list.end(), partition);
  assert(it != list.end());
  *it = list.back();
  list.pop_back();
}

void Assigner::Place(uint32_t partition, int index, int32_t node) {
  assert(Slot(partition, index) == kNoNode);
  Slot(partition, index) = node;
  --holes_[partition];
  positions_[node].push_back(partition);
  SetLoad(node, load_[node] + 1, /*picked=*/true);
}

void Assigner::Vacate(uint32_t partition, int index) {
  const int32_t node = Slot(partition, index);
  assert(node != kNoNode);
  Slot(partition, index) = kNoNode;
  ++holes_[partition];
  ErasePosition(node, partition);
  SetLoad(node, load_[node] - 1, /*picked=*/false);
}

void Assigner::StartFromPrevious() {
  const bool fresh = problem_.previous.empty();
  for (uint32_t partition = 0; partition < partition_count_; ++partition) {
    for (int i = 0; i < width_; ++i) {
      const int32_t node = fresh ? kNoNode : problem_.previous[size_t(partition) * width_ + i];
      if (node == kNoNode) {
        ++holes_[partition];
        continue;
      }
      Slot(partition, i) = node;
      positions_[node].push_back(partition);
      ++load_[node];
    }
  }
  for (int32_t node = 0; node < int32_t(load_.size()); ++node) {
    const int64_t deficit = Deficit(node);
    if (deficit <= 0) continue;
    const int zone = problem_.zone[node];
    ready_key_[node] = ReadyKey{-deficit, Mix(uint64_t(node), 0), node};
    ready_[zone].insert(ready_key_[node]);
    zone_deficit_[zone] += deficit;
  }
}

int Assigner::PickVictim(uint32_t partition, int zone_or_any, int min_zone_count) const {
  const PartitionView view = View(partition, -1);
  int best = -1;
  int64_t best_excess = 0;
  for (int i = 0; i < width_; ++i) {
    const int32_t node = Slot(partition, i);
    if (node == kNoNode) continue;
    const int zone = problem_.zone[node];
    if (zone_or_any >= 0 && zone != zone_or_any) continue;
    if (view.tally.Count(zone) < min_zone_count) continue;
    // The node furthest above its target gives up the slot: it has to lose
    // slots anyway, so the repair doubles as rebalancing.
    const int64_t excess = load_[node] - targets_[node];
    if (best < 0 || excess >= best_excess) {
      best = i;
      best_excess = excess;
    }
  }
  return best;
}

void Assigner::RepairPartition(uint32_t partition) {
  PartitionView view = View(partition, -1);
  for (int zone = 0; zone < zone_count_; ++zone) {
    for (int extra = view.tally.Count(zone) - rule_.upper; extra > 0; --extra) {
      Vacate(partition, PickVictim(partition, zone, 0));
    }
  }
  if (rule_.lower == 0) return;
  // A zone added to the cluster (or a slot count that shrank) can leave
  // more zones missing than free slots: free slots in zones with spares.
  for (view = View(partition, -1); view.lacking > view.holes; view = View(partition, -1)) {
    const int victim = PickVictim(partition, -1, rule_.lower + 1);
    assert(victim >= 0);
    Vacate(partition, victim);
  }
}

void Assigner::RepairZones() {
  // Only when the zone rule changed can a partition break it: skip the
  // per-zone scan when no partition has more shards in a zone than allowed
  // and none lacks a zone.
  for (uint32_t partition = 0; partition < partition_count_; ++partition) {
    const PartitionView view = View(partition, -1);
    bool broken = view.lacking > view.holes;
    for (int i = 0; i < width_ && !broken; ++i) {
      const int32_t node = view.members[i];
      broken = node != kNoNode && view.tally.Count(problem_.zone[node]) > rule_.upper;
    }
    if (broken) RepairPartition(partition);
  }
}

int32_t Assigner::FirstReadyOutside(int zone, const PartitionView& view) const {
  // At most width_ members can be skipped before a non-member appears.
  for (const ReadyKey& key : ready_[zone]) {
    const int32_t node = std::get<2>(key);
    if (!view.Contains(node)) return node;
  }
  return kNoNode;
}

int32_t Assigner::BestReceiver(uint32_t partition, const PartitionView& view) const {
  int32_t best_node = kNoNode;
  int64_t best_deficit = 0;
  uint64_t best_tie = 0;
  for (int zone = 0; zone < zone_count_; ++zone) {
    const int64_t deficit = zone_deficit_[zone];
    if (deficit <= 0 || deficit < best_deficit) continue;
    // Equal zones are told apart per partition, so no zone is always first.
    const uint64_t tie = Mix(partition, uint64_t(zone));
    if (best_node != kNoNode && deficit == best_deficit && tie <= best_tie) continue;
    if (!ZoneAllowed(view, zone)) continue;
    const int32_t node = FirstReadyOutside(zone, view);
    if (node == kNoNode) continue;
    best_node = node;
    best_deficit = deficit;
    best_tie = tie;
  }
  return best_node;
}

bool Assigner::FillOne(uint32_t partition) {
  const PartitionView view = View(partition, -1);
  const int32_t node = BestReceiver(partition, view);
  if (node == kNoNode) return false;
  int slot = 0;
  while (Slot(partition, slot) != kNoNode) ++slot;
  Place(partition, slot, node);
  return true;
}

std::vector<uint32_t> Assigner::Fill() {
  std::vector<uint32_t> open;
  for (uint32_t partition = 0; partition < partition_count_; ++partition) {
    if (holes_[partition] > 0) open.push_back(partition);
  }
  // One slot per partition per pass, so no partition is filled only from
  // what the others left. At most width_ passes.
  std::vector<uint32_t> stuck;
  std::vector<uint32_t> next;
  while (!open.empty()) {
    next.clear();
    for (uint32_t partition : open) {
      if (!FillOne(partition)) {
        stuck.push_back(partition);
      } else if (holes_[partition] > 0) {
        next.push_back(partition);
      }
    }
    open.swap(next);
  }
  return stuck;
}

absl::Status Assigner::Run() {
  StartFromPrevious();
  RepairZones();
  Shed();
  for (uint32_t partition : Fill()) {
    while (holes_[partition] > 0) {
      if (!Augment(partition)) {
        return absl::InternalError(
            absl::StrCat("no exchange fills a free slot of partition ", partition));
      }
    }
  }
  return Check();
}

}  // namespace hamster::layout::internal
