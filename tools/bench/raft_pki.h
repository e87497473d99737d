#ifndef HAMSTER_TOOLS_BENCH_RAFT_PKI_H_
#define HAMSTER_TOOLS_BENCH_RAFT_PKI_H_

// A throw-away certificate authority for `hamster-bench raft`: a CA and one certificate per
// member, made with the openssl command line exactly as docs/raft-mtls.md shows, in a
// directory the caller owns and removes. Each member certificate names DNS:node-<id> (the
// identity hamster::raft_grpc checks) and IP:127.0.0.1 (what etcd checks of a peer it dials
// on loopback), so both clusters use the same certificates for their members.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace hamster::bench {

struct MemberCertificate {
  std::string cert_path;
  std::string key_path;
};

struct BenchPki {
  std::string ca_cert_path;
  std::vector<MemberCertificate> members;  // members[i] names node i + 1
};

// Creates the CA and `member_count` member certificates in `directory` (which must exist).
// kInternal with openssl's output when a command fails, kNotFound when openssl is missing.
absl::StatusOr<BenchPki> CreateBenchPki(const std::string& directory, int member_count);

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_RAFT_PKI_H_
