#include "peer_lane.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "identity.h"
#include "service.h"
#include "wire.h"

namespace hamster::raft::grpc_transport {
namespace {

// A batch taken from the queue is cut near this size so the queue keeps accepting while a
// batch is on the wire.
constexpr uint64_t kBatchBytes = 4 * kFrameBytes;
// How often a blocking wait checks for Stop().
constexpr auto kStopPollInterval = std::chrono::milliseconds(50);
// Keepalive finds a peer that vanished without closing the connection; the server allows
// pings this often (service side: kMinPingIntervalMs in grpc_transport.cc).
constexpr int kKeepaliveTimeMs = 10'000;
constexpr int kKeepaliveTimeoutMs = 10'000;
// Write-at-once bounds: small messages only (a large one would hold the caller for its TLS
// and copy work), and well inside the 64 KiB HTTP/2 stream window the peer renews as it
// reads, so that such a write never waits for the peer.
constexpr uint64_t kWriteNowMaxBytes = 4 << 10;
constexpr uint64_t kWriteNowBudgetBytes = 16 << 10;

grpc::ChannelArguments ChannelArgs(const LaneConfig& config) {
  grpc::ChannelArguments args;
  // The certificate must name the peer we mean to reach, whatever the address.
  args.SetSslTargetNameOverride(NodeIdentity(config.peer));
  // A fresh connection per attempt (the lane runs its own backoff): a shared one could sit in
  // gRPC's reconnect backoff, up to two minutes, after the peer comes back.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // gRPC 1.51 also takes this as the time a connection attempt (TCP, TLS, HTTP/2 settings)
  // may take, so it must not be a small backoff.
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, config.options->connect_timeout_ms);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, kKeepaliveTimeMs);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, kKeepaliveTimeoutMs);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  return args;
}

}  // namespace

PeerLane::PeerLane(LaneConfig config) : config_(std::move(config)) {
  thread_ = std::thread([this] { Run(); });
}

PeerLane::~PeerLane() {
  Stop();
  Join();
}

void PeerLane::Enqueue(Message message) {
  const uint64_t size = MessageSizeBytes(message);
  const GrpcTransportOptions& options = *config_.options;
  std::unique_lock lock(mutex_);
  const bool fits = queue_.empty() || (queue_.size() < options.max_queued_messages_per_peer &&
                                       queued_bytes_ + size <= options.max_queued_bytes_per_peer);
  if (stopping_ || !fits || size > options.max_message_bytes) {
    ++dropped_messages_;
    lock.unlock();
    config_.reporter->Report(config_.peer);
    return;
  }
  if (CanWriteNowLocked(size)) {
    WriteNow(std::move(message), size, lock);
    return;
  }
  queue_.push_back(std::move(message));
  queued_bytes_ += size;
  wake_.notify_one();
}

void PeerLane::HeardFrom() {
  std::lock_guard lock(mutex_);
  unanswered_bytes_ = 0;
}

bool PeerLane::CanWriteNowLocked(uint64_t size) const {
  return connected_ && !writing_ && !write_now_failed_ && !stopping_ && queue_.empty() &&
         size <= kWriteNowMaxBytes && unanswered_bytes_ + size <= kWriteNowBudgetBytes;
}

// connected_ and !writing_ make writer_ ours until writing_ is cleared: the lane's thread
// neither writes nor closes the stream meanwhile (it waits for writing_ to end).
void PeerLane::WriteNow(Message message, uint64_t size, std::unique_lock<std::mutex>& lock) {
  writing_ = true;
  unanswered_bytes_ += size;
  lock.unlock();
  std::vector<Message> batch;
  batch.push_back(std::move(message));
  const bool written = WriteFrames(std::move(batch));
  lock.lock();
  writing_ = false;
  if (written) {
    ++sent_messages_;
    ++written_at_once_;
  } else {
    ++dropped_messages_;
    write_now_failed_ = true;
  }
  // Only when the lane's thread has something to do: a spurious wake-up is what this saves.
  // After a failure it learns why, records it and reports the peer unreachable (Fail()).
  if (!written || stopping_ || !queue_.empty()) wake_.notify_one();
}

void PeerLane::Stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  if (active_context_ != nullptr) active_context_->TryCancel();
  wake_.notify_one();
}

void PeerLane::Join() {
  if (thread_.joinable()) thread_.join();
}

void PeerLane::AddStats(GrpcPeerStats* stats) const {
  std::lock_guard lock(mutex_);
  stats->queued_messages += queue_.size();
  stats->queued_bytes += queued_bytes_;
  stats->sent_messages += sent_messages_;
  stats->written_at_once += written_at_once_;
  stats->dropped_messages += dropped_messages_;
  stats->connect_failures += connect_failures_;
  stats->connected = stats->connected || connected_;
  if (!last_error_.empty()) stats->last_error = last_error_;
}

void PeerLane::Run() {
  int delay_ms = 0;
  while (true) {
    std::vector<Message> batch;
    bool write_now_failed = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] {
        return stopping_ || (!writing_ && (write_now_failed_ || !queue_.empty()));
      });
      if (stopping_) break;
      write_now_failed = std::exchange(write_now_failed_, false);
      if (write_now_failed) {
        connected_ = false;  // the stream is closed below; no caller may write to it meanwhile
      } else {
        batch = TakeBatchLocked();
        writing_ = true;
      }
    }
    const size_t batch_size = batch.size();
    absl::Status sent;
    if (write_now_failed) {
      sent = StreamFailure("closed the stream");
    } else {
      sent = writer_ != nullptr ? absl::OkStatus() : Connect();
      if (sent.ok()) sent = WriteBatch(std::move(batch));
      std::lock_guard lock(mutex_);
      writing_ = false;
      if (!sent.ok()) connected_ = false;
    }
    if (sent.ok()) {
      delay_ms = 0;
      continue;
    }
    CloseStream();
    Fail(sent, batch_size);
    Backoff(&delay_ms);
  }
  {
    // Stop() cancelled the stream, so a caller's write in progress ends soon.
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [&] { return !writing_; });
  }
  CloseStream();
  finished_.store(true);
}

std::vector<Message> PeerLane::TakeBatchLocked() {
  std::vector<Message> batch;
  uint64_t batch_bytes = 0;
  while (!queue_.empty() && (batch.empty() || batch_bytes < kBatchBytes)) {
    const uint64_t size = MessageSizeBytes(queue_.front());
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
    queued_bytes_ -= size;
    batch_bytes += size;
  }
  unanswered_bytes_ += batch_bytes;
  return batch;
}

absl::Status PeerLane::Connect() {
  channel_ = grpc::CreateCustomChannel(config_.address, config_.credentials, ChannelArgs(config_));
  absl::Status connected = WaitReady(*channel_);
  if (connected.ok()) {
    stub_ = wire::RaftTransport::NewStub(channel_);
    connected = OpenStream();
  }
  if (!connected.ok()) {
    std::lock_guard lock(mutex_);
    ++connect_failures_;
  }
  return connected;
}

// Returns once the channel is ready, or as soon as it fails, times out or the lane stops.
absl::Status PeerLane::WaitReady(grpc::Channel& channel) {
  const auto deadline = std::chrono::system_clock::now() +
                        std::chrono::milliseconds(config_.options->connect_timeout_ms);
  const auto failure = [&](absl::StatusCode code, std::string_view why) {
    return absl::Status(
        code, absl::StrCat("cannot connect to node ", config_.peer, " at ", config_.address, ": ",
                           absl::string_view(why.data(), why.size())));
  };
  grpc_connectivity_state state = channel.GetState(/*try_to_connect=*/true);
  while (state != GRPC_CHANNEL_READY) {
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) {
      return failure(absl::StatusCode::kUnavailable, "connection refused or TLS handshake failed");
    }
    const auto now = std::chrono::system_clock::now();
    if (now >= deadline) {
      return failure(absl::StatusCode::kDeadlineExceeded, "timed out");
    }
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return absl::CancelledError("lane stopped");
    }
    channel.WaitForStateChange(state, std::min(deadline, now + kStopPollInterval));
    state = channel.GetState(/*try_to_connect=*/true);
  }
  return absl::OkStatus();
}

absl::Status PeerLane::OpenStream() {
  context_ = std::make_unique<grpc::ClientContext>();
  context_->AddMetadata(kNodeIdMetadataKey, absl::StrCat(config_.self));
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return absl::CancelledError("lane stopped");
    active_context_ = context_.get();
  }
  writer_ = stub_->Stream(context_.get(), &summary_);
  // The server sends its initial metadata only once it accepted us, so this waits for the
  // verdict before anything is written.
  writer_->WaitForInitialMetadata();
  absl::Status verified = VerifyServer();
  if (!verified.ok()) return verified;
  std::lock_guard lock(mutex_);
  connected_ = true;
  return absl::OkStatus();
}

absl::Status PeerLane::VerifyServer() {
  const auto& metadata = context_->GetServerInitialMetadata();
  const auto it = metadata.find(kNodeIdMetadataKey);
  if (it == metadata.end()) return StreamFailure("refused the stream");
  // The TLS target name already bound the handshake to the peer's certificate; checking the
  // authenticated identity again keeps that promise independent of gRPC's hostname rules.
  const std::shared_ptr<const grpc::AuthContext> auth = context_->auth_context();
  absl::StatusOr<NodeId> server = auth == nullptr
                                      ? absl::UnauthenticatedError("no authentication context")
                                      : AuthenticatedPeer(*auth);
  if (!server.ok()) return server.status();
  const std::string expected = absl::StrCat(config_.peer);
  if (*server != config_.peer ||
      std::string_view(it->second.data(), it->second.size()) != expected) {
    return absl::PermissionDeniedError(absl::StrCat("expected node ", config_.peer, " at ",
                                                    config_.address, ", found node ", *server));
  }
  return absl::OkStatus();
}

bool PeerLane::WriteFrames(std::vector<Message> batch) {
  FrameEncoder encoder(std::move(batch));
  wire::Frame frame;
  while (encoder.Next(&frame)) {
    if (!writer_->Write(frame)) return false;
  }
  return true;
}

absl::Status PeerLane::WriteBatch(std::vector<Message> batch) {
  const size_t batch_size = batch.size();
  if (!WriteFrames(std::move(batch))) return StreamFailure("closed the stream");
  std::lock_guard lock(mutex_);
  sent_messages_ += batch_size;
  return absl::OkStatus();
}

// The stream is over: its status says why (the server's refusal, a reset, a cancellation).
absl::Status PeerLane::StreamFailure(const char* what) {
  const grpc::Status status = writer_->Finish();
  writer_.reset();
  return absl::Status(status.ok() ? absl::StatusCode::kUnavailable
                                  : static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat("node ", config_.peer, " at ", config_.address, " ", what, ": ",
                                   status.error_message()));
}

void PeerLane::CloseStream() {
  if (writer_ != nullptr) {
    context_->TryCancel();
    // Cancelled on purpose: the status says nothing new.
    writer_->Finish();
    writer_.reset();
  }
  std::lock_guard lock(mutex_);
  active_context_ = nullptr;
  connected_ = false;
}

void PeerLane::Fail(const absl::Status& status, size_t batch_size) {
  size_t dropped = batch_size;
  {
    std::lock_guard lock(mutex_);
    // Queued messages are stale by the time a connection returns; Raft resends what matters.
    dropped += queue_.size();
    queue_.clear();
    queued_bytes_ = 0;
    dropped_messages_ += dropped;
    last_error_ = status.ToString();
  }
  config_.reporter->Report(config_.peer);
}

void PeerLane::Backoff(int* delay_ms) {
  const GrpcTransportOptions& options = *config_.options;
  *delay_ms = *delay_ms == 0 ? options.reconnect_delay_ms_min
                             : std::min(2 * *delay_ms, options.reconnect_delay_ms_max);
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, std::chrono::milliseconds(*delay_ms), [&] { return stopping_; });
}

}  // namespace hamster::raft::grpc_transport
