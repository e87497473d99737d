// hamster-bench: benchmarks that report ratios against a baseline measured in
// the same run (docs/benchmarks.md says how to run them and what they showed).
//
//   hamster-bench ec [--json] [--seconds S] [--repetitions N]
//                    [--kernel auto|isal|jerasure] [--object-stripes N]
//   hamster-bench ec-techniques [--json] [--seconds S] [--repetitions N]
//   hamster-bench s3 [flags]   (hamster-bench s3 --help)
//   hamster-bench layout [flags]   (hamster-bench layout --help)
//   hamster-bench raft [flags]   (hamster-bench raft --help)

#include <cstdio>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "bench_command.h"
#include "ec_bench.h"
#include "ec_techniques.h"
#include "hamster/ec/codec.h"
#include "layout_bench.h"
#include "raft_bench.h"
#include "s3_bench.h"

namespace hamster::bench {
namespace {

constexpr char kUsage[] =
    "usage: hamster-bench ec [--json] [--seconds S] [--repetitions N]\n"
    "                        [--kernel auto|isal|jerasure] [--object-stripes N]\n"
    "       hamster-bench ec-techniques [--json] [--seconds S] [--repetitions N]\n"
    "       hamster-bench s3 [flags]   (hamster-bench s3 --help lists them)\n"
    "       hamster-bench layout [flags]   (hamster-bench layout --help lists them)\n"
    "       hamster-bench raft [flags]   (hamster-bench raft --help lists them)\n"
    "  --seconds S      CPU-seconds of timed runs per figure (default 0.5)\n"
    "  --repetitions N  timed runs per figure; the median is reported (default 5)\n";

struct CommandLine {
  std::string command;
  bool json = false;
  MeasureOptions measure;
  ec::Kernel kernel = ec::Kernel::kAuto;
  int object_stripe_count = 4;
};

absl::StatusOr<ec::Kernel> ParseKernel(const std::string& name) {
  for (ec::Kernel kernel : {ec::Kernel::kAuto, ec::Kernel::kIsal, ec::Kernel::kJerasure}) {
    if (ec::KernelName(kernel) == name) return kernel;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--kernel must be auto, isal or jerasure, not '", name, "'"));
}

// Applies one "--flag value" pair.
absl::Status ApplyFlag(const std::string& flag, const std::string& value, CommandLine& line) {
  if (flag == "--seconds") {
    if (!absl::SimpleAtod(value, &line.measure.seconds) || !(line.measure.seconds > 0)) {
      return absl::InvalidArgumentError("--seconds needs a positive number");
    }
  } else if (flag == "--repetitions") {
    if (!absl::SimpleAtoi(value, &line.measure.repetitions) || line.measure.repetitions < 1) {
      return absl::InvalidArgumentError("--repetitions needs a positive integer");
    }
  } else if (flag == "--object-stripes" && line.command == "ec") {
    if (!absl::SimpleAtoi(value, &line.object_stripe_count) || line.object_stripe_count < 1) {
      return absl::InvalidArgumentError("--object-stripes needs a positive integer");
    }
  } else if (flag == "--kernel" && line.command == "ec") {
    absl::StatusOr<ec::Kernel> kernel = ParseKernel(value);
    if (!kernel.ok()) return kernel.status();
    line.kernel = *kernel;
  } else {
    return absl::InvalidArgumentError(absl::StrCat("unknown flag ", flag, " for ", line.command));
  }
  return absl::OkStatus();
}

absl::StatusOr<CommandLine> Parse(const std::vector<std::string>& args) {
  if (args.empty() || (args[0] != "ec" && args[0] != "ec-techniques")) {
    return absl::InvalidArgumentError("expected a command: ec or ec-techniques");
  }
  CommandLine line;
  line.command = args[0];
  absl::Status walked = WalkFlags(
      args, [](const std::string& arg) { return arg == "--json"; },
      [&](const std::string&) { line.json = true; },
      [&](const std::string& flag, const std::string& value) {
        return ApplyFlag(flag, value, line);
      });
  if (!walked.ok()) return walked;
  return line;
}

int Run(const CommandLine& line) {
  if (line.command == "ec-techniques") {
    const TechniquesReport report = RunEcTechniques(line.measure);
    std::fputs((line.json ? FormatTechniquesJson(report) : FormatTechniquesTable(report)).c_str(),
               stdout);
    return 0;
  }
  absl::StatusOr<EcBenchReport> report =
      RunEcBench({.measure = line.measure,
                  .kernel = line.kernel,
                  .object_stripe_count = line.object_stripe_count});
  if (!report.ok()) {
    std::fprintf(stderr, "hamster-bench ec: %s\n", report.status().ToString().c_str());
    return 1;
  }
  std::fputs((line.json ? FormatEcJson(*report) : FormatEcTable(*report)).c_str(), stdout);
  return 0;
}

}  // namespace
}  // namespace hamster::bench

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "s3") return hamster::bench::RunS3Command(args);
  if (!args.empty() && args[0] == "layout") return hamster::bench::RunLayoutCommand(args);
  if (!args.empty() && args[0] == "raft") return hamster::bench::RunRaftCommand(args);
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "help")) {
    std::fputs(hamster::bench::kUsage, stdout);
    return 0;
  }
  absl::StatusOr<hamster::bench::CommandLine> line = hamster::bench::Parse(args);
  if (!line.ok()) {
    std::fprintf(stderr, "hamster-bench: %s\n%s", std::string(line.status().message()).c_str(),
                 hamster::bench::kUsage);
    return 2;
  }
  return hamster::bench::Run(*line);
}
