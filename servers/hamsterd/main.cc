// hamsterd: parse flags, open the node's storage, serve S3 until SIGTERM or
// SIGINT, then drain. Everything of substance lives in libraries.
#include <openssl/rand.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "admin_api.h"
#include "credentials.h"
#include "flags.h"
#include "hamster/node/local_node.h"
#include "hamster/s3/http_server.h"
#include "hamster/s3/service.h"

namespace hamster::hamsterd {
namespace {

constexpr int kProtocolGeneration = 1;

int Fail(const absl::Status& status, int exit_code) {
  std::cerr << "hamsterd: " << status.message() << "\n";
  return exit_code;
}

// Request ids: a random per-process prefix and a counter, unique across
// restarts without coordination.
class RequestIds {
 public:
  RequestIds() {
    uint8_t bytes[4] = {};
    RAND_bytes(bytes, sizeof(bytes));
    prefix_ = absl::StrFormat("%02X%02X%02X%02X", bytes[0], bytes[1], bytes[2], bytes[3]);
  }
  std::string Next() { return absl::StrFormat("%s%012X", prefix_, counter_.fetch_add(1) + 1); }

 private:
  std::string prefix_;
  std::atomic<uint64_t> counter_{0};
};

// Blocks the shutdown signals in every thread (threads inherit the mask), so
// the main thread alone receives them through sigwait().
sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a vanished client is an error value, not a death
  return signals;
}

// A TEST ONLY knob from the environment: nullopt when unset, an error naming
// the variable and its range when it is not a whole number in [min, max].
// One in effect is announced on stderr, so a log shows it was set.
absl::StatusOr<std::optional<int64_t>> TestOnlyKnob(const char* name, int64_t min, int64_t max) {
  const char* text = std::getenv(name);
  if (text == nullptr) return std::nullopt;
  int64_t value = 0;
  if (!absl::SimpleAtoi(text, &value) || value < min || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be a whole number from ", min, " to ", max));
  }
  std::cerr << "hamsterd: TEST ONLY: " << name << "=" << value << "\n";
  return value;
}

// Never set these in production. HAMSTER_TEST_ONLY_CLOCK_OFFSET_SECONDS
// shifts the node's clock (not the S3 signature clock) so tests can let object
// lock retention expire without waiting (docs/versioning-and-lock.md);
// HAMSTER_TEST_ONLY_REWRAP_DELAY_MS pauses the key re-wrapper after each batch
// and HAMSTER_TEST_ONLY_REWRAP_BATCH_RECORDS sets its batch size, so a test
// can kill hamsterd in the middle of a rotation (docs/encryption.md).
absl::Status ApplyTestOnlyKnobs(node::LocalNodeOptions& options) {
  constexpr int64_t kTenYearsSeconds = int64_t{10} * 366 * 24 * 3600;
  absl::StatusOr<std::optional<int64_t>> offset =
      TestOnlyKnob("HAMSTER_TEST_ONLY_CLOCK_OFFSET_SECONDS", -kTenYearsSeconds, kTenYearsSeconds);
  if (!offset.ok()) return offset.status();
  if (offset->has_value()) options.test_only_clock_offset = absl::Seconds(**offset);
  absl::StatusOr<std::optional<int64_t>> delay =
      TestOnlyKnob("HAMSTER_TEST_ONLY_REWRAP_DELAY_MS", 0, 60000);
  if (!delay.ok()) return delay.status();
  if (delay->has_value()) options.test_only_rewrap_delay = absl::Milliseconds(**delay);
  absl::StatusOr<std::optional<int64_t>> batch =
      TestOnlyKnob("HAMSTER_TEST_ONLY_REWRAP_BATCH_RECORDS", 1, 100000);
  if (!batch.ok()) return batch.status();
  if (batch->has_value()) options.rewrap_batch_records = size_t(**batch);
  return absl::OkStatus();
}

// The admin API's server, or null when --admin-listen off.
absl::StatusOr<std::unique_ptr<s3::HttpServer>> StartAdmin(const ServeFlags& flags, AdminApi& api) {
  if (!flags.admin_enabled) return nullptr;
  absl::StatusOr<std::unique_ptr<s3::HttpServer>> server =
      s3::HttpServer::Start({.address = flags.admin_host,
                             .port = AdminPort(flags),
                             .max_connections = 16,
                             .max_header_bytes = flags.max_header_bytes,
                             .header_timeout = flags.header_timeout},
                            &api);
  if (!server.ok()) {
    return absl::Status(server.status().code(),
                        absl::StrCat("admin API (--admin-listen): ", server.status().message()));
  }
  std::cout << "hamsterd: admin API on http://" << flags.admin_host << ":" << (*server)->port()
            << std::endl;
  return server;
}

int Serve(const ServeFlags& flags) {
  const sigset_t signals = BlockShutdownSignals();
  node::LocalNodeOptions node_options{.data_dir = flags.data_dir,
                                      .keyring_path = flags.keyring_path};
  // One write per line, so lines from background threads never interleave.
  node_options.warn = [](std::string_view message) {
    std::string line = "hamsterd: warning: ";
    line.append(message).push_back('\n');
    std::cerr << line << std::flush;
  };
  if (absl::Status s = ApplyTestOnlyKnobs(node_options); !s.ok()) return Fail(s, 2);
  absl::StatusOr<std::unique_ptr<node::LocalNode>> node = node::LocalNode::Open(node_options);
  if (!node.ok()) return Fail(node.status(), 1);
  absl::StatusOr<RootCredentials> root = LoadRootCredentials(flags.data_dir);
  if (!root.ok()) {
    return Fail(root.status(), root.status().code() == absl::StatusCode::kInvalidArgument ? 2 : 1);
  }
  if (root->generated) {
    std::cout << "hamsterd: generated root credentials (stored in " << flags.data_dir
              << "/root-credentials, shown only now):\n"
              << "  access key: " << root->access_key_id << "\n"
              << "  secret key: " << root->secret_key << "\n";
  }
  RootCredentialStore credentials(*root);
  RequestIds request_ids;
  s3::S3Service service({.backend = &(*node)->backend(),
                         .credentials = &credentials,
                         .region = flags.region,
                         .virtual_host_domain = flags.domain,
                         .now = [] { return absl::Now(); },
                         .new_request_id = [&request_ids] { return request_ids.Next(); }});
  absl::StatusOr<std::unique_ptr<s3::HttpServer>> server =
      s3::HttpServer::Start({.address = flags.listen_host,
                             .port = flags.listen_port,
                             .max_header_bytes = flags.max_header_bytes,
                             .header_timeout = flags.header_timeout},
                            &service);
  if (!server.ok()) return Fail(server.status(), 1);
  AdminApi admin_api(
      {.node = node->get(), .credentials = &credentials, .region = flags.region, .now = [] {
         return absl::Now();
       }});
  absl::StatusOr<std::unique_ptr<s3::HttpServer>> admin_server = StartAdmin(flags, admin_api);
  if (!admin_server.ok()) return Fail(admin_server.status(), 1);
  std::cout << "hamsterd: serving S3 on http://" << flags.listen_host << ":" << (*server)->port()
            << " (data in " << flags.data_dir << ")" << std::endl;
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::cout << "hamsterd: " << (signal_number == SIGTERM ? "SIGTERM" : "SIGINT")
            << ", draining requests in flight" << std::endl;
  if (*admin_server != nullptr) (*admin_server)->Shutdown(absl::Seconds(5));
  (*server)->Shutdown(flags.shutdown_grace);
  admin_server->reset();
  server->reset();
  node->reset();
  std::cout << "hamsterd: stopped" << std::endl;
  return 0;
}

}  // namespace
}  // namespace hamster::hamsterd

int main(int argc, char** argv) {
  using namespace hamster::hamsterd;
  absl::StatusOr<Invocation> invocation =
      ParseCommandLine(std::span<char* const>(argv + 1, static_cast<size_t>(argc - 1)));
  if (!invocation.ok()) return Fail(invocation.status(), 2);
  switch (invocation->command) {
    case Command::kHelp:
      std::cout << kUsage;
      return 0;
    case Command::kVersion:
      std::cout << "hamsterd " << HAMSTER_VERSION << " (protocol generation " << kProtocolGeneration
                << ")\n";
      return 0;
    case Command::kServe:
      return Serve(invocation->serve);
  }
  return 2;
}
