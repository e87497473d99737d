// Env gathers everything impure the node runtime uses: wall clock,
// randomness, the metadata store and the shard store. A real node gets them
// from servers/env; tests and the simulator pass their own, so the runtime
// cannot tell a simulated machine from a real one.
#ifndef HAMSTER_NODE_ENV_H_
#define HAMSTER_NODE_ENV_H_

#include <cstdint>
#include <span>

#include "absl/time/time.h"
#include "hamster/node/meta_store.h"
#include "hamster/node/shard_store.h"

namespace hamster::node {

// Thread safety: Now() may be called concurrently.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() = 0;  // wall-clock time, for S3 timestamps
};

// The only source of randomness (ids). Thread safety: Fill() may be called
// concurrently.
class Random {
 public:
  virtual ~Random() = default;
  virtual void Fill(std::span<uint8_t> out) = 0;
};

// Borrowed pointers: everything here outlives whoever is given the Env.
struct Env {
  Clock* clock = nullptr;
  Random* random = nullptr;
  MetaStore* meta = nullptr;
  ShardStore* shards = nullptr;
};

}  // namespace hamster::node

#endif  // HAMSTER_NODE_ENV_H_
