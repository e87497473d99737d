#include "layout_bench.h"

#include <cstdio>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench_command.h"
#include "hamster/layout/layout.h"
#include "measure.h"

namespace hamster::bench {
namespace {

constexpr char kLayoutUsage[] =
    "usage: hamster-bench layout [--json] [--nodes N] [--zones Z] [--partitions P]\n"
    "                            [--repetitions R] [--seconds S]\n"
    "  --nodes N        storage nodes (default 1000), capacities 1..20 units\n"
    "  --zones Z        zones, nodes spread round-robin (default 10)\n"
    "  --partitions P   partitions (default 4096)\n"
    "  --repetitions R  runs per figure; the median is reported (default 5)\n"
    "  --seconds S      CPU-seconds of timed lookups per figure (default 0.5)\n";

constexpr int64_t kCapacityUnitBytes = int64_t{1} << 40;  // 1 TiB
constexpr size_t kKeyCount = size_t{1} << 20;

struct LayoutBenchOptions {
  int nodes = 1000;
  int zones = 10;
  uint32_t partitions = 4096;
  MeasureOptions measure;
};

struct LayoutCommandLine {
  bool help = false;
  bool json = false;
  LayoutBenchOptions options;
};

struct ChangeFigures {
  std::string name;
  double cpu_seconds = 0;  // median of Preview over the repetitions
  int64_t moved = 0;
  int64_t minimum = 0;
  int64_t slots = 0;
};

struct LayoutBenchReport {
  LayoutBenchOptions options;
  std::string profile;
  double apply_seconds = 0;  // first version, median
  std::vector<ChangeFigures> changes;
  double lookups_per_second = 0;
  double small_lookups_per_second = 0;
  double hashes_per_second = 0;  // the baseline: KeyHash of the same keys alone
  double lookup_spread = 0;
};

uint64_t Scramble(uint64_t x) {
  x += 0x9e3779b97f4a7c15;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

layout::NodeRole Node(int i, int zones) {
  return layout::NodeRole{.id = absl::StrFormat("node-%05d", i),
                          .zone = absl::StrCat("zone-", i % zones),
                          .capacity_bytes = int64_t(1 + Scramble(i) % 20) * kCapacityUnitBytes};
}

absl::StatusOr<layout::Layout> BuildLayout(const LayoutBenchOptions& options, double* seconds) {
  absl::StatusOr<layout::Layout> built = layout::Layout::Create(options.partitions);
  if (!built.ok()) return built.status();
  for (int i = 0; i < options.nodes; ++i) {
    if (absl::Status staged = built->StageAdd(Node(i, options.zones)); !staged.ok()) return staged;
  }
  const double start = ThreadCpuSeconds();
  absl::StatusOr<layout::ApplyReport> applied = built->Apply();
  *seconds = ThreadCpuSeconds() - start;
  if (!applied.ok()) return applied.status();
  return built;
}

// Times Preview of one staged change on copies of `base`.
absl::StatusOr<ChangeFigures> MeasureChange(const layout::Layout& base, const std::string& name,
                                            const LayoutBenchOptions& options,
                                            absl::Status (*stage)(layout::Layout&, int, int)) {
  ChangeFigures figures{.name = name};
  std::vector<double> seconds;
  for (int r = 0; r < options.measure.repetitions; ++r) {
    layout::Layout copy = base;
    if (absl::Status staged = stage(copy, options.nodes, options.zones); !staged.ok()) {
      return staged;
    }
    const double start = ThreadCpuSeconds();
    absl::StatusOr<layout::ApplyResult> result = copy.Preview();
    seconds.push_back(ThreadCpuSeconds() - start);
    if (!result.ok()) return result.status();
    figures.moved = result->report.moved_shard_count;
    figures.minimum = result->report.minimum_moved_shard_count;
    figures.slots = result->report.slot_count;
  }
  figures.cpu_seconds = Median(seconds);
  return figures;
}

absl::Status AddOne(layout::Layout& layout, int nodes, int zones) {
  return layout.StageAdd(Node(nodes, zones));
}
absl::Status RemoveOne(layout::Layout& layout, int nodes, int zones) {
  return layout.StageRemove(Node(nodes / 2, zones).id);
}
absl::Status ResizeOne(layout::Layout& layout, int nodes, int zones) {
  layout::NodeRole role = Node(nodes / 3, zones);
  role.capacity_bytes *= 2;
  return layout.StageUpdate(role);
}
absl::Status AddZone(layout::Layout& layout, int nodes, int zones) {
  // A new zone with as many nodes as the others: every partition changes.
  for (int i = 0; i < nodes / zones; ++i) {
    layout::NodeRole role = Node(nodes + i, zones);
    role.zone = "zone-new";
    if (absl::Status staged = layout.StageAdd(role); !staged.ok()) return staged;
  }
  return absl::OkStatus();
}

void MeasureLookups(const layout::LayoutVersion& version, const LayoutBenchOptions& options,
                    LayoutBenchReport& report) {
  std::vector<std::string> keys;
  keys.reserve(kKeyCount);
  for (size_t i = 0; i < kKeyCount; ++i) {
    keys.push_back(
        absl::StrFormat("bucket-%d/photos/2026/%08d.jpg", i % 7, Scramble(i) % 100000000));
  }
  size_t next = 0;
  uint64_t sink = 0;
  const Rate place = MeasureRate(
      [&] {
        const layout::Placement placement = version.Place(keys[next], layout::ObjectClass::kLarge);
        sink += placement.shard_nodes[0];
        next = (next + 1) & (kKeyCount - 1);
      },
      1, options.measure);
  const Rate small = MeasureRate(
      [&] {
        const layout::Placement placement = version.Place(keys[next], layout::ObjectClass::kSmall);
        sink += placement.shard_nodes[0];
        next = (next + 1) & (kKeyCount - 1);
      },
      1, options.measure);
  const Rate hash = MeasureRate(
      [&] {
        sink += layout::KeyHash(keys[next]);
        next = (next + 1) & (kKeyCount - 1);
      },
      1, options.measure);
  DoNotOptimize(sink);
  report.lookups_per_second = place.gigabytes_per_second * kBytesPerGigabyte;
  report.small_lookups_per_second = small.gigabytes_per_second * kBytesPerGigabyte;
  report.hashes_per_second = hash.gigabytes_per_second * kBytesPerGigabyte;
  report.lookup_spread = place.spread;
}

absl::StatusOr<LayoutBenchReport> RunLayoutBench(const LayoutBenchOptions& options) {
  LayoutBenchReport report{.options = options};
  std::vector<double> apply_seconds;
  std::optional<layout::Layout> base;
  for (int r = 0; r < options.measure.repetitions; ++r) {
    double seconds = 0;
    absl::StatusOr<layout::Layout> built = BuildLayout(options, &seconds);
    if (!built.ok()) return built.status();
    apply_seconds.push_back(seconds);
    base = *std::move(built);
  }
  report.apply_seconds = Median(apply_seconds);
  report.profile = layout::ProfileName(base->current().profile());
  const std::pair<const char*, absl::Status (*)(layout::Layout&, int, int)> changes[] = {
      {"add one node", AddOne},
      {"remove one node", RemoveOne},
      {"double one node's capacity", ResizeOne},
      {"add a zone of nodes", AddZone}};
  for (const auto& [name, stage] : changes) {
    absl::StatusOr<ChangeFigures> figures = MeasureChange(*base, name, options, stage);
    if (!figures.ok()) return figures.status();
    report.changes.push_back(*figures);
  }
  MeasureLookups(base->current(), options, report);
  return report;
}

std::string FormatTable(const LayoutBenchReport& report) {
  const LayoutBenchOptions& o = report.options;
  std::string out = absl::StrFormat(
      "layout: %d storage nodes, %d zones, %u partitions, profile %s (CPU-seconds, median of %d)\n"
      "  apply, %-26s %8.3f s\n",
      o.nodes, o.zones, o.partitions, report.profile, o.measure.repetitions, "first version",
      report.apply_seconds);
  for (const ChangeFigures& change : report.changes) {
    absl::StrAppendFormat(
        &out, "  apply, %-26s %8.3f s   moves %6d of %d slots (minimum %d, %.3fx)\n", change.name,
        change.cpu_seconds, change.moved, change.slots, change.minimum,
        change.minimum > 0 ? double(change.moved) / change.minimum : 1.0);
  }
  absl::StrAppendFormat(
      &out,
      "  placement lookups (k+m)        %8.2f M/s per core (spread %.2f)\n"
      "  placement lookups (1+m)        %8.2f M/s per core\n"
      "  KeyHash alone (baseline)       %8.2f M/s per core: lookup = %.2fx hash time\n",
      report.lookups_per_second / 1e6, report.lookup_spread, report.small_lookups_per_second / 1e6,
      report.hashes_per_second / 1e6, report.hashes_per_second / report.lookups_per_second);
  return out;
}

std::string FormatJson(const LayoutBenchReport& report) {
  const LayoutBenchOptions& o = report.options;
  std::string out = absl::StrFormat(
      "{\"nodes\": %d, \"zones\": %d, \"partitions\": %u, \"profile\": \"%s\", "
      "\"apply_seconds\": %.6f, \"changes\": [",
      o.nodes, o.zones, o.partitions, report.profile, report.apply_seconds);
  for (size_t i = 0; i < report.changes.size(); ++i) {
    const ChangeFigures& c = report.changes[i];
    absl::StrAppendFormat(&out,
                          "%s{\"change\": \"%s\", \"apply_seconds\": %.6f, \"moved_slots\": %d, "
                          "\"minimum_moved_slots\": %d, \"slots\": %d}",
                          i == 0 ? "" : ", ", c.name, c.cpu_seconds, c.moved, c.minimum, c.slots);
  }
  absl::StrAppendFormat(&out,
                        "], \"lookups_per_second\": %.0f, \"small_lookups_per_second\": %.0f, "
                        "\"hashes_per_second\": %.0f, \"lookups_spread\": %.3f}\n",
                        report.lookups_per_second, report.small_lookups_per_second,
                        report.hashes_per_second, report.lookup_spread);
  return out;
}

absl::Status ApplyFlag(const std::string& flag, const std::string& value,
                       LayoutBenchOptions& options) {
  int number = 0;
  if (flag == "--seconds") {
    if (!absl::SimpleAtod(value, &options.measure.seconds) || !(options.measure.seconds > 0)) {
      return absl::InvalidArgumentError("--seconds needs a positive number");
    }
    return absl::OkStatus();
  }
  if (flag != "--nodes" && flag != "--zones" && flag != "--partitions" && flag != "--repetitions") {
    return absl::InvalidArgumentError(absl::StrCat("unknown flag ", flag, " for layout"));
  }
  if (!absl::SimpleAtoi(value, &number) || number < 1) {
    return absl::InvalidArgumentError(absl::StrCat(flag, " needs a positive integer"));
  }
  if (flag == "--nodes") options.nodes = number;
  if (flag == "--zones") options.zones = number;
  if (flag == "--partitions") options.partitions = uint32_t(number);
  if (flag == "--repetitions") options.measure.repetitions = number;
  return absl::OkStatus();
}

}  // namespace

int RunLayoutCommand(const std::vector<std::string>& args) {
  LayoutCommandLine line;
  absl::Status walked = WalkFlags(
      args, [](const std::string& arg) { return arg == "--json" || arg == "--help" || arg == "-h"; },
      [&](const std::string& arg) {
        line.json |= arg == "--json";
        line.help |= arg != "--json";
      },
      [&](const std::string& flag, const std::string& value) {
        return ApplyFlag(flag, value, line.options);
      });
  return RunBenchCommand("layout", kLayoutUsage,
                         walked.ok() ? absl::StatusOr<LayoutCommandLine>(line) : walked,
                         RunLayoutBench, FormatTable, FormatJson);
}

}  // namespace hamster::bench
