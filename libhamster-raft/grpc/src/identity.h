// How a member's id is written in its certificate: a subjectAltName DNS:node-<id> (the
// decimal id, no leading zeros). The name doubles as the TLS target name a client expects,
// so gRPC's own hostname check already binds a connection to the peer it meant to reach.

#ifndef HAMSTER_RAFT_GRPC_IDENTITY_H_
#define HAMSTER_RAFT_GRPC_IDENTITY_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hamster/raft/types.h"

namespace hamster::raft::grpc_transport {

std::string NodeIdentity(NodeId id);
// InvalidArgument unless `name` is exactly NodeIdentity(id) for some id != kNoNode.
absl::StatusOr<NodeId> ParseNodeIdentity(std::string_view name);
// The single node id among subjectAltName entries; other entries are ignored.
// PermissionDenied if none or several different ids are named.
absl::StatusOr<NodeId> NodeIdFromNames(const std::vector<std::string>& names);
// The node id of the first certificate in `pem`. InvalidArgument if it does not parse.
absl::StatusOr<NodeId> NodeIdFromCertificatePem(const std::string& pem);

}  // namespace hamster::raft::grpc_transport

#endif  // HAMSTER_RAFT_GRPC_IDENTITY_H_
