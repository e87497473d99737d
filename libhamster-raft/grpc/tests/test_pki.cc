#include "test_pki.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace hamster::raft::testing {
namespace {

std::string Quote(const std::string& path) { return "'" + path + "'"; }

}  // namespace

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// openssl's chatter is shown only when it fails.
void TestPki::Run(const std::string& command) {
  const std::string log = dir_ + "/openssl.log";
  const int status = std::system((command + " >" + Quote(log) + " 2>&1").c_str());
  INFO(command);
  INFO(ReadWholeFile(log));
  REQUIRE(status == 0);
}

TestPki::TestPki(const std::string& name) {
  std::string pattern = (std::filesystem::temp_directory_path() / "hamster-pki-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  dir_ = pattern;
  ca_cert_path_ = dir_ + "/ca.crt";
  ca_key_path_ = dir_ + "/ca.key";
  Run("openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
      " -keyout " +
      Quote(ca_key_path_) + " -out " + Quote(ca_cert_path_) + " -days 2 -subj '/CN=" + name +
      "'"
      " -addext basicConstraints=critical,CA:TRUE"
      " -addext keyUsage=critical,keyCertSign,cRLSign");
}

TestPki::~TestPki() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

CertFiles TestPki::Issue(const std::string& dns_name) {
  const std::string stem = dir_ + "/" + std::to_string(++issued_) + "-" + dns_name;
  const CertFiles files{.cert_path = stem + ".crt", .key_path = stem + ".key"};
  {
    std::ofstream ext(stem + ".ext");
    ext << "subjectAltName=DNS:" << dns_name << "\n"
        << "basicConstraints=critical,CA:FALSE\n"
        << "keyUsage=critical,digitalSignature,keyEncipherment\n"
        << "extendedKeyUsage=serverAuth,clientAuth\n";
    REQUIRE(ext.good());
  }
  Run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
      " -keyout " +
      Quote(files.key_path) + " -out " + Quote(stem + ".csr") + " -subj '/CN=" + dns_name + "'");
  Run("openssl x509 -req -in " + Quote(stem + ".csr") + " -CA " + Quote(ca_cert_path_) +
      " -CAkey " + Quote(ca_key_path_) + " -CAcreateserial -days 2 -out " + Quote(files.cert_path) +
      " -extfile " + Quote(stem + ".ext"));
  return files;
}

CertFiles TestPki::IssueNode(NodeId id) { return Issue("node-" + std::to_string(id)); }

GrpcTransportOptions TestPki::NodeOptions(NodeId id) {
  const CertFiles files = IssueNode(id);
  GrpcTransportOptions options;
  options.node_id = id;
  options.ca_cert_path = ca_cert_path_;
  options.cert_path = files.cert_path;
  options.key_path = files.key_path;
  // Short delays keep the reconnection tests quick; they bound no assertion.
  options.reconnect_delay_ms_min = 20;
  options.reconnect_delay_ms_max = 200;
  return options;
}

}  // namespace hamster::raft::testing
