// Test certificates made at test time with the openssl CLI (the commands of
// docs/raft-mtls.md) in a fresh temporary directory, removed afterwards.

#ifndef HAMSTER_RAFT_GRPC_TESTS_TEST_PKI_H_
#define HAMSTER_RAFT_GRPC_TESTS_TEST_PKI_H_

#include <string>

#include "hamster/raft/grpc_transport.h"

namespace hamster::raft::testing {

struct CertFiles {
  std::string cert_path;
  std::string key_path;
};

class TestPki {
 public:
  // A new CA named `name`. Fails the test if openssl fails.
  explicit TestPki(const std::string& name);
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& ca_cert_path() const { return ca_cert_path_; }
  // A certificate signed by this CA whose subjectAltName is DNS:`dns_name`.
  CertFiles Issue(const std::string& dns_name);
  CertFiles IssueNode(NodeId id);
  // Options for node `id` with a certificate of this CA naming it.
  GrpcTransportOptions NodeOptions(NodeId id);

 private:
  void Run(const std::string& command);

  std::string dir_;
  std::string ca_cert_path_;
  std::string ca_key_path_;
  int issued_ = 0;
};

std::string ReadWholeFile(const std::string& path);

}  // namespace hamster::raft::testing

#endif  // HAMSTER_RAFT_GRPC_TESTS_TEST_PKI_H_
