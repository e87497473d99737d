#ifndef HAMSTER_TOOLS_BENCH_RAFT_PORTS_H_
#define HAMSTER_TOOLS_BENCH_RAFT_PORTS_H_

// Free TCP ports on 127.0.0.1 for the members `hamster-bench raft` starts: each member must
// know every other's address before any of them starts. The kernel picks them (bind to port
// 0), so the benchmark never collides with a fixed port such as a system etcd's 2379; another
// process could still take one before the member binds it, which then fails to start.

#include <vector>

#include "absl/status/statusor.h"

namespace hamster::bench {

// `count` distinct ports; kUnavailable when sockets cannot be bound.
absl::StatusOr<std::vector<int>> PickFreeLoopbackPorts(int count);

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_RAFT_PORTS_H_
