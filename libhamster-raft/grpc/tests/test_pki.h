// Test certificates made at test time with the openssl CLI (the commands of
// docs/raft-mtls.md) in a fresh temporary directory, removed afterwards.

#ifndef HAMSTER_RAFT_GRPC_TESTS_TEST_PKI_H_
#define HAMSTER_RAFT_GRPC_TESTS_TEST_PKI_H_

#include <memory>
#include <optional>
#include <string>

#include "hamster/raft/grpc_transport.h"
#include "openssl_pki.h"

namespace hamster::raft::testing {

class TestPki {
 public:
  // A new CA named `name`. Fails the test if openssl fails.
  explicit TestPki(const std::string& name);
  ~TestPki();
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& ca_cert_path() const { return pki_->ca_cert_path(); }
  // A certificate signed by this CA whose subjectAltName is DNS:`dns_name`.
  CertFiles Issue(const std::string& dns_name);
  CertFiles IssueNode(NodeId id);
  // Options for node `id` with a certificate of this CA naming it.
  GrpcTransportOptions NodeOptions(NodeId id);

 private:
  std::string dir_;
  std::optional<OpensslPki> pki_;
};

std::string ReadWholeFile(const std::string& path);

// A transport for `options`, started with `sink` (borrowed); fails the test otherwise.
std::unique_ptr<GrpcTransport> StartTransport(const GrpcTransportOptions& options,
                                              MessageSink* sink);
// Where `transport` listens, on loopback.
std::string LoopbackAddress(const GrpcTransport& transport);

}  // namespace hamster::raft::testing

#endif  // HAMSTER_RAFT_GRPC_TESTS_TEST_PKI_H_
