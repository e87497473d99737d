// Formatting of `hamster-bench ec` results and their check against the
// targets (docs/benchmarks.md has the targets and where they come from).

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ec_bench.h"

namespace hamster::bench {
namespace {

struct TargetCheck {
  std::string profile;
  std::string name;  // what is compared, as "a / b"
  double measured = 0;
  double threshold = 0;
  bool at_most = false;  // the target is measured < threshold, else measured >= threshold
  bool met() const { return at_most ? measured < threshold : measured >= threshold; }
};

std::string ProfileName(const EcProfile& p) {
  return absl::StrCat(p.data_shard_count, "+", p.parity_shard_count);
}

double Ratio(const Rate& a, const Rate& b) {
  return b.gigabytes_per_second > 0 ? a.gigabytes_per_second / b.gigabytes_per_second : 0;
}

double EncodeTargetVsMemcpy(const EcProfile& p) {
  if (p.data_shard_count == 4) return 0.80;
  if (p.data_shard_count == 8) return 0.65;
  return 0.40;
}

// Share of the pipeline's encode time spent hashing: the pipeline hashes each
// tile right after the kernel (fused), so its hashing time is what it takes
// beyond the same kernel calls on the same tiles without hashing.
double ChecksumShareOfPipeline(const EcProfileResult& r) {
  return 1 - r.encode_kernel_tiled_seconds() / r.encode_pipeline_seconds();
}

// What hashing the stripe's k + m blocks in a separate pass (from L3, as the
// pipeline did before it hashed tiles) would take, relative to the pipeline.
double SeparatePassChecksumVsPipeline(const EcProfileResult& r) {
  return r.checksum_seconds() / r.encode_pipeline_seconds();
}

std::vector<TargetCheck> EvaluateTargets(const EcBenchReport& report) {
  std::vector<TargetCheck> checks;
  for (const EcProfileResult& r : report.profiles) {
    const std::string name = ProfileName(r.profile);
    checks.push_back({name, "encode pipeline / memcpy", Ratio(r.encode_pipeline, r.memcpy),
                      EncodeTargetVsMemcpy(r.profile), false});
    checks.push_back({name, "encode pipeline / encode kernel",
                      Ratio(r.encode_pipeline, r.encode_kernel), 0.90, false});
    checks.push_back({name, "decode kernel / encode kernel",
                      Ratio(r.decode_kernel, r.encode_kernel), 0.80, false});
    checks.push_back({name, "decode object / encode pipeline",
                      Ratio(r.decode_object, r.encode_pipeline), 0.80, false});
    checks.push_back(
        {name, "fused checksum share of encode pipeline", ChecksumShareOfPipeline(r), 0.10, true});
    if (report.kernel == "jerasure" && r.profile.data_shard_count == 8) {
      checks.push_back(
          {name, "jerasure encode kernel / memcpy", Ratio(r.encode_kernel, r.memcpy), 0.22, false});
    }
  }
  return checks;
}

std::string Cell(const Rate& rate, const Rate& memcpy) {
  return absl::StrFormat("%6.2f %5.2fx", rate.gigabytes_per_second, Ratio(rate, memcpy));
}

}  // namespace

std::string FormatEcTable(const EcBenchReport& report) {
  std::string out = absl::StrFormat(
      "hamster-bench ec: kernel=%s checksum=%s block=1 MiB; median of %d runs, %.2f CPU-s per "
      "figure\nGB/s = 1e9 bytes of object data per CPU-second of the measuring thread "
      "(checksum: bytes hashed); (x) = ratio to memcpy\n\n",
      report.kernel, report.checksum_implementation, report.measure.repetitions,
      report.measure.seconds);
  absl::StrAppendFormat(&out, "%-7s %7s %13s %13s %13s %13s %13s %13s\n", "profile", "memcpy",
                        "enc kernel", "enc pipeline", "dec kernel", "dec object", "read no-loss",
                        "checksum");
  for (const EcProfileResult& r : report.profiles) {
    absl::StrAppendFormat(&out, "%-7s %7.2f %13s %13s %13s %13s %13s %13s\n",
                          ProfileName(r.profile), r.memcpy.gigabytes_per_second,
                          Cell(r.encode_kernel, r.memcpy), Cell(r.encode_pipeline, r.memcpy),
                          Cell(r.decode_kernel, r.memcpy), Cell(r.decode_object, r.memcpy),
                          Cell(r.read_healthy, r.memcpy), Cell(r.checksum, r.memcpy));
  }
  absl::StrAppendFormat(&out, "\n%-7s %16s %16s %16s %16s %16s %16s\n", "profile",
                        "pipeline/kernel", "tiled/kernel", "cksum/pipeline", "dec/enc kernel",
                        "dec/enc object", "fresh/reused");
  for (const EcProfileResult& r : report.profiles) {
    absl::StrAppendFormat(
        &out, "%-7s %16.3f %16.3f %16.3f %16.3f %16.3f %16.3f\n", ProfileName(r.profile),
        Ratio(r.encode_pipeline, r.encode_kernel), Ratio(r.encode_kernel_tiled, r.encode_kernel),
        ChecksumShareOfPipeline(r), Ratio(r.decode_kernel, r.encode_kernel),
        Ratio(r.decode_object, r.encode_pipeline), Ratio(r.decode_object_fresh, r.decode_object));
  }
  absl::StrAppend(&out, "\ntargets (encode targets are for the fastest kernel):\n");
  for (const TargetCheck& c : EvaluateTargets(report)) {
    absl::StrAppendFormat(&out, "  %-6s %-5s %-38s %6.3f %s %.2f\n", c.met() ? "met" : "MISSED",
                          c.profile, c.name, c.measured, c.at_most ? "<" : ">=", c.threshold);
  }
  return out;
}

namespace {

void AppendRate(std::string& out, const char* name, const Rate& rate, const Rate& memcpy) {
  absl::StrAppendFormat(&out, ", \"%s_gbps\": %.3f, \"%s_vs_memcpy\": %.3f, \"%s_spread\": %.3f",
                        name, rate.gigabytes_per_second, name, Ratio(rate, memcpy), name,
                        rate.spread);
}

std::string ProfileJson(const EcProfileResult& r) {
  const int n = r.profile.data_shard_count + r.profile.parity_shard_count;
  std::string out = absl::StrFormat(
      "{\"profile\": \"%s\", \"data_shard_count\": %d, \"parity_shard_count\": %d, "
      "\"block_size_bytes\": %d, \"memcpy_gbps\": %.3f, \"memcpy_spread\": %.3f",
      ProfileName(r.profile), r.profile.data_shard_count, r.profile.parity_shard_count,
      kEcBlockSizeBytes, r.memcpy.gigabytes_per_second, r.memcpy.spread);
  AppendRate(out, "encode_kernel", r.encode_kernel, r.memcpy);
  AppendRate(out, "encode_kernel_tiled", r.encode_kernel_tiled, r.memcpy);
  AppendRate(out, "encode_pipeline", r.encode_pipeline, r.memcpy);
  AppendRate(out, "decode_kernel", r.decode_kernel, r.memcpy);
  AppendRate(out, "decode_object", r.decode_object, r.memcpy);
  AppendRate(out, "decode_object_fresh_buffers", r.decode_object_fresh, r.memcpy);
  AppendRate(out, "read_healthy", r.read_healthy, r.memcpy);
  AppendRate(out, "checksum", r.checksum, r.memcpy);
  absl::StrAppendFormat(
      &out,
      ", \"encode_pipeline_vs_encode_kernel\": %.3f, \"encode_kernel_tiled_vs_encode_kernel\": "
      "%.3f, \"decode_kernel_vs_encode_kernel\": %.3f, \"decode_object_vs_encode_pipeline\": "
      "%.3f, \"decode_object_fresh_vs_reused_buffers\": %.3f, \"checksum_bytes_per_stripe\": "
      "%d, \"checksum_share_of_encode_pipeline\": %.3f, "
      "\"separate_pass_checksum_vs_encode_pipeline_time\": %.3f}",
      Ratio(r.encode_pipeline, r.encode_kernel), Ratio(r.encode_kernel_tiled, r.encode_kernel),
      Ratio(r.decode_kernel, r.encode_kernel), Ratio(r.decode_object, r.encode_pipeline),
      Ratio(r.decode_object_fresh, r.decode_object), int64_t(n) * int64_t(kEcBlockSizeBytes),
      ChecksumShareOfPipeline(r), SeparatePassChecksumVsPipeline(r));
  return out;
}

}  // namespace

std::string FormatEcJson(const EcBenchReport& report) {
  std::string out = absl::StrFormat(
      "{\"benchmark\": \"ec\", \"kernel\": \"%s\", \"checksum_implementation\": \"%s\", "
      "\"unit\": \"GB/s = 1e9 bytes of object data per CPU-second of the measuring thread\", "
      "\"seconds_per_figure\": %.3f, \"repetitions\": %d, \"object_stripe_count\": %d, "
      "\"profiles\": [",
      report.kernel, report.checksum_implementation, report.measure.seconds,
      report.measure.repetitions, report.object_stripe_count);
  for (size_t i = 0; i < report.profiles.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "\n  " : ",\n  ", ProfileJson(report.profiles[i]));
  }
  absl::StrAppend(&out, "],\n \"targets\": [");
  const std::vector<TargetCheck> checks = EvaluateTargets(report);
  for (size_t i = 0; i < checks.size(); ++i) {
    const TargetCheck& c = checks[i];
    absl::StrAppendFormat(&out,
                          "%s{\"profile\": \"%s\", \"name\": \"%s\", \"measured\": %.3f, "
                          "\"comparison\": \"%s\", \"threshold\": %.2f, \"met\": %s}",
                          i == 0 ? "\n  " : ",\n  ", c.profile, c.name, c.measured,
                          c.at_most ? "<" : ">=", c.threshold, c.met() ? "true" : "false");
  }
  absl::StrAppend(&out, "]}\n");
  return out;
}

}  // namespace hamster::bench
