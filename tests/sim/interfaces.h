// The impure world as small interfaces, so code driven by the simulator cannot tell a
// simulated clock, network or disk from a real one. The simulator implements them over
// virtual time (event_loop.h, sim_network.h, sim_disk.h); the node runtime's RealEnv will
// implement them over the OS.

#ifndef HAMSTER_TESTS_SIM_INTERFACES_H_
#define HAMSTER_TESTS_SIM_INTERFACES_H_

#include <cstdint>
#include <functional>

namespace hamster::sim {

using Time = int64_t;      // microseconds since the start of the run
using Duration = int64_t;  // microseconds

inline constexpr Duration kMillisecond = 1000;
inline constexpr Duration kSecond = 1000 * kMillisecond;

// Monotonic time and timers. Callbacks run on the owner's single event loop.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Time Now() const = 0;
  virtual void After(Duration delay, std::function<void()> callback) = 0;
};

// Best-effort delivery between nodes: a message may be dropped, delayed, duplicated or
// reordered. Delivery happens through the receiver's registered handler.
template <typename Payload>
class Network {
 public:
  virtual ~Network() = default;
  virtual void Send(uint64_t from, uint64_t to, Payload payload) = 0;
};

// An ordered stream of atomic writes (a write-ahead log: a RocksDB WriteBatch, a file append)
// with an explicit durability barrier. Writes are visible at once; a crash keeps every write
// that was synced and possibly a prefix of the writes after the last completed Sync().
template <typename Record>
class Disk {
 public:
  virtual ~Disk() = default;
  virtual void Write(Record record) = 0;
  // `done` runs once every write issued before this call is durable.
  virtual void Sync(std::function<void()> done) = 0;
};

}  // namespace hamster::sim

#endif  // HAMSTER_TESTS_SIM_INTERFACES_H_
