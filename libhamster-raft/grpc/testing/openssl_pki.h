// A throw-away certificate authority for tests and benchmarks of hamster::raft_grpc: a CA and
// certificates made with the openssl command line, exactly as docs/raft-mtls.md shows, in a
// directory the caller owns and removes. Not installed; no test framework in it.

#ifndef HAMSTER_RAFT_GRPC_TESTING_OPENSSL_PKI_H_
#define HAMSTER_RAFT_GRPC_TESTING_OPENSSL_PKI_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace hamster::raft::testing {

struct CertFiles {
  std::string cert_path;
  std::string key_path;
};

class OpensslPki {
 public:
  // A new CA with common name `ca_name` in `directory`, which must exist. kNotFound when
  // openssl is missing, kInternal with openssl's output when a command fails.
  static absl::StatusOr<OpensslPki> Create(const std::string& directory,
                                           const std::string& ca_name);

  const std::string& ca_cert_path() const { return ca_cert_path_; }
  // A certificate of this CA for client and server use whose subjectAltName lists
  // `alt_names` ("DNS:node-1", "IP:127.0.0.1"); its common name is `common_name`.
  absl::StatusOr<CertFiles> Issue(const std::string& common_name,
                                  const std::vector<std::string>& alt_names);

 private:
  explicit OpensslPki(std::string directory);
  absl::Status Run(const std::string& arguments) const;

  std::string directory_;
  std::string ca_cert_path_;
  std::string ca_key_path_;
  int issued_ = 0;
};

}  // namespace hamster::raft::testing

#endif  // HAMSTER_RAFT_GRPC_TESTING_OPENSSL_PKI_H_
