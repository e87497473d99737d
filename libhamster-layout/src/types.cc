#include "hamster/layout/types.h"

#include "absl/strings/str_cat.h"

namespace hamster::layout {
namespace {

bool IsNameCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || c == ':';
}

absl::Status ValidateName(const char* what, const std::string& node_id, const std::string& name) {
  if (name.empty() || name.size() > kMaxNameBytes) {
    return absl::InvalidArgumentError(absl::StrCat("node '", node_id, "': ", what, " must be 1 to ",
                                                   kMaxNameBytes, " characters long"));
  }
  for (char c : name) {
    if (!IsNameCharacter(c)) {
      return absl::InvalidArgumentError(
          absl::StrCat("node '", node_id, "': ", what, " '", name,
                       "' may contain only letters, digits, '.', '_', '-' and ':'"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view NodeKindName(NodeKind kind) {
  switch (kind) {
    case NodeKind::kStorage:
      return "storage";
    case NodeKind::kGateway:
      return "gateway";
  }
  return "unknown";
}

absl::Status ValidateNodeRole(const NodeRole& role) {
  // The id goes into every later message, so check it before quoting it.
  if (absl::Status id = ValidateName("id", "?", role.id); !id.ok()) return id;
  if (absl::Status zone = ValidateName("zone", role.id, role.zone); !zone.ok()) return zone;
  if (role.kind == NodeKind::kStorage) {
    if (role.capacity_bytes <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("node '", role.id, "': capacity must be > 0, not ", role.capacity_bytes,
                       " (a node without data is a gateway)"));
    }
  } else if (role.kind == NodeKind::kGateway) {
    if (role.capacity_bytes != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("node '", role.id, "': a gateway holds no data, so its capacity must be 0"));
    }
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("node '", role.id, "': unknown kind ", static_cast<int>(role.kind)));
  }
  return absl::OkStatus();
}

std::string ProfileName(const Profile& profile) {
  return absl::StrCat(profile.data_shard_count, "+", profile.parity_shard_count);
}

absl::Status ValidateProfile(const Profile& profile) {
  if (profile.data_shard_count < 1 || profile.parity_shard_count < 0 ||
      profile.data_shard_count > kMaxShardCount || profile.shard_count() > kMaxShardCount) {
    return absl::InvalidArgumentError(
        absl::StrCat("profile ", ProfileName(profile),
                     " is out of range: need k >= 1, m >= 0, k + m <= ", kMaxShardCount));
  }
  return absl::OkStatus();
}

}  // namespace hamster::layout
