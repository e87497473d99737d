#include "hamster/raft/grpc_transport.h"

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "identity.h"
#include "peer_lane.h"
#include "reporter.h"
#include "service.h"
#include "sink_guard.h"
#include "wire.h"

namespace hamster::raft {
namespace {

using grpc_transport::LaneConfig;
using grpc_transport::PeerLane;

// Lets clients ping (keepalive) more often than gRPC's default of every five minutes.
constexpr int kMinPingIntervalMs = 5'000;

absl::StatusOr<std::string> ReadFile(const std::string& path, const char* what) {
  if (path.empty()) return absl::InvalidArgumentError(absl::StrCat(what, " path is empty"));
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", what, " ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat("cannot read ", what, " ", path));
  return contents.str();
}

absl::Status CheckOptions(const GrpcTransportOptions& options) {
  if (options.node_id == kNoNode) return absl::InvalidArgumentError("node_id must not be 0");
  if (options.listen_address.empty()) {
    return absl::InvalidArgumentError("listen_address is empty");
  }
  if (options.max_queued_messages_per_peer == 0 || options.max_queued_bytes_per_peer == 0 ||
      options.max_message_bytes == 0) {
    return absl::InvalidArgumentError("queue and message bounds must be positive");
  }
  if (options.connect_timeout_ms <= 0 || options.reconnect_delay_ms_min <= 0 ||
      options.reconnect_delay_ms_max < options.reconnect_delay_ms_min) {
    return absl::InvalidArgumentError(
        "connect_timeout_ms and reconnect delays must be positive, min <= max");
  }
  return absl::OkStatus();
}

// A peer has one lane for snapshot chunks and one for everything else. Shared: Send() writes
// through a lane outside the transport's lock, and a lane outlives its removal until then.
struct Peer {
  std::string address;
  std::shared_ptr<PeerLane> messages;
  std::shared_ptr<PeerLane> snapshots;

  void Stop() {
    messages->Stop();
    snapshots->Stop();
  }
  bool finished() const { return messages->finished() && snapshots->finished(); }
};

}  // namespace

class GrpcTransport::Impl {
 public:
  Impl(GrpcTransportOptions options, std::string ca_pem, std::string cert_pem, std::string key_pem)
      : options_(std::move(options)),
        ca_pem_(std::move(ca_pem)),
        cert_pem_(std::move(cert_pem)),
        key_pem_(std::move(key_pem)) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ca_pem_;
    ssl.pem_private_key = key_pem_;
    ssl.pem_cert_chain = cert_pem_;
    channel_credentials_ = grpc::SslCredentials(ssl);
  }
  ~Impl() { Stop(); }

  absl::Status Start(MessageSink* sink);
  void Send(std::vector<Message> messages);
  void AddPeer(NodeId peer, std::string address);
  void RemovePeer(NodeId peer);
  void Stop();
  int listen_port() const {
    std::lock_guard lock(mutex_);
    return port_;
  }
  std::optional<GrpcPeerStats> peer_stats(NodeId peer) const;

 private:
  enum class State { kCreated, kStarted, kStopped };

  // Between the service and the embedder's sink: a message from a peer shows it reads what
  // we send, which lets small messages to it be written at once (PeerLane::HeardFrom).
  class HeardFromSink final : public MessageSink {
   public:
    explicit HeardFromSink(Impl* impl) : impl_(impl) {}
    void Attach(MessageSink* next) { next_ = next; }
    void Deliver(Message message) override {
      impl_->HeardFrom(message.from);
      next_->Deliver(std::move(message));
    }
    void PeerUnreachable(NodeId peer) override { next_->PeerUnreachable(peer); }

   private:
    Impl* const impl_;
    MessageSink* next_ = nullptr;
  };

  void HeardFrom(NodeId peer) {
    std::shared_ptr<PeerLane> messages;
    std::shared_ptr<PeerLane> snapshots;
    {
      std::lock_guard lock(mutex_);
      const auto it = peers_.find(peer);
      if (it == peers_.end()) return;
      messages = it->second->messages;
      snapshots = it->second->snapshots;
    }
    messages->HeardFrom();
    snapshots->HeardFrom();
  }

  std::shared_ptr<PeerLane> NewLane(NodeId peer, const std::string& address) {
    return std::make_shared<PeerLane>(LaneConfig{.self = options_.node_id,
                                                 .peer = peer,
                                                 .address = address,
                                                 .credentials = channel_credentials_,
                                                 .options = &options_,
                                                 .reporter = &reporter_});
  }
  void RetireLocked(std::unique_ptr<Peer> peer);

  const GrpcTransportOptions options_;
  const std::string ca_pem_;
  const std::string cert_pem_;
  const std::string key_pem_;
  std::shared_ptr<grpc::ChannelCredentials> channel_credentials_;
  HeardFromSink heard_from_{this};
  grpc_transport::SinkGuard sink_;
  grpc_transport::UnreachableReporter reporter_{&sink_};

  mutable std::mutex mutex_;
  State state_ = State::kCreated;
  int port_ = 0;
  std::unique_ptr<grpc_transport::RaftService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::map<NodeId, std::unique_ptr<Peer>> peers_;
  // Removed peers whose threads may still be winding down; joined once finished, or in Stop().
  std::vector<std::unique_ptr<Peer>> retired_;
};

absl::Status GrpcTransport::Impl::Start(MessageSink* sink) {
  if (sink == nullptr) return absl::InvalidArgumentError("sink is null");
  std::lock_guard lock(mutex_);
  if (state_ != State::kCreated) {
    return absl::FailedPreconditionError("transport was already started");
  }
  grpc::SslServerCredentialsOptions ssl(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = ca_pem_;
  ssl.pem_key_cert_pairs.push_back({.private_key = key_pem_, .cert_chain = cert_pem_});
  service_ = std::make_unique<grpc_transport::RaftService>(options_.node_id,
                                                           options_.max_message_bytes, &sink_);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(options_.listen_address, grpc::SslServerCredentials(ssl), &port);
  builder.RegisterService(service_.get());
  builder.SetMaxReceiveMessageSize(static_cast<int>(2 * grpc_transport::kFrameBytes));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             kMinPingIntervalMs);
  // Without this a restarted node could share its port with a stale server still bound.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  heard_from_.Attach(sink);
  sink_.Attach(&heard_from_);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port == 0) {
    sink_.Detach();
    server_.reset();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.listen_address));
  }
  port_ = port;
  state_ = State::kStarted;
  return absl::OkStatus();
}

void GrpcTransport::Impl::Send(std::vector<Message> messages) {
  // Lanes are looked up under the lock and written to outside it: a lane may write a message
  // at once, and the service's threads must not wait for that to note a peer's answer.
  std::vector<std::shared_ptr<PeerLane>> lanes(messages.size());
  {
    std::lock_guard lock(mutex_);
    if (state_ == State::kStopped) return;
    for (size_t i = 0; i < messages.size(); ++i) {
      const auto it = peers_.find(messages[i].to);
      // Messages to members the driver never added have nowhere to go; the driver adds every
      // member it sends to, so this is only a race with RemovePeer().
      if (it == peers_.end()) continue;
      const Peer& peer = *it->second;
      lanes[i] = messages[i].type == MessageType::kSnapshot ? peer.snapshots : peer.messages;
    }
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    if (lanes[i] != nullptr) lanes[i]->Enqueue(std::move(messages[i]));
  }
}

void GrpcTransport::Impl::AddPeer(NodeId peer, std::string address) {
  std::lock_guard lock(mutex_);
  if (state_ == State::kStopped || peer == options_.node_id || peer == kNoNode) return;
  auto& slot = peers_[peer];
  if (slot != nullptr && slot->address == address) return;
  if (slot != nullptr) RetireLocked(std::move(slot));
  slot = std::make_unique<Peer>();
  slot->address = address;
  slot->messages = NewLane(peer, address);
  slot->snapshots = NewLane(peer, address);
}

void GrpcTransport::Impl::RemovePeer(NodeId peer) {
  std::lock_guard lock(mutex_);
  const auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  RetireLocked(std::move(it->second));
  peers_.erase(it);
}

// Never joins a running lane here: its thread may be inside the sink, and the caller may hold
// the lock the sink needs.
void GrpcTransport::Impl::RetireLocked(std::unique_ptr<Peer> peer) {
  peer->Stop();
  std::erase_if(retired_, [](const std::unique_ptr<Peer>& old) { return old->finished(); });
  retired_.push_back(std::move(peer));
}

void GrpcTransport::Impl::Stop() {
  std::vector<std::unique_ptr<Peer>> peers;
  std::unique_ptr<grpc::Server> server;
  {
    std::lock_guard lock(mutex_);
    if (state_ == State::kStopped) return;
    state_ = State::kStopped;
    for (auto& [id, peer] : peers_) peers.push_back(std::move(peer));
    peers_.clear();
    for (auto& peer : retired_) peers.push_back(std::move(peer));
    retired_.clear();
    server = std::move(server_);
  }
  sink_.Detach();
  for (auto& peer : peers) peer->Stop();
  peers.clear();  // joins the lanes' threads
  // A deadline of now cancels the long-lived streams instead of waiting for them to end.
  if (server != nullptr) server->Shutdown(std::chrono::system_clock::now());
}

std::optional<GrpcPeerStats> GrpcTransport::Impl::peer_stats(NodeId peer) const {
  std::lock_guard lock(mutex_);
  const auto it = peers_.find(peer);
  if (it == peers_.end()) return std::nullopt;
  GrpcPeerStats stats;
  stats.address = it->second->address;
  it->second->messages->AddStats(&stats);
  it->second->snapshots->AddStats(&stats);
  return stats;
}

absl::StatusOr<std::unique_ptr<GrpcTransport>> GrpcTransport::Create(GrpcTransportOptions options) {
  absl::Status valid = CheckOptions(options);
  if (!valid.ok()) return valid;
  absl::StatusOr<std::string> ca = ReadFile(options.ca_cert_path, "CA certificate");
  if (!ca.ok()) return ca.status();
  absl::StatusOr<std::string> cert = ReadFile(options.cert_path, "node certificate");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadFile(options.key_path, "node key");
  if (!key.ok()) return key.status();
  const absl::StatusOr<NodeId> named = grpc_transport::NodeIdFromCertificatePem(*cert);
  if (!named.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("node certificate ", options.cert_path, ": ", named.status().message()));
  }
  if (*named != options.node_id) {
    return absl::InvalidArgumentError(absl::StrCat("node certificate ", options.cert_path,
                                                   " names node ", *named, ", not node ",
                                                   options.node_id));
  }
  auto impl =
      std::make_unique<Impl>(std::move(options), *std::move(ca), *std::move(cert), *std::move(key));
  return std::unique_ptr<GrpcTransport>(new GrpcTransport(std::move(impl)));
}

GrpcTransport::GrpcTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
GrpcTransport::~GrpcTransport() = default;

absl::Status GrpcTransport::Start(MessageSink* sink) { return impl_->Start(sink); }
void GrpcTransport::Send(std::vector<Message> messages) { impl_->Send(std::move(messages)); }
void GrpcTransport::AddPeer(NodeId peer, std::string address) {
  impl_->AddPeer(peer, std::move(address));
}
void GrpcTransport::RemovePeer(NodeId peer) { impl_->RemovePeer(peer); }
void GrpcTransport::Stop() { impl_->Stop(); }
int GrpcTransport::listen_port() const { return impl_->listen_port(); }
std::optional<GrpcPeerStats> GrpcTransport::peer_stats(NodeId peer) const {
  return impl_->peer_stats(peer);
}

}  // namespace hamster::raft
