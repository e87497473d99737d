// Shedding: nodes above target free slots for the nodes below target.
//
// Each freed slot should be one a node below target can take at once (it is
// not yet in the partition, and its zone has room there); otherwise filling
// it takes an exchange chain, which moves more data. Which node frees which
// slot is a bipartite matching between the nodes above target (each freeing
// its excess) and the partitions (one freed slot each, so one receiver can
// fill it): a greedy pass, then augmenting paths for the nodes it left short,
// so as many freed slots as possible are fillable. Nothing moves until the
// matching is done, so reshuffling it costs no data.

#include <algorithm>
#include <cassert>
#include <tuple>

#include "assigner.h"

namespace hamster::layout::internal {

std::vector<std::vector<Assigner::ShedOption>> Assigner::FillableOptions(
    const std::vector<int32_t>& shedders) const {
  std::vector<std::vector<ShedOption>> options(shedders.size());
  for (size_t i = 0; i < shedders.size(); ++i) {
    const int32_t node = shedders[i];
    for (uint32_t partition : positions_[node]) {
      if (holes_[partition] > 0) continue;  // it already waits for a receiver
      int slot = 0;
      while (Slot(partition, slot) != node) ++slot;
      if (BestReceiver(partition, View(partition, slot)) == kNoNode) continue;
      options[i].push_back({partition, slot});
    }
    // Spread each node's choices over its partitions.
    std::sort(options[i].begin(), options[i].end(), [&](const ShedOption& a, const ShedOption& b) {
      return Mix(uint64_t(node), a.partition) < Mix(uint64_t(node), b.partition);
    });
  }
  return options;
}

bool Assigner::AugmentShedding(int shedder, const std::vector<std::vector<ShedOption>>& options,
                               std::vector<int>& owner, std::vector<int64_t>& matched) const {
  // Breadth-first over shedders: shedder -> one of its partitions -> the
  // shedder holding it, which may take another partition instead.
  struct Step {
    int shedder;
    uint32_t partition;  // taken by `shedder` (unused for the first)
    int parent;
  };
  std::vector<Step> steps = {{shedder, 0, -1}};
  std::vector<bool> seen_shedder(options.size(), false);
  std::vector<bool> seen_partition(partition_count_, false);
  seen_shedder[shedder] = true;
  for (size_t i = 0; i < steps.size(); ++i) {
    const int current = steps[i].shedder;
    for (const ShedOption& option : options[current]) {
      const uint32_t partition = option.partition;
      if (seen_partition[partition] || owner[partition] == current) continue;
      seen_partition[partition] = true;
      const int holder = owner[partition];
      if (holder < 0) {
        // Walk back: each shedder on the path takes the partition after it.
        owner[partition] = current;
        for (int at = int(i); steps[at].parent >= 0; at = steps[at].parent) {
          owner[steps[at].partition] = steps[steps[at].parent].shedder;
        }
        ++matched[shedder];
        return true;
      }
      if (seen_shedder[holder]) continue;
      seen_shedder[holder] = true;
      steps.push_back({holder, partition, int(i)});
    }
  }
  return false;
}

void Assigner::Shed() {
  // Nodes whose zone has no node below target can only hand slots to other
  // zones, which fits only partitions with room in those zones: the greedy
  // pass serves them first.
  std::vector<std::tuple<bool, int64_t, int32_t>> order;  // (same-zone receiver, -excess, node)
  for (int32_t node = 0; node < int32_t(load_.size()); ++node) {
    if (load_[node] <= targets_[node]) continue;
    order.push_back({zone_deficit_[problem_.zone[node]] > 0, targets_[node] - load_[node], node});
  }
  std::sort(order.begin(), order.end());
  std::vector<int32_t> shedders;
  for (const auto& entry : order) shedders.push_back(std::get<2>(entry));
  const std::vector<std::vector<ShedOption>> options = FillableOptions(shedders);
  std::vector<int> owner(partition_count_, -1);
  std::vector<int64_t> matched(shedders.size(), 0);
  for (size_t i = 0; i < shedders.size(); ++i) {
    const int64_t excess = load_[shedders[i]] - targets_[shedders[i]];
    for (const ShedOption& option : options[i]) {
      if (matched[i] == excess) break;
      if (owner[option.partition] >= 0) continue;
      owner[option.partition] = int(i);
      ++matched[i];
    }
  }
  // A shedder without an augmenting path keeps lacking one after later
  // augmentations, so each shedder fails at most once.
  for (size_t i = 0; i < shedders.size(); ++i) {
    const int64_t excess = load_[shedders[i]] - targets_[shedders[i]];
    while (matched[i] < excess && AugmentShedding(int(i), options, owner, matched)) {
    }
  }
  std::vector<std::vector<ShedOption>> chosen(shedders.size());
  for (size_t i = 0; i < shedders.size(); ++i) {
    for (const ShedOption& option : options[i]) {
      if (owner[option.partition] == int(i)) chosen[i].push_back(option);
    }
  }
  ShedIntoRoom(shedders, owner, chosen);
  for (size_t i = 0; i < shedders.size(); ++i) {
    for (const ShedOption& option : chosen[i]) Vacate(option.partition, option.slot);
  }
  for (size_t i = 0; i < shedders.size(); ++i) {
    const int64_t rest = load_[shedders[i]] - targets_[shedders[i]];
    if (rest > 0) ShedRest(shedders[i], rest);
  }
}

int Assigner::RoomForReceivers(uint32_t partition) const {
  const PartitionView view = View(partition, -1);
  int room = 0;
  for (int zone = 0; zone < zone_count_; ++zone) {
    if (zone_deficit_[zone] > 0) room += std::max(0, rule_.upper - view.tally.Count(zone));
  }
  return room;
}

void Assigner::ShedIntoRoom(const std::vector<int32_t>& shedders, const std::vector<int>& owner,
                            std::vector<std::vector<ShedOption>>& chosen) const {
  // Partitions the matching could not give a receiver at once may still have
  // room in a zone that needs slots: a second slot freed there is filled by
  // a short chain (a node of that zone moves in, a receiver takes its old
  // slot), cheaper than a slot freed where no receiving zone has room.
  std::vector<int> room(partition_count_, -1);
  for (size_t i = 0; i < shedders.size(); ++i) {
    int64_t rest = load_[shedders[i]] - targets_[shedders[i]] - int64_t(chosen[i].size());
    if (rest <= 0) continue;
    struct Candidate {
      int room;
      uint64_t tie;
      ShedOption option;
    };
    std::vector<Candidate> candidates;
    for (uint32_t partition : positions_[shedders[i]]) {
      if (owner[partition] == int(i) || holes_[partition] > 0) continue;
      if (room[partition] < 0)
        room[partition] = RoomForReceivers(partition) - (owner[partition] >= 0);
      if (room[partition] <= 0) continue;
      int slot = 0;
      while (Slot(partition, slot) != shedders[i]) ++slot;
      candidates.push_back(
          {room[partition], Mix(uint64_t(shedders[i]), partition), {partition, slot}});
    }
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
      return std::tie(b.room, a.tie) < std::tie(a.room, b.tie);
    });
    for (const Candidate& candidate : candidates) {
      if (rest == 0) break;
      if (room[candidate.option.partition] <= 0) continue;
      --room[candidate.option.partition];
      chosen[i].push_back(candidate.option);
      --rest;
    }
  }
}

void Assigner::ShedRest(int32_t node, int64_t count) {
  // No fillable slot is left for this node: free the ones in partitions with
  // the fewest free slots, where an exchange chain is most likely short.
  struct Candidate {
    int holes;
    uint64_t tie;
    uint32_t partition;
    int slot;
  };
  std::vector<Candidate> candidates;
  for (uint32_t partition : positions_[node]) {
    int slot = 0;
    while (Slot(partition, slot) != node) ++slot;
    candidates.push_back({holes_[partition], Mix(uint64_t(node), partition), partition, slot});
  }
  assert(size_t(count) <= candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + count, candidates.end(),
                    [](const Candidate& a, const Candidate& b) {
                      return std::tie(a.holes, a.tie, a.partition) <
                             std::tie(b.holes, b.tie, b.partition);
                    });
  for (int64_t i = 0; i < count; ++i) Vacate(candidates[i].partition, candidates[i].slot);
}

}  // namespace hamster::layout::internal
