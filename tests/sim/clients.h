// Clients of the replicated key-value store: each runs one operation at a time (a write of a
// unique value or a linearizable read of a random key), sends writes to the node it believes
// leads and reads to any node, gives up after a timeout, and records what it saw for the
// linearizability checker.

#ifndef HAMSTER_TESTS_SIM_CLIENTS_H_
#define HAMSTER_TESTS_SIM_CLIENTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "event_loop.h"
#include "linearizability.h"
#include "raft_node.h"
#include "random.h"
#include "trace.h"

namespace hamster::sim {

// How clients find nodes.
class ClientTarget {
 public:
  virtual ~ClientTarget() = default;
  // Nodes clients may contact (not shut down), and one by id (null if gone).
  virtual std::vector<raft::NodeId> NodeIds() = 0;
  virtual SimRaftNode* Node(raft::NodeId id) = 0;
};

struct ClientOptions {
  int count = 4;
  int keys = 3;
  double read_fraction = 0.4;
  double follower_read_fraction = 0.3;  // reads sent to a random node rather than the leader
  Duration op_timeout = 1 * kSecond;
  Duration think_max = 20 * kMillisecond;
};

struct ClientStats {
  uint64_t ok = 0;
  uint64_t failed = 0;
  uint64_t timed_out = 0;
};

class Clients {
 public:
  Clients(EventLoop& loop, Random random, Trace& trace, ClientTarget& target,
          ClientOptions options);

  void Start();
  // Clients finish their current operation and issue no more.
  void Stop() { stopped_ = true; }
  bool Idle() const;
  // The history as the checker takes it: completed operations and writes that timed out.
  std::vector<KvOperation> History() const;
  const ClientStats& stats() const { return stats_; }
  // When the last write and the last read completed successfully.
  Time last_ok_write() const { return last_ok_write_; }
  Time last_ok_read() const { return last_ok_read_; }

 private:
  enum class Outcome { kPending, kOk, kFailed, kTimedOut };
  struct Client {
    raft::NodeId leader_guess = raft::kNoNode;
    bool busy = false;
  };

  void Issue(int client);
  raft::NodeId ChooseNode(int client, bool write);
  void Finish(int client, size_t op, Outcome outcome, uint64_t read_value);
  void Next(int client, Duration delay);

  EventLoop& loop_;
  Random random_;
  Trace& trace_;
  ClientTarget& target_;
  ClientOptions options_;
  bool stopped_ = false;
  std::vector<Client> clients_;
  std::vector<KvOperation> ops_;
  std::vector<Outcome> outcomes_;
  ClientStats stats_;
  Time last_ok_write_ = -1;
  Time last_ok_read_ = -1;
};

}  // namespace hamster::sim

#endif  // HAMSTER_TESTS_SIM_CLIENTS_H_
