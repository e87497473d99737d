// The named scenarios and how a seed picks the sizes and rates of a run within them.

#include <vector>

#include "absl/strings/str_cat.h"
#include "cluster.h"

namespace hamster::sim {
namespace {

void RandomizeRaft(Random& random, NodeOptions& node) {
  raft::Config& raft = node.raft;
  raft.election_ticks = 10;
  raft.heartbeat_ticks = 2;
  // Safety must not depend on the optional features: sometimes run without them.
  raft.pre_vote = random.Chance(0.8);
  raft.check_quorum = random.Chance(0.8);
  raft.max_inflight_messages = static_cast<int>(random.Pick<int64_t>({1, 2, 8, 64}));
  raft.max_message_bytes = random.Pick<uint64_t>({16, 200, 4096});
  raft.max_uncommitted_bytes = random.Pick<uint64_t>({64, 100000});
  raft.max_committed_bytes_per_ready = random.Pick<uint64_t>({16, 1 << 20});
  raft.max_inflight_snapshot_chunks = static_cast<int>(random.Range(1, 4));
  raft.snapshot_chunk_bytes = random.Pick<uint64_t>({8, 64, 1 << 20});
  raft.max_pending_reads = 64;
  node.tick_interval = 10 * kMillisecond;
  node.snapshot_every_entries = random.Chance(0.3) ? 0 : random.Range(10, 100);
  node.snapshot_keep_entries = random.Range(0, 10);
}

ScenarioOptions Base(Random& random) {
  ScenarioOptions o;
  o.initial_voters = random.Chance(0.7) ? 3 : 5;
  o.network.min_delay = 500;
  o.network.max_delay = random.Range(2, 15) * kMillisecond;
  o.network.loss = random.Chance(0.5) ? 0 : random.Uniform() * 0.02;
  o.network.duplicate = random.Chance(0.5) ? 0 : random.Uniform() * 0.02;
  o.network.slow = random.Uniform() * 0.01;
  o.disk.min_sync = 100;
  o.disk.max_sync = random.Range(1, 3) * kMillisecond;
  o.disk.slow_sync = random.Uniform() * 0.02;
  o.disk.lose_all_unsynced = random.Uniform();
  o.node.disk = o.disk;
  RandomizeRaft(random, o.node);
  o.clients.count = static_cast<int>(random.Range(2, 6));
  o.clients.keys = static_cast<int>(random.Range(1, 4));
  o.clients.read_fraction = 0.2 + random.Uniform() * 0.4;
  o.clients.op_timeout = random.Range(300, 1500) * kMillisecond;
  return o;
}

}  // namespace

std::vector<std::string> ScenarioNames() {
  return {"default", "partitions", "crashes", "membership", "snapshots"};
}

absl::StatusOr<ScenarioOptions> RandomScenario(const std::string& name, uint64_t seed) {
  Random random(seed ^ 0x5ce7a210);
  ScenarioOptions o = Base(random);
  o.name = name;
  if (name == "default") {
    // Every fault kind at its default weight.
  } else if (name == "partitions") {
    o.crash_weight = 0;
    o.partition_weight = 4;
    o.one_way_weight = 3;
    o.isolate_leader_weight = 3;
    o.membership_weight = 0;
  } else if (name == "crashes") {
    o.crash_weight = 6;
    o.partition_weight = 1;
    o.one_way_weight = 0;
    o.max_down = random.Range(50, 1500) * kMillisecond;
    o.disk.slow_sync = 0.05;
    o.node.disk = o.disk;
  } else if (name == "membership") {
    o.membership_weight = 5;
    o.transfer_weight = 2;
    o.max_members = 7;
  } else if (name == "snapshots") {
    o.node.snapshot_every_entries = random.Range(3, 15);
    o.node.snapshot_keep_entries = random.Range(0, 3);
    o.node.raft.snapshot_chunk_bytes = random.Pick<uint64_t>({4, 16, 64});
    o.membership_weight = 2;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("no scenario '", name, "'"));
  }
  return o;
}

}  // namespace hamster::sim
