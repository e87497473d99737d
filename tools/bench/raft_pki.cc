#include "raft_pki.h"

#include "absl/strings/str_cat.h"
#include "openssl_pki.h"

namespace hamster::bench {

absl::StatusOr<BenchPki> CreateBenchPki(const std::string& directory, int member_count) {
  absl::StatusOr<raft::testing::OpensslPki> ca =
      raft::testing::OpensslPki::Create(directory, "hamster-bench-ca");
  if (!ca.ok()) return ca.status();
  BenchPki pki{.ca_cert_path = ca->ca_cert_path()};
  for (int id = 1; id <= member_count; ++id) {
    const std::string name = absl::StrCat("node-", id);
    absl::StatusOr<raft::testing::CertFiles> files =
        ca->Issue(name, {absl::StrCat("DNS:", name), "IP:127.0.0.1"});
    if (!files.ok()) return files.status();
    pki.members.push_back({.cert_path = files->cert_path, .key_path = files->key_path});
  }
  return pki;
}

}  // namespace hamster::bench
