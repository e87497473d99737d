// The command line of `hamster-bench s3`.

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench_command.h"
#include "s3_bench.h"
#include "s3_client.h"
#include "s3_server.h"

namespace hamster::bench {
namespace {

constexpr char kS3Usage[] =
    "usage: hamster-bench s3 [flags]\n"
    "  --endpoint URL          http://HOST:PORT of an S3 server; default: start a local\n"
    "                          `hamsterd serve` (../servers/hamsterd/hamsterd from this binary)\n"
    "  --hamsterd PATH         the hamsterd to start instead\n"
    "  --work-dir DIR          where the local server's data and the disk baseline's file\n"
    "                          go (default: $TMPDIR or /tmp)\n"
    "  --access-key KEY, --secret-key SECRET\n"
    "                          credentials (default: $HAMSTER_ROOT_ACCESS_KEY and\n"
    "                          $HAMSTER_ROOT_SECRET_KEY; a local server gets random ones)\n"
    "  --region NAME           SigV4 region (default us-east-1)\n"
    "  --bucket NAME           use this bucket (created if absent); default: a fresh one\n"
    "  --concurrency LIST      connections for the small-object phases (default 16,64)\n"
    "  --large-concurrency LIST  connections for the large-object phases (default 1,4)\n"
    "  --seconds S             length of each timed phase (default 5)\n"
    "  --large-size SIZE       large object size (default 64MiB)\n"
    "  --small-size SIZE       small object size (default 4KiB)\n"
    "  --baseline-bytes SIZE   file size of the disk baseline (default 1GiB)\n"
    "  --big-object            also PUT and GET one big object, watching the server's RSS\n"
    "  --big-object-size SIZE  its size (default 4GiB)\n"
    "  --server-pid PID        with --endpoint: the server process whose RSS to read\n"
    "  --keep-data             leave the local server's data directory behind\n"
    "  --sse                   also run the large-object phases with SSE-S3 and report\n"
    "                          each figure as a ratio to the same phase unencrypted\n"
    "  --json                  one JSON object instead of tables\n"
    "SIZE is bytes, or a number with K, M or G (KiB, MiB, GiB).\n";

absl::StatusOr<uint64_t> ParseSize(const std::string& flag, std::string text) {
  uint64_t multiplier = 1;
  std::string lower = absl::AsciiStrToLower(text);
  for (const auto& [suffix, factor] :
       std::vector<std::pair<std::string, uint64_t>>{{"kib", 1ull << 10},
                                                     {"mib", 1ull << 20},
                                                     {"gib", 1ull << 30},
                                                     {"k", 1ull << 10},
                                                     {"m", 1ull << 20},
                                                     {"g", 1ull << 30}}) {
    if (lower.size() > suffix.size() && lower.ends_with(suffix)) {
      lower.resize(lower.size() - suffix.size());
      multiplier = factor;
      break;
    }
  }
  uint64_t value = 0;
  if (!absl::SimpleAtoi(lower, &value) || value == 0 || value > (uint64_t{1} << 42) / multiplier) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " needs a size such as 4096, 64MiB or 4G, not '", text, "'"));
  }
  return value * multiplier;
}

absl::StatusOr<std::vector<int>> ParseList(const std::string& flag, const std::string& text) {
  std::vector<int> values;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    int value = 0;
    if (!absl::SimpleAtoi(item, &value) || value < 1 || value > 1024) {
      return absl::InvalidArgumentError(absl::StrCat(
          flag, " needs numbers from 1 to 1024 separated by commas, not '", text, "'"));
    }
    values.push_back(value);
  }
  return values;
}

struct S3CommandLine {
  S3BenchOptions options;
  bool json = false;
  bool help = false;
};

// Applies one "--flag value" pair.
absl::Status ApplyFlag(const std::string& flag, const std::string& value, S3CommandLine& line) {
  S3BenchOptions& o = line.options;
  absl::StatusOr<uint64_t> size = uint64_t{1};
  absl::StatusOr<std::vector<int>> list = std::vector<int>{};
  if (flag == "--endpoint") {
    o.endpoint = value;
  } else if (flag == "--hamsterd") {
    o.hamsterd_path = value;
  } else if (flag == "--work-dir") {
    o.work_dir = value;
  } else if (flag == "--access-key") {
    o.credentials.access_key_id = value;
  } else if (flag == "--secret-key") {
    o.credentials.secret_key = value;
  } else if (flag == "--region") {
    o.credentials.region = value;
  } else if (flag == "--bucket") {
    o.bucket = value;
  } else if (flag == "--concurrency") {
    if (list = ParseList(flag, value); list.ok()) o.concurrency = *list;
  } else if (flag == "--large-concurrency") {
    if (list = ParseList(flag, value); list.ok()) o.large_concurrency = *list;
  } else if (flag == "--seconds") {
    if (!absl::SimpleAtod(value, &o.seconds) || !(o.seconds > 0) || o.seconds > 86400) {
      return absl::InvalidArgumentError("--seconds needs a positive number of seconds");
    }
  } else if (flag == "--large-size") {
    if (size = ParseSize(flag, value); size.ok()) o.large_object_bytes = *size;
  } else if (flag == "--small-size") {
    if (size = ParseSize(flag, value); size.ok()) o.small_object_bytes = *size;
  } else if (flag == "--baseline-bytes") {
    if (size = ParseSize(flag, value); size.ok()) o.baseline_bytes = *size;
  } else if (flag == "--big-object-size") {
    if (size = ParseSize(flag, value); size.ok()) o.big_object_bytes = *size;
  } else if (flag == "--server-pid") {
    if (!absl::SimpleAtoi(value, &o.server_pid) || o.server_pid <= 0) {
      return absl::InvalidArgumentError("--server-pid needs a process id");
    }
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown flag ", flag, " for s3"));
  }
  if (!size.ok()) return size.status();
  return list.status();
}

std::string Getenv(const char* name) {
  const char* value = std::getenv(name);
  return value != nullptr ? value : "";
}

std::string RandomHex(std::random_device& random, int digits) {
  std::string text;
  while (int(text.size()) < digits) text += "0123456789abcdef"[random() % 16];
  return text;
}

// Defaults that depend on the environment, then the checks across flags.
absl::Status Complete(S3CommandLine& line) {
  S3BenchOptions& o = line.options;
  if (o.work_dir.empty()) o.work_dir = Getenv("TMPDIR").empty() ? "/tmp" : Getenv("TMPDIR");
  if (o.hamsterd_path.empty()) o.hamsterd_path = DefaultHamsterdPath();
  if (o.credentials.access_key_id.empty()) {
    o.credentials.access_key_id = Getenv("HAMSTER_ROOT_ACCESS_KEY");
  }
  if (o.credentials.secret_key.empty())
    o.credentials.secret_key = Getenv("HAMSTER_ROOT_SECRET_KEY");
  if (o.credentials.access_key_id.empty() != o.credentials.secret_key.empty()) {
    return absl::InvalidArgumentError("give both an access key and a secret key, or neither");
  }
  if (o.credentials.access_key_id.empty()) {
    if (!o.endpoint.empty()) {
      return absl::InvalidArgumentError(
          "--endpoint needs --access-key and --secret-key (or HAMSTER_ROOT_ACCESS_KEY and "
          "HAMSTER_ROOT_SECRET_KEY)");
    }
    // A server started here accepts whatever root credentials it is given.
    std::random_device random;
    o.credentials.access_key_id = absl::AsciiStrToUpper("hbench" + RandomHex(random, 14));
    o.credentials.secret_key = RandomHex(random, 40);
  }
  if (!o.endpoint.empty()) {
    if (absl::StatusOr<Endpoint> endpoint = ParseEndpoint(o.endpoint); !endpoint.ok()) {
      return endpoint.status();
    }
  }
  if (o.server_pid != 0 && o.endpoint.empty()) {
    return absl::InvalidArgumentError("--server-pid goes with --endpoint");
  }
  return absl::OkStatus();
}

absl::StatusOr<S3CommandLine> ParseS3(const std::vector<std::string>& args) {
  S3CommandLine line;
  absl::Status walked = WalkFlags(
      args,
      [](const std::string& arg) {
        return arg == "--json" || arg == "--big-object" || arg == "--keep-data" || arg == "--sse" ||
               arg == "--help" || arg == "-h";
      },
      [&](const std::string& arg) {
        line.json |= arg == "--json";
        line.options.sse |= arg == "--sse";
        line.options.big_object |= arg == "--big-object";
        line.options.keep_data |= arg == "--keep-data";
        line.help |= arg == "--help" || arg == "-h";
      },
      [&](const std::string& flag, const std::string& value) {
        return ApplyFlag(flag, value, line);
      });
  if (!walked.ok()) return walked;
  if (line.help) return line;
  if (absl::Status completed = Complete(line); !completed.ok()) return completed;
  return line;
}

}  // namespace

int RunS3Command(const std::vector<std::string>& args) {
  return RunBenchCommand("s3", kS3Usage, ParseS3(args), RunS3Bench, FormatS3Table, FormatS3Json);
}

}  // namespace hamster::bench
