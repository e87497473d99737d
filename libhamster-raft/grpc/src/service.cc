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

absl::StatusOr<NodeId> ParseClaimedId(const grpc::ServerContextBase& context) {
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

absl::StatusOr<NodeId> RaftService::AcceptCaller(const grpc::ServerContextBase& context) const {
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

// One per stream; deletes itself when gRPC is done with it. Reads are serialised (the next
// starts only after a frame was delivered), so the members need no lock, and a slow sink
// holds back the sender through HTTP/2 flow control rather than through memory.
class RaftService::StreamReactor final : public grpc::ServerReadReactor<wire::Frame> {
 public:
  // Refuses the stream with `refusal`.
  explicit StreamReactor(const absl::Status& refusal) { Finish(ToGrpc(refusal)); }

  StreamReactor(const RaftService& service, NodeId caller, grpc::CallbackServerContext* context,
                wire::StreamSummary* summary)
      : service_(&service),
        caller_(caller),
        summary_(summary),
        decoder_(service.max_message_bytes_) {
    context->AddInitialMetadata(kNodeIdMetadataKey, absl::StrCat(service.self_));
    StartSendInitialMetadata();
    StartRead(&frame_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client finished its side, or the call was cancelled
      summary_->set_delivered_message_count(delivered_);
      Finish(grpc::Status::OK);
      return;
    }
    messages_.clear();
    absl::Status decoded = decoder_.Decode(frame_, &messages_);
    if (decoded.ok()) decoded = CheckMessages(messages_, caller_, service_->self_);
    if (!decoded.ok()) {
      Finish(ToGrpc(decoded));
      return;
    }
    for (Message& message : messages_) {
      if (!service_->sink_->Deliver(std::move(message))) {
        Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "transport is stopping"));
        return;
      }
      ++delivered_;
    }
    StartRead(&frame_);
  }

  void OnDone() override { delete this; }

 private:
  const RaftService* const service_ = nullptr;
  const NodeId caller_ = kNoNode;
  wire::StreamSummary* const summary_ = nullptr;
  FrameDecoder decoder_{0};
  wire::Frame frame_;
  std::vector<Message> messages_;
  uint64_t delivered_ = 0;
};

grpc::ServerReadReactor<wire::Frame>* RaftService::Stream(grpc::CallbackServerContext* context,
                                                          wire::StreamSummary* summary) {
  const absl::StatusOr<NodeId> caller = AcceptCaller(*context);
  if (!caller.ok()) return new StreamReactor(caller.status());
  return new StreamReactor(*this, *caller, context, summary);
}

}  // namespace hamster::raft::grpc_transport
