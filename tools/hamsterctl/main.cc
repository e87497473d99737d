// hamsterctl: the operator's CLI for a running hamsterd, over its admin API
// (docs/adr/0014-admin-api-and-key-rotation.md): HTTP + JSON, each request
// signed with SigV4 under the root credentials by the S3 client hamster-bench
// uses (tools/bench/s3_client.h).
#include <cstdio>
#include <iostream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "args.h"
#include "bench/s3_client.h"
#include "json.h"

namespace hamster::ctl {
namespace {

constexpr int kExitServer = 1;
constexpr int kExitUsage = 2;
constexpr absl::Duration kPollInterval = absl::Milliseconds(200);

int UsageError(absl::string_view message) {
  std::cerr << "hamsterctl: " << message << "\n";
  return kExitUsage;
}

int ServerError(absl::string_view message) {
  std::cerr << "hamsterctl: " << message << "\n";
  return kExitServer;
}

class AdminClient {
 public:
  AdminClient(bench::Endpoint endpoint, const Args& args)
      : endpoint_(endpoint.host_header),
        connection_(std::move(endpoint), {.access_key_id = args.access_key,
                                          .secret_key = args.secret_key,
                                          .region = args.region}) {}

  // The response's JSON for a 2xx; otherwise an error whose message is the
  // server's (kFailedPrecondition), or the transport's (kUnavailable).
  absl::StatusOr<JsonValue> Call(const std::string& method, const std::string& path) {
    absl::StatusOr<bench::S3Response> response =
        connection_.Execute({.method = method, .path = path, .keep_body_bytes = 1 << 20});
    if (!response.ok()) {
      return absl::UnavailableError(absl::StrCat("cannot reach the admin API at ", endpoint_, ": ",
                                                 std::string(response.status().message())));
    }
    absl::StatusOr<JsonValue> json = ParseJson(response->body);
    if (response->status / 100 == 2 && json.ok()) return json;
    const JsonValue* error = json.ok() ? json->Find("error") : nullptr;
    if (error == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          method, " ", path, ": HTTP ", response->status, " ", response->body.substr(0, 200)));
    }
    return absl::FailedPreconditionError(absl::StrCat(error->StringOr("code", "Error"), " (HTTP ",
                                                      response->status,
                                                      "): ", error->StringOr("message")));
  }

 private:
  std::string endpoint_;
  bench::S3Connection connection_;
};

std::string FormatTime(uint64_t unix_seconds) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixSeconds(int64_t(unix_seconds)),
                          absl::UTCTimeZone());
}

std::string ProgressLine(const JsonValue& rotation) {
  return absl::StrFormat("rotation %s to %s: %d of %d data keys re-wrapped, %d remaining",
                         rotation.StringOr("state"), rotation.StringOr("target_key", "?"),
                         rotation.CountOr("done"), rotation.CountOr("total"),
                         rotation.CountOr("remaining"));
}

std::string UnreadableLine(const JsonValue& rotation) {
  return absl::StrFormat(
      "%d data key(s) cannot be unwrapped and stay under their old master key (their objects "
      "are unreadable; the server retries every minute); first: %s",
      rotation.CountOr("unreadable"), rotation.StringOr("unreadable_error"));
}

void PrintStatus(const JsonValue& status) {
  std::cout << "active key: " << status.StringOr("active_key") << "\n";
  std::cout << "keys:\n";
  if (const JsonValue* keys = status.Find("keys"); keys != nullptr) {
    for (const JsonValue& key : keys->array) {
      std::cout << absl::StrFormat("  %-10s created %s  %d data keys%s%s\n", key.StringOr("id"),
                                   FormatTime(key.CountOr("created")), key.CountOr("references"),
                                   key.BoolOr("active") ? "  (active)" : "",
                                   key.BoolOr("in_keyring", true)
                                       ? ""
                                       : "  (NOT IN THE KEYRING: those objects are unreadable)");
    }
  }
  const JsonValue* rotation = status.Find("rotation");
  if (rotation == nullptr || rotation->StringOr("state") == "none") {
    std::cout << "rotation: none yet\n";
  } else {
    std::cout << ProgressLine(*rotation) << "\n";
  }
  if (rotation != nullptr && rotation->CountOr("unreadable") > 0) {
    std::cout << "WARNING: " << UnreadableLine(*rotation) << "\n";
  }
}

int KeyStatus(AdminClient& client) {
  absl::StatusOr<JsonValue> status = client.Call("GET", "/admin/v1/keys");
  if (!status.ok()) return ServerError(status.status().message());
  PrintStatus(*status);
  return 0;
}

// Polls until no data key is under an inactive key, printing progress each
// time it changes.
int WaitForRotation(AdminClient& client) {
  std::string last;
  for (;;) {
    absl::StatusOr<JsonValue> status = client.Call("GET", "/admin/v1/keys");
    if (!status.ok()) return ServerError(status.status().message());
    const JsonValue* rotation = status->Find("rotation");
    if (rotation == nullptr) return ServerError("the key status lacks a rotation");
    const std::string line = ProgressLine(*rotation);
    if (line != last) std::cout << line << std::endl;
    last = line;
    if (rotation->CountOr("remaining", 1) == 0) return 0;
    // What is left is what the server cannot re-wrap: waiting would never end.
    const uint64_t unreadable = rotation->CountOr("unreadable");
    if (unreadable > 0 && rotation->CountOr("remaining", 1) <= unreadable) {
      return ServerError(UnreadableLine(*rotation));
    }
    std::this_thread::sleep_for(absl::ToChronoMilliseconds(kPollInterval));
  }
}

int KeyRotate(AdminClient& client, bool wait) {
  absl::StatusOr<JsonValue> rotated = client.Call("POST", "/admin/v1/keys/rotate");
  if (!rotated.ok()) return ServerError(rotated.status().message());
  std::cout << "new active master key: " << rotated->StringOr("active_key")
            << "; data keys are re-wrapped under it in the background" << std::endl;
  return wait ? WaitForRotation(client) : 0;
}

int KeyRetire(AdminClient& client, const std::string& id) {
  absl::StatusOr<JsonValue> retired =
      client.Call("POST", absl::StrCat("/admin/v1/keys/", s3::UriEncode(id, true), "/retire"));
  if (!retired.ok()) return ServerError(retired.status().message());
  std::cout << "retired master key " << retired->StringOr("retired") << "\n";
  return 0;
}

int Run(const Args& args) {
  const std::vector<std::string>& words = args.words;
  if (words.empty()) return UsageError("missing command (see hamsterctl --help)");
  if (words[0] == "help") {
    std::cout << kUsage;
    return 0;
  }
  if (words[0] != "key") {
    return UsageError(absl::StrCat("unknown command '", words[0], "' (see hamsterctl --help)"));
  }
  if (words.size() < 2) return UsageError("missing subcommand: key status|rotate|retire");
  const std::string& sub = words[1];
  const size_t wanted = sub == "retire" ? 3 : 2;
  if (sub != "status" && sub != "rotate" && sub != "retire") {
    return UsageError(absl::StrCat("unknown subcommand 'key ", sub, "' (status, rotate, retire)"));
  }
  if (sub == "retire" && words.size() < 3) return UsageError("key retire needs a KEY-ID");
  if (words.size() > wanted) {
    return UsageError(
        absl::StrCat("unexpected argument '", words[wanted], "' for 'key ", sub, "'"));
  }
  if (args.wait && sub != "rotate") return UsageError("--wait goes with 'key rotate' only");
  absl::StatusOr<bench::Endpoint> endpoint = bench::ParseEndpoint(args.endpoint);
  if (!endpoint.ok()) return UsageError(absl::StrCat("--endpoint: ", endpoint.status().message()));
  if (args.access_key.empty() || args.secret_key.empty()) {
    return UsageError(
        "no root credentials: set --access-key and --secret-key, or HAMSTER_ROOT_ACCESS_KEY "
        "and HAMSTER_ROOT_SECRET_KEY");
  }
  AdminClient client(*std::move(endpoint), args);
  if (sub == "status") return KeyStatus(client);
  if (sub == "rotate") return KeyRotate(client, args.wait);
  return KeyRetire(client, words[2]);
}

}  // namespace
}  // namespace hamster::ctl

int main(int argc, char** argv) {
  using namespace hamster::ctl;
  absl::StatusOr<Args> args =
      ParseArgs(std::span<char* const>(argv + 1, static_cast<size_t>(argc - 1)));
  if (!args.ok()) return UsageError(args.status().message());
  if (args->help) {
    std::cout << kUsage;
    return 0;
  }
  return Run(*args);
}
