#include "identity.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <charconv>
#include <memory>

#include "absl/strings/str_cat.h"

namespace hamster::raft::grpc_transport {
namespace {

constexpr std::string_view kPrefix = "node-";
// Debian's Abseil has its own string_view, which StrCat takes.
absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct NamesFree {
  void operator()(GENERAL_NAMES* names) const { GENERAL_NAMES_free(names); }
};

std::vector<std::string> DnsNames(X509* cert) {
  std::vector<std::string> names;
  std::unique_ptr<GENERAL_NAMES, NamesFree> general(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  if (general == nullptr) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(general.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(general.get(), i);
    if (name->type != GEN_DNS) continue;
    const ASN1_IA5STRING* dns = name->d.dNSName;
    names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                       static_cast<size_t>(ASN1_STRING_length(dns)));
  }
  return names;
}

}  // namespace

std::string NodeIdentity(NodeId id) { return absl::StrCat(View(kPrefix), id); }

absl::StatusOr<NodeId> ParseNodeIdentity(std::string_view name) {
  const auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("'", View(name), "' is not a node identity (node-<id>)"));
  };
  if (!name.starts_with(kPrefix)) return invalid();
  const std::string_view digits = name.substr(kPrefix.size());
  if (digits.empty() || digits.front() == '0') return invalid();
  NodeId id = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (error != std::errc() || end != digits.data() + digits.size()) return invalid();
  return id;
}

absl::StatusOr<NodeId> NodeIdFromNames(const std::vector<std::string>& names) {
  NodeId found = kNoNode;
  for (const std::string& name : names) {
    const absl::StatusOr<NodeId> id = ParseNodeIdentity(name);
    if (!id.ok()) continue;
    if (found != kNoNode && found != *id) {
      return absl::PermissionDeniedError(
          absl::StrCat("certificate names two nodes: ", found, " and ", *id));
    }
    found = *id;
  }
  if (found == kNoNode) {
    return absl::PermissionDeniedError("certificate names no node (subjectAltName DNS:node-<id>)");
  }
  return found;
}

absl::StatusOr<NodeId> NodeIdFromCertificatePem(const std::string& pem) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (bio == nullptr) return absl::ResourceExhaustedError("BIO_new_mem_buf failed");
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    // OpenSSL queues the parse errors per thread; leave the queue clean for gRPC.
    ERR_clear_error();
    return absl::InvalidArgumentError("not a PEM certificate");
  }
  absl::StatusOr<NodeId> id = NodeIdFromNames(DnsNames(cert.get()));
  if (!id.ok()) return absl::InvalidArgumentError(id.status().message());
  return id;
}

}  // namespace hamster::raft::grpc_transport
