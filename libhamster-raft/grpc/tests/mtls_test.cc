// Who may talk to a transport: only holders of a certificate from the cluster CA, and only
// as the node their certificate names. Raw gRPC clients play the impostors.

#include <grpcpp/grpcpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "hamster/raft/grpc_transport.h"
#include "hamster/raft/wire/raft_transport.grpc.pb.h"
#include "recording_sink.h"
#include "service.h"
#include "test_pki.h"
#include "wire.h"

namespace hamster::raft {
namespace {

using testing::CertFiles;
using testing::ReadWholeFile;
using testing::RecordingSink;
using testing::TestPki;

struct Server {
  explicit Server(TestPki& pki, NodeId id = 2) {
    transport = testing::StartTransport(pki.NodeOptions(id), &sink);
    address = testing::LoopbackAddress(*transport);
  }
  RecordingSink sink;
  std::unique_ptr<GrpcTransport> transport;
  std::string address;
};

std::shared_ptr<grpc::ChannelCredentials> Credentials(const TestPki& trusted,
                                                      const CertFiles* identity) {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadWholeFile(trusted.ca_cert_path());
  if (identity != nullptr) {
    ssl.pem_cert_chain = ReadWholeFile(identity->cert_path);
    ssl.pem_private_key = ReadWholeFile(identity->key_path);
  }
  return grpc::SslCredentials(ssl);
}

// Opens a stream to node 2 at `address` claiming to be `claimed_id`, sends one heartbeat
// from `from`, and returns how the stream ended.
grpc::Status SendRaw(const std::string& address,
                     std::shared_ptr<grpc::ChannelCredentials> credentials, NodeId claimed_id,
                     NodeId from) {
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("node-2");
  auto stub = wire::RaftTransport::NewStub(
      grpc::CreateCustomChannel(address, std::move(credentials), args));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + testing::kDeadline);
  context.AddMetadata(grpc_transport::kNodeIdMetadataKey, std::to_string(claimed_id));
  wire::StreamSummary summary;
  auto writer = stub->Stream(&context, &summary);
  wire::Frame frame;
  frame.set_protocol_version(grpc_transport::kProtocolVersion);
  grpc_transport::ToWire(Message{.type = MessageType::kHeartbeat, .from = from, .to = 2, .term = 1},
                         frame.add_messages());
  writer->Write(frame);
  writer->WritesDone();
  return writer->Finish();
}

TEST_CASE("mTLS: a client with a valid certificate and honest id is served", "[raft_grpc]") {
  TestPki pki("hamster-test-ca");
  Server server(pki);
  const CertFiles node3 = pki.IssueNode(3);
  const grpc::Status status = SendRaw(server.address, Credentials(pki, &node3), 3, 3);
  INFO(status.error_message());
  CHECK(status.ok());
  REQUIRE(server.sink.WaitForMessages(1));
  CHECK(server.sink.messages()[0].from == 3);
}

TEST_CASE("mTLS: a client without a certificate is refused", "[raft_grpc]") {
  TestPki pki("hamster-test-ca");
  Server server(pki);
  const grpc::Status status = SendRaw(server.address, Credentials(pki, nullptr), 3, 3);
  CHECK(status.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(server.sink.message_count() == 0);
}

TEST_CASE("mTLS: a client with a certificate from another CA is refused", "[raft_grpc]") {
  TestPki pki("hamster-test-ca");
  TestPki rogue("rogue-ca");
  Server server(pki);
  const CertFiles impostor = rogue.IssueNode(3);
  const grpc::Status status = SendRaw(server.address, Credentials(pki, &impostor), 3, 3);
  CHECK(status.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(server.sink.message_count() == 0);
}

TEST_CASE("mTLS: a client claiming an id its certificate does not name is refused", "[raft_grpc]") {
  TestPki pki("hamster-test-ca");
  Server server(pki);
  const CertFiles node3 = pki.IssueNode(3);
  SECTION("in the stream's metadata") {
    const grpc::Status status = SendRaw(server.address, Credentials(pki, &node3), 1, 1);
    INFO(status.error_message());
    CHECK(status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  }
  SECTION("in a message's from") {
    const grpc::Status status = SendRaw(server.address, Credentials(pki, &node3), 3, 1);
    INFO(status.error_message());
    CHECK(status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  }
  SECTION("with a certificate that names no node") {
    const CertFiles nameless = pki.Issue("example.org");
    const grpc::Status status = SendRaw(server.address, Credentials(pki, &nameless), 3, 3);
    INFO(status.error_message());
    CHECK(status.error_code() == grpc::StatusCode::PERMISSION_DENIED);
  }
  CHECK(server.sink.message_count() == 0);
}

TEST_CASE("mTLS: transports under different CAs do not talk", "[raft_grpc]") {
  TestPki pki("hamster-test-ca");
  TestPki rogue("rogue-ca");
  Server server(pki, 2);
  Server outsider(rogue, 1);
  outsider.transport->AddPeer(2, server.address);
  server.transport->AddPeer(1, outsider.address);
  outsider.transport->Send({Message{.type = MessageType::kHeartbeat, .from = 1, .to = 2}});
  server.transport->Send({Message{.type = MessageType::kHeartbeat, .from = 2, .to = 1}});
  REQUIRE(outsider.sink.WaitForUnreachable(2));
  REQUIRE(server.sink.WaitForUnreachable(1));
  CHECK(server.sink.message_count() == 0);
  CHECK(outsider.sink.message_count() == 0);
  CHECK(outsider.transport->peer_stats(2)->connect_failures > 0);
}

TEST_CASE("mTLS: a client refuses a server whose certificate names another node", "[raft_grpc]") {
  TestPki pki("hamster-test-ca");
  Server client(pki, 1);
  Server node2(pki, 2);
  // Node 3 is expected at node 2's address: node 2 must not receive node 3's messages.
  client.transport->AddPeer(3, node2.address);
  client.transport->Send({Message{.type = MessageType::kHeartbeat, .from = 1, .to = 3}});
  REQUIRE(client.sink.WaitForUnreachable(3));
  CHECK(node2.sink.message_count() == 0);
  CHECK_FALSE(client.transport->peer_stats(3)->connected);
}

TEST_CASE("GrpcTransport: Create checks the options and the certificate", "[raft_grpc]") {
  TestPki pki("hamster-test-ca");
  const GrpcTransportOptions good = pki.NodeOptions(1);
  REQUIRE(GrpcTransport::Create(good).ok());

  GrpcTransportOptions options = good;
  options.node_id = 2;
  CHECK(GrpcTransport::Create(options).status().code() == absl::StatusCode::kInvalidArgument);
  options = good;
  options.node_id = kNoNode;
  CHECK(GrpcTransport::Create(options).status().code() == absl::StatusCode::kInvalidArgument);
  options = good;
  options.max_queued_messages_per_peer = 0;
  CHECK(GrpcTransport::Create(options).status().code() == absl::StatusCode::kInvalidArgument);
  options = good;
  options.reconnect_delay_ms_max = options.reconnect_delay_ms_min - 1;
  CHECK(GrpcTransport::Create(options).status().code() == absl::StatusCode::kInvalidArgument);
  options = good;
  options.key_path += ".missing";
  CHECK(GrpcTransport::Create(options).status().code() == absl::StatusCode::kNotFound);
  options = good;
  options.ca_cert_path = "";
  CHECK(GrpcTransport::Create(options).status().code() == absl::StatusCode::kInvalidArgument);
  options = good;
  options.cert_path = pki.Issue("example.org").cert_path;
  CHECK(GrpcTransport::Create(options).status().code() == absl::StatusCode::kInvalidArgument);
  options = good;
  options.cert_path = good.key_path;  // not a certificate
  CHECK(GrpcTransport::Create(options).status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace hamster::raft
