#include "openssl_pki.h"

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace hamster::raft::testing {
namespace {

std::string Quote(const std::string& path) { return "'" + path + "'"; }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

constexpr char kNewEcKey[] = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";

}  // namespace

OpensslPki::OpensslPki(std::string directory)
    : directory_(std::move(directory)),
      ca_cert_path_(directory_ + "/ca.crt"),
      ca_key_path_(directory_ + "/ca.key") {}

// openssl's chatter is shown only when it fails.
absl::Status OpensslPki::Run(const std::string& arguments) const {
  const std::string log = directory_ + "/openssl.log";
  const std::string command = "openssl " + arguments + " >" + Quote(log) + " 2>&1";
  const int status = std::system(command.c_str());
  if (status == 0) return absl::OkStatus();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
    return absl::NotFoundError("openssl is not installed (scripts/install-deps.sh installs it)");
  }
  return absl::InternalError(absl::StrCat("openssl ", arguments, " failed: ", ReadFile(log)));
}

absl::StatusOr<OpensslPki> OpensslPki::Create(const std::string& directory,
                                              const std::string& ca_name) {
  OpensslPki pki(directory);
  absl::Status made = pki.Run(absl::StrCat(
      "req -x509 -new ", kNewEcKey, " -keyout ", Quote(pki.ca_key_path_), " -out ",
      Quote(pki.ca_cert_path_), " -days 2 -subj '/CN=", ca_name, "'",
      " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign"));
  if (!made.ok()) return made;
  return pki;
}

absl::StatusOr<CertFiles> OpensslPki::Issue(const std::string& common_name,
                                            const std::vector<std::string>& alt_names) {
  const std::string stem = absl::StrCat(directory_, "/", ++issued_, "-", common_name);
  const CertFiles files{.cert_path = stem + ".crt", .key_path = stem + ".key"};
  {
    std::ofstream ext(stem + ".ext");
    ext << "subjectAltName=" << absl::StrJoin(alt_names, ",") << "\n"
        << "basicConstraints=critical,CA:FALSE\n"
        << "keyUsage=critical,digitalSignature,keyEncipherment\n"
        << "extendedKeyUsage=serverAuth,clientAuth\n";
    if (!ext.good()) return absl::InternalError(absl::StrCat("cannot write ", stem, ".ext"));
  }
  absl::Status made =
      Run(absl::StrCat("req -new ", kNewEcKey, " -keyout ", Quote(files.key_path), " -out ",
                       Quote(stem + ".csr"), " -subj '/CN=", common_name, "'"));
  if (!made.ok()) return made;
  made = Run(absl::StrCat("x509 -req -in ", Quote(stem + ".csr"), " -CA ", Quote(ca_cert_path_),
                          " -CAkey ", Quote(ca_key_path_), " -CAcreateserial -days 2 -out ",
                          Quote(files.cert_path), " -extfile ", Quote(stem + ".ext")));
  if (!made.ok()) return made;
  return files;
}

}  // namespace hamster::raft::testing
