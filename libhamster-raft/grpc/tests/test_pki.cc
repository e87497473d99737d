#include "test_pki.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace hamster::raft::testing {

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::unique_ptr<GrpcTransport> StartTransport(const GrpcTransportOptions& options,
                                              MessageSink* sink) {
  absl::StatusOr<std::unique_ptr<GrpcTransport>> transport = GrpcTransport::Create(options);
  REQUIRE(transport.ok());
  REQUIRE((*transport)->Start(sink).ok());
  return *std::move(transport);
}

std::string LoopbackAddress(const GrpcTransport& transport) {
  return "127.0.0.1:" + std::to_string(transport.listen_port());
}

TestPki::TestPki(const std::string& name) {
  std::string pattern = (std::filesystem::temp_directory_path() / "hamster-pki-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  dir_ = pattern;
  absl::StatusOr<OpensslPki> pki = OpensslPki::Create(dir_, name);
  INFO(pki.status().ToString());
  REQUIRE(pki.ok());
  pki_ = *std::move(pki);
}

TestPki::~TestPki() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

CertFiles TestPki::Issue(const std::string& dns_name) {
  absl::StatusOr<CertFiles> files = pki_->Issue(dns_name, {"DNS:" + dns_name});
  INFO(files.status().ToString());
  REQUIRE(files.ok());
  return *files;
}

CertFiles TestPki::IssueNode(NodeId id) { return Issue("node-" + std::to_string(id)); }

GrpcTransportOptions TestPki::NodeOptions(NodeId id) {
  const CertFiles files = IssueNode(id);
  GrpcTransportOptions options;
  options.node_id = id;
  options.ca_cert_path = ca_cert_path();
  options.cert_path = files.cert_path;
  options.key_path = files.key_path;
  // Short delays keep the reconnection tests quick; they bound no assertion.
  options.reconnect_delay_ms_min = 20;
  options.reconnect_delay_ms_max = 200;
  return options;
}

}  // namespace hamster::raft::testing
