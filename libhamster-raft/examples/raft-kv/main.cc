// raft-kv: a replicated key-value server built only from libhamster-raft's public API: a Node
// (hamster::raft_node) on RocksDB storage (hamster::raft_rocksdb) talking to its peers over
// gRPC with mutual TLS (hamster::raft_grpc). Clients speak a line protocol (kv_server.h).
//
//   raft-kv --id=1 --data-dir=/var/lib/kv1 --client-address=127.0.0.1:8001
//           --members=1=127.0.0.1:7001,2=127.0.0.1:7002,3=127.0.0.1:7003
//           --ca=ca.crt --cert=node-1.crt --key=node-1.key [--tick-ms=50]
//
// --members lists every member (this one included) with its Raft address; the first start
// of a member's data directory makes them the initial voters. SIGTERM or SIGINT stops it.

#include <signal.h>

#include <charconv>
#include <cstdio>
#include <map>
#include <string>
#include <string_view>

#include "hamster/raft/grpc_transport.h"
#include "hamster/raft/node.h"
#include "hamster/raft/rocksdb_storage.h"
#include "kv_server.h"
#include "kv_state_machine.h"

namespace {

using hamster::raft::NodeId;

struct Flags {
  NodeId id = hamster::raft::kNoNode;
  std::string data_dir, client_address, ca, cert, key;
  std::map<NodeId, std::string> members;
  int tick_ms = 50;
};

bool ParseNumber(std::string_view text, uint64_t* out) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size();
}

// "1=host:port,2=host:port"
bool ParseMembers(std::string_view text, std::map<NodeId, std::string>* members) {
  while (!text.empty()) {
    const std::string_view item = text.substr(0, text.find(','));
    text.remove_prefix(std::min(text.size(), item.size() + 1));
    const size_t equals = item.find('=');
    NodeId id = 0;
    if (equals == std::string_view::npos || !ParseNumber(item.substr(0, equals), &id) || id == 0 ||
        equals + 1 == item.size()) {
      return false;
    }
    (*members)[id] = std::string(item.substr(equals + 1));
  }
  return !members->empty();
}

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const size_t equals = arg.find('=');
    if (!arg.starts_with("--") || equals == std::string_view::npos) return false;
    const std::string_view name = arg.substr(2, equals - 2);
    const std::string value(arg.substr(equals + 1));
    uint64_t number = 0;
    if (name == "id" && ParseNumber(value, &number)) {
      flags->id = number;
    } else if (name == "tick-ms" && ParseNumber(value, &number) && number > 0) {
      flags->tick_ms = static_cast<int>(number);
    } else if (name == "members") {
      if (!ParseMembers(value, &flags->members)) return false;
    } else if (name == "data-dir") {
      flags->data_dir = value;
    } else if (name == "client-address") {
      flags->client_address = value;
    } else if (name == "ca") {
      flags->ca = value;
    } else if (name == "cert") {
      flags->cert = value;
    } else if (name == "key") {
      flags->key = value;
    } else {
      return false;
    }
  }
  return flags->id != 0 && flags->members.contains(flags->id) && !flags->data_dir.empty() &&
         !flags->client_address.empty() && !flags->ca.empty() && !flags->cert.empty() &&
         !flags->key.empty();
}

int Fail(std::string_view what, const absl::Status& status) {
  std::fprintf(stderr, "raft-kv: %.*s: %s\n", static_cast<int>(what.size()), what.data(),
               status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr,
                 "usage: raft-kv --id=N --data-dir=DIR --client-address=HOST:PORT"
                 " --members=ID=HOST:PORT,... --ca=FILE --cert=FILE --key=FILE"
                 " [--tick-ms=N]\n");
    return 2;
  }
  // Every thread started from here on inherits the mask; main waits for the signal.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  hamster::raft::ConfState initial;
  for (const auto& [id, address] : flags.members) initial.voters.push_back(id);
  auto storage = hamster::raft::RocksDbStorage::Open(flags.data_dir, initial);
  if (!storage.ok()) return Fail("storage", storage.status());

  hamster::raft::GrpcTransportOptions transport_options;
  transport_options.node_id = flags.id;
  transport_options.listen_address = flags.members[flags.id];
  transport_options.ca_cert_path = flags.ca;
  transport_options.cert_path = flags.cert;
  transport_options.key_path = flags.key;
  auto transport = hamster::raft::GrpcTransport::Create(transport_options);
  if (!transport.ok()) return Fail("transport", transport.status());

  raft_kv::KvStateMachine kv;
  hamster::raft::NodeOptions options;
  options.raft.id = flags.id;
  options.raft.random_seed = flags.id;
  options.storage = storage->get();
  options.transport = transport->get();
  options.state_machine = &kv;
  options.peers = flags.members;
  options.tick_interval = std::chrono::milliseconds(flags.tick_ms);
  auto node = hamster::raft::Node::Start(options);
  if (!node.ok()) return Fail("node", node.status());

  raft_kv::KvServer server(node->get(), &kv);
  const absl::Status listening = server.Start(flags.client_address);
  if (!listening.ok()) return Fail("client listener", listening);
  std::printf("raft-kv node %llu ready\n", static_cast<unsigned long long>(flags.id));
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.Stop();
  (*node)->Stop();
  return 0;
}
