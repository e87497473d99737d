#ifndef HAMSTER_TOOLS_BENCH_RAFT_CLUSTER_H_
#define HAMSTER_TOOLS_BENCH_RAFT_CLUSTER_H_

// The Hamster side of `hamster-bench raft`: three hamster::raft::Node members in this process.
// The network is either a GrpcTransport per member (mutual TLS, certificates from
// raft_pki.h) listening on its own 127.0.0.1 port, or a transport that hands messages
// straight to the receiving Node; the storage is either a RocksDbStorage per member in its own
// directory (synced writes: fsync on) or MemoryDurableStorage. With both real, members talk
// over real loopback sockets and wait for real fsyncs, as three processes would; with neither,
// what is left is the ceiling of the core and the Node driver. The two mixes say which of
// network and disk a figure is made of. The state machine only counts what it applies.
//
// Thread safety: Commit() may be called from many threads at once; the rest from one.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hamster::bench {

struct HamsterClusterOptions {
  bool grpc = true;     // GrpcTransport, or in-process delivery
  bool rocksdb = true;  // RocksDbStorage, or MemoryDurableStorage
  int member_count = 3;
  // Certificates and RocksDB directories go in here (created; removed by the caller).
  std::string work_dir;
  std::chrono::milliseconds tick_interval{100};
};

class HamsterCluster {
 public:
  // Starts the members and waits up to `leader_timeout` for a leader that every member
  // follows. kUnavailable when none is elected in time; errors of the PKI, the storage or the
  // transport as they are.
  static absl::StatusOr<std::unique_ptr<HamsterCluster>> Start(
      const HamsterClusterOptions& options, std::chrono::milliseconds leader_timeout);
  ~HamsterCluster();  // stops every member
  HamsterCluster(const HamsterCluster&) = delete;
  HamsterCluster& operator=(const HamsterCluster&) = delete;

  // Proposes `data` to the leader found by Start() and waits until it is applied there.
  // kUnavailable (with the leader hint) when leadership moved; kDeadlineExceeded after 10 s.
  absl::Status Commit(std::string data);

  // fsyncs of the log so far: summed over all members, and of the leader's database alone;
  // -1 without RocksDB.
  int64_t cluster_fsync_count() const;
  int64_t leader_fsync_count() const;

  struct Member;

 private:
  HamsterCluster() = default;
  absl::Status StartMembers(const HamsterClusterOptions& options);
  absl::Status AwaitLeader(std::chrono::milliseconds timeout);

  std::vector<std::unique_ptr<Member>> members_;
  int leader_ = -1;  // index into members_
};

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_RAFT_CLUSTER_H_
