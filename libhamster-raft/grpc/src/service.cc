#include "service.h"

#include <charconv>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "identity.h"
#include "wire.h"

namespace hamster::raft::grpc_transport {
namespace {

// gRPC and Abseil share the canonical status codes.
grpc::Status ToGrpc(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::StatusOr<NodeId> ParseClaimedId(const grpc::ServerContext& context) {
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find(kNodeIdMetadataKey);
  if (it == metadata.end()) {
    return absl::InvalidArgumentError(absl::StrCat("no ", kNodeIdMetadataKey, " metadata"));
  }
  NodeId id = kNoNode;
  const char* end = it->second.data() + it->second.size();
  const auto [parsed_end, error] = std::from_chars(it->second.data(), end, id);
  if (error != std::errc() || parsed_end != end || id == kNoNode) {
    return absl::InvalidArgumentError(absl::StrCat("bad ", kNodeIdMetadataKey, " metadata"));
  }
  return id;
}

// Every message of a frame is checked before any is delivered, so a refused frame delivers
// nothing.
absl::Status CheckMessages(const std::vector<Message>& messages, NodeId caller, NodeId self) {
  for (const Message& message : messages) {
    if (message.from != caller) {
      return absl::PermissionDeniedError(absl::StrCat(
          "message from node ", message.from, " on a connection authenticated as node ", caller));
    }
    if (message.to != self) {
      return absl::InvalidArgumentError(
          absl::StrCat("message to node ", message.to, " reached node ", self));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<NodeId> AuthenticatedPeer(const grpc::AuthContext& context) {
  if (!context.IsPeerAuthenticated()) {
    return absl::UnauthenticatedError("peer presented no verified certificate");
  }
  std::vector<std::string> names;
  for (const grpc::string_ref& name : context.FindPropertyValues("x509_subject_alternative_name")) {
    names.emplace_back(name.data(), name.size());
  }
  return NodeIdFromNames(names);
}

absl::StatusOr<NodeId> RaftService::AcceptCaller(const grpc::ServerContext& context) const {
  const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
  if (auth == nullptr) return absl::UnauthenticatedError("connection is not authenticated");
  absl::StatusOr<NodeId> caller = AuthenticatedPeer(*auth);
  if (!caller.ok()) return caller.status();
  absl::StatusOr<NodeId> claimed = ParseClaimedId(context);
  if (!claimed.ok()) return claimed.status();
  if (*claimed != *caller) {
    return absl::PermissionDeniedError(absl::StrCat("caller claims to be node ", *claimed,
                                                    " but its certificate names node ", *caller));
  }
  return caller;
}

grpc::Status RaftService::Stream(grpc::ServerContext* context,
                                 grpc::ServerReader<wire::Frame>* reader,
                                 wire::StreamSummary* summary) {
  const absl::StatusOr<NodeId> caller = AcceptCaller(*context);
  if (!caller.ok()) return ToGrpc(caller.status());
  context->AddInitialMetadata(kNodeIdMetadataKey, absl::StrCat(self_));
  reader->SendInitialMetadata();

  FrameDecoder decoder(max_message_bytes_);
  wire::Frame frame;
  std::vector<Message> messages;
  uint64_t delivered = 0;
  while (reader->Read(&frame)) {
    messages.clear();
    absl::Status decoded = decoder.Decode(frame, &messages);
    if (decoded.ok()) decoded = CheckMessages(messages, *caller, self_);
    if (!decoded.ok()) return ToGrpc(decoded);
    for (Message& message : messages) {
      if (!sink_->Deliver(std::move(message))) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, "transport is stopping");
      }
      ++delivered;
    }
  }
  summary->set_delivered_message_count(delivered);
  return grpc::Status::OK;
}

}  // namespace hamster::raft::grpc_transport
