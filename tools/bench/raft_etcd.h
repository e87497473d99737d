#ifndef HAMSTER_TOOLS_BENCH_RAFT_ETCD_H_
#define HAMSTER_TOOLS_BENCH_RAFT_ETCD_H_

// The etcd baseline of `hamster-bench raft`: three etcd members (Debian's etcd-server, 3.4)
// as child processes on 127.0.0.1 ports the kernel picks, each with a fresh data directory
// and etcd's default durability (an fdatasync of its WAL per Raft Ready). Members talk over
// mutual TLS with the same kind of certificates the Hamster members use; the benchmark's
// client talks plain gRPC (etcd's v3 KV.Put, proto/etcd_kv.proto) to the leader's client
// port, spreading its proposers over a few HTTP/2 connections.
//
// Members get PR_SET_PDEATHSIG, so they die with the benchmark even when it is killed;
// Stop() (or the destructor) ends them and waits for them.
//
// Thread safety: Put() may be called from many threads at once; the rest from one thread.

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hamster::bench {

inline constexpr char kDefaultEtcdPath[] = "/usr/bin/etcd";

struct EtcdClusterOptions {
  std::string etcd_path = kDefaultEtcdPath;
  int member_count = 3;
  // Data directories, certificates and logs go in here (created; removed by the caller).
  std::string work_dir;
  int client_connection_count = 4;  // HTTP/2 connections the proposers share
};

// OK when `etcd_path` is an executable; kNotFound naming the install script otherwise.
absl::Status CheckEtcdBinary(const std::string& etcd_path);

class EtcdCluster {
 public:
  // Starts the members and waits up to `leader_timeout` until all of them report the same
  // leader. kNotFound when etcd_path is not an executable (with the install hint),
  // kUnavailable when a member exits or no leader is elected in time (with the tail of the
  // members' logs).
  static absl::StatusOr<std::unique_ptr<EtcdCluster>> Start(
      const EtcdClusterOptions& options, std::chrono::milliseconds leader_timeout);
  ~EtcdCluster();  // Stop()
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  // Puts `value` at `key` through the leader; returns once etcd acknowledged it (committed
  // and applied by the leader). kDeadlineExceeded after 10 s, other gRPC errors as they are.
  absl::Status Put(int proposer, const std::string& key, const std::string& value);

  // CPU time (user + system) the member processes have used so far; kNotFound once one is
  // gone.
  absl::StatusOr<double> member_cpu_seconds() const;

  // SIGTERM to every member, then SIGKILL to those still running after 5 s; waits for all.
  void Stop();

  struct Impl;

 private:
  explicit EtcdCluster(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_RAFT_ETCD_H_
