#include "raft_pki.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace hamster::bench {
namespace {

std::string Quote(const std::string& path) { return "'" + path + "'"; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// openssl's chatter is shown only when it fails.
absl::Status RunOpenssl(const std::string& directory, const std::string& arguments) {
  const std::string log = directory + "/openssl.log";
  const std::string command = "openssl " + arguments + " >" + Quote(log) + " 2>&1";
  const int status = std::system(command.c_str());
  if (status == 0) return absl::OkStatus();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    return absl::NotFoundError("openssl is not installed (scripts/install-deps.sh installs it)");
  }
  return absl::InternalError(absl::StrCat("openssl ", arguments, " failed: ", ReadFile(log)));
}

constexpr char kNewEcKey[] = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

}  // namespace

absl::StatusOr<BenchPki> CreateBenchPki(const std::string& directory, int member_count) {
  BenchPki pki;
  pki.ca_cert_path = directory + "/ca.crt";
  const std::string ca_key = directory + "/ca.key";
  absl::Status made =
      RunOpenssl(directory, absl::StrCat("req -x509 -new ", kNewEcKey, " -keyout ", Quote(ca_key),
                                         " -out ", Quote(pki.ca_cert_path),
                                         " -days 2 -subj '/CN=hamster-bench-ca'"
                                         " -addext basicConstraints=critical,CA:TRUE"
                                         " -addext keyUsage=critical,keyCertSign,cRLSign"));
  if (!made.ok()) return made;
  for (int id = 1; id <= member_count; ++id) {
    const std::string stem = absl::StrCat(directory, "/node-", id);
    const MemberCertificate member{.cert_path = stem + ".crt", .key_path = stem + ".key"};
    {
      std::ofstream ext(stem + ".ext");
      ext << "subjectAltName=DNS:node-" << id << ",IP:127.0.0.1\n"
          << "basicConstraints=critical,CA:FALSE\n"
          << "keyUsage=critical,digitalSignature,keyEncipherment\n"
          << "extendedKeyUsage=serverAuth,clientAuth\n";
      if (!ext.good()) return absl::InternalError(absl::StrCat("cannot write ", stem, ".ext"));
    }
    made = RunOpenssl(directory,
                      absl::StrCat("req -new ", kNewEcKey, " -keyout ", Quote(member.key_path),
                                   " -out ", Quote(stem + ".csr"), " -subj '/CN=node-", id, "'"));
    if (!made.ok()) return made;
    made = RunOpenssl(
        directory,
        absl::StrCat("x509 -req -in ", Quote(stem + ".csr"), " -CA ", Quote(pki.ca_cert_path),
                     " -CAkey ", Quote(ca_key), " -CAcreateserial -days 2 -out ",
                     Quote(member.cert_path), " -extfile ", Quote(stem + ".ext")));
    if (!made.ok()) return made;
    pki.members.push_back(member);
  }
  return pki;
}

}  // namespace hamster::bench
