// The command line of `hamster-bench raft`.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "bench_command.h"
#include "raft_bench.h"
#include "raft_etcd.h"

namespace hamster::bench {
namespace {

constexpr char kRaftUsage[] =
    "usage: hamster-bench raft [flags]\n"
    "  --concurrency LIST   concurrent proposers per phase (default 1,64,256)\n"
    "  --seconds S          length of each timed phase (default 5)\n"
    "  --etcd / --no-etcd   also measure etcd 3.4 in the same run (default: on)\n"
    "  --etcd-path PATH     the etcd binary (default /usr/bin/etcd, from Debian's etcd-server:\n"
    "                       scripts/install-deps.sh --bench installs it)\n"
    "  --no-in-process      skip the in-process ceiling (memory storage, no network)\n"
    "  --breakdown          also gRPC with memory storage and RocksDB without the network\n"
    "  --work-dir DIR       where the RocksDB logs, etcd data and certificates go, in a\n"
    "                       temporary directory removed at the end (default: $TMPDIR or /tmp);\n"
    "                       put it on the disk you mean to measure\n"
    "  --json               one JSON object instead of tables\n";

struct RaftCommandLine {
  RaftBenchOptions options;
  bool json = false;
  bool help = false;
};

absl::StatusOr<std::vector<int>> ParseConcurrency(const std::string& text) {
  std::vector<int> values;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    int value = 0;
    if (!absl::SimpleAtoi(item, &value) || value < 1 || value > 4096) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--concurrency needs numbers from 1 to 4096 separated by commas, not '", text, "'"));
    }
    values.push_back(value);
  }
  return values;
}

absl::Status ApplyFlag(const std::string& flag, const std::string& value, RaftCommandLine& line) {
  RaftBenchOptions& o = line.options;
  if (flag == "--concurrency") {
    absl::StatusOr<std::vector<int>> list = ParseConcurrency(value);
    if (!list.ok()) return list.status();
    o.concurrency = *list;
  } else if (flag == "--seconds") {
    if (!absl::SimpleAtod(value, &o.seconds) || !(o.seconds > 0) || o.seconds > 3600) {
      return absl::InvalidArgumentError("--seconds needs a positive number of seconds");
    }
  } else if (flag == "--etcd-path") {
    o.etcd_path = value;
  } else if (flag == "--work-dir") {
    o.work_dir = value;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown flag ", flag, " for raft"));
  }
  return absl::OkStatus();
}

absl::StatusOr<RaftCommandLine> ParseRaft(const std::vector<std::string>& args) {
  RaftCommandLine line;
  absl::Status walked = WalkFlags(
      args,
      [](const std::string& arg) {
        return arg == "--json" || arg == "--etcd" || arg == "--no-etcd" ||
               arg == "--no-in-process" || arg == "--breakdown" || arg == "--help" || arg == "-h";
      },
      [&](const std::string& arg) {
        line.options.breakdown |= arg == "--breakdown";
        line.json |= arg == "--json";
        if (arg == "--etcd" || arg == "--no-etcd") line.options.etcd = arg == "--etcd";
        line.options.in_process &= arg != "--no-in-process";
        line.help |= arg == "--help" || arg == "-h";
      },
      [&](const std::string& flag, const std::string& value) {
        return ApplyFlag(flag, value, line);
      });
  if (!walked.ok()) return walked;
  if (line.options.work_dir.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    line.options.work_dir = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
  }
  return line;
}

}  // namespace

int RunRaftCommand(const std::vector<std::string>& args) {
  // Debian's Abseil is built without NDEBUG, so every absl::Mutex that gRPC takes also feeds
  // a lock-order graph: ~3 % of the CPU of a commit at one proposer (perf). A production
  // binary does not run a debugging aid; neither does the benchmark.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return RunBenchCommand("raft", kRaftUsage, ParseRaft(args), RunRaftBench, FormatRaftTable,
                         FormatRaftJson);
}

}  // namespace hamster::bench
