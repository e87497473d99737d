// Formatting of `hamster-bench s3` results, each figure next to its baseline,
// and their check against the targets of issue #3 (reported, never asserted;
// docs/benchmarks.md has the targets and the measured results).

#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "measure.h"
#include "s3_bench.h"

namespace hamster::bench {
namespace {

struct TargetCheck {
  std::string name;                // what is compared
  std::string where;               // the concurrency or mode it was met or missed at
  std::optional<double> measured;  // nullopt: not measured in this run
  double threshold = 0;
  bool at_most = false;  // measured < threshold, else measured >= threshold
  bool met() const {
    return measured.has_value() && (at_most ? *measured < threshold : *measured >= threshold);
  }
};

double Ratio(double a, double b) { return b > 0 ? a / b : 0; }
double Mib(uint64_t bytes) { return double(bytes) / kMebibyte; }

std::string SizeName(uint64_t bytes) {
  if (bytes >= kMebibyte && bytes % kMebibyte == 0) return absl::StrCat(bytes / kMebibyte, " MiB");
  if (bytes >= 1024 && bytes % 1024 == 0) return absl::StrCat(bytes / 1024, " KiB");
  return absl::StrCat(bytes, " B");
}

std::string FirstGetName(const S3BenchReport& r) {
  return r.cold_reads ? "GET first read (cold)" : "GET first read";
}

// The large-object result whose `ratio` is highest, with its concurrency.
template <typename RatioOf>
TargetCheck BestLarge(const S3BenchReport& r, std::string name, double threshold, RatioOf ratio) {
  TargetCheck check{.name = std::move(name), .threshold = threshold};
  for (size_t i = 0; i < r.large.size(); ++i) {
    const double value = ratio(r.large[i]);
    if (!check.measured.has_value() || value > *check.measured) {
      check.measured = value;
      check.where = absl::StrCat("concurrency ", r.options.large_concurrency[i]);
    }
  }
  return check;
}

// SSE-S3 against the unencrypted phase of the same concurrency; the best
// concurrency counts, as for the plain targets.
template <typename RateOf>
TargetCheck BestSseRatio(const S3BenchReport& r, std::string name, RateOf rate) {
  TargetCheck check{.name = std::move(name), .threshold = 0.85};
  for (size_t i = 0; i < r.large_sse.size() && i < r.large.size(); ++i) {
    const double value = Ratio(rate(r.large_sse[i]), rate(r.large[i]));
    if (!check.measured.has_value() || value > *check.measured) {
      check.measured = value;
      check.where = absl::StrCat("concurrency ", r.options.large_concurrency[i]);
    }
  }
  return check;
}

std::vector<TargetCheck> EvaluateTargets(const S3BenchReport& r) {
  const std::string large = SizeName(r.options.large_object_bytes);
  const double write = r.disk.write_mib_per_second;
  const double read = r.get_baseline_mib_per_second();
  std::vector<TargetCheck> checks;
  checks.push_back(BestLarge(r, large + " PUT / disk write", 0.5, [&](const LargeObjectResult& l) {
    return Ratio(l.put.mib_per_second(), write);
  }));
  checks.push_back(BestLarge(
      r, absl::StrCat(large, " ", FirstGetName(r), " / min(read, loopback)"), 0.5,
      [&](const LargeObjectResult& l) { return Ratio(l.get_first.mib_per_second(), read); }));
  checks.push_back(BestLarge(
      r, large + " GET repeat (warm) / min(read, loopback)", 0.5,
      [&](const LargeObjectResult& l) { return Ratio(l.get_repeat.mib_per_second(), read); }));
  if (r.options.sse) {
    checks.push_back(
        BestSseRatio(r, large + " PUT, SSE-S3 / unencrypted",
                     [](const LargeObjectResult& l) { return l.put.mib_per_second(); }));
    checks.push_back(
        BestSseRatio(r, large + " GET repeat (warm), SSE-S3 / unencrypted",
                     [](const LargeObjectResult& l) { return l.get_repeat.mib_per_second(); }));
    checks.push_back(
        BestSseRatio(r, large + " PUT, SSE-S3 / unencrypted, per server CPU-s",
                     [](const LargeObjectResult& l) { return l.put.mib_per_server_cpu_second(); }));
    checks.push_back(BestSseRatio(
        r, large + " GET repeat, SSE-S3 / unencrypted, per server CPU-s",
        [](const LargeObjectResult& l) { return l.get_repeat.mib_per_server_cpu_second(); }));
  }
  const std::string small = SizeName(r.options.small_object_bytes);
  TargetCheck put{.name = small + " PUT ops/s", .where = "concurrency 16", .threshold = 1500};
  TargetCheck get{.name = small + " GET ops/s", .where = "concurrency 16", .threshold = 8000};
  for (size_t i = 0; i < r.small.size(); ++i) {
    if (r.options.concurrency[i] != 16) continue;
    put.measured = r.small[i].put.operations_per_second();
    get.measured = r.small[i].get.operations_per_second();
  }
  checks.push_back(put);
  checks.push_back(get);
  TargetCheck rss{.name = "server RSS MiB during the big object",
                  .where = r.big ? SizeName(r.big->bytes) : "--big-object not given",
                  .threshold = 256,
                  .at_most = true};
  if (r.big && r.big->peak_rss_bytes > 0) {
    rss.measured = Mib(std::max(r.big->peak_rss_bytes, r.big->max_sampled_rss_bytes));
  }
  checks.push_back(rss);
  return checks;
}

// The best SSE-S3 / unencrypted ratio per server CPU-second a phase could reach if sealing or
// opening (at `cipher_rate` MiB per CPU-second) were all an encrypted request added.
double SseCeiling(const PhaseResult& plain, double cipher_rate) {
  const double plain_rate = plain.mib_per_server_cpu_second();
  if (plain_rate <= 0 || cipher_rate <= 0) return 0;
  return cipher_rate / (cipher_rate + plain_rate);
}

// CPU-seconds per wall second, in percent of one core; "-" if unknown.
std::string CpuPercent(double cpu_seconds, double seconds) {
  if (cpu_seconds < 0 || seconds <= 0) return "-";
  return absl::StrFormat("%.0f%%", 100 * cpu_seconds / seconds);
}

std::string PhaseRow(const std::string& name, const PhaseResult& p, double ratio,
                     const std::string& baseline) {
  return absl::StrFormat("  %-24s %5d %10.1f %9.1f %6.2fx  %-20s %8.2f %8.2f %7s %7s\n", name,
                         p.concurrency, p.operations_per_second(), p.mib_per_second(), ratio,
                         baseline, p.p50_ms, p.p99_ms, CpuPercent(p.server_cpu_seconds, p.seconds),
                         CpuPercent(p.client_cpu_seconds, p.seconds));
}

std::string Header(const std::string& title) {
  return absl::StrFormat("%-26s %5s %10s %9s %7s  %-20s %8s %8s %7s %7s\n", title, "conc", "ops/s",
                         "MiB/s", "ratio", "baseline", "p50 ms", "p99 ms", "server", "client");
}

std::string BaselineTable(const S3BenchReport& r) {
  const DiskBaseline& d = r.disk;
  std::string out = absl::StrFormat(
      "baselines, measured in this run (disk: %s file, 8 MiB pieces; the faster way counts):\n",
      SizeName(d.bytes));
  absl::StrAppendFormat(&out, "  %-56s %9.1f MiB/s\n", "disk write", d.write_mib_per_second);
  absl::StrAppendFormat(&out, "    %-54s %9.1f MiB/s\n", "buffered write + fdatasync",
                        d.buffered_write_mib_per_second);
  absl::StrAppendFormat(&out, "    %-54s %9.1f MiB/s\n", "O_DIRECT write + fdatasync",
                        d.direct_write_mib_per_second);
  absl::StrAppendFormat(&out, "  %-56s %9.1f MiB/s\n", "disk read", d.read_mib_per_second);
  absl::StrAppendFormat(&out, "    %-54s %9.1f MiB/s\n",
                        absl::StrFormat("buffered read after fadvise DONTNEED (%.0f%% cached)",
                                        100 * d.resident_fraction_before_read),
                        d.buffered_read_mib_per_second);
  absl::StrAppendFormat(&out, "    %-54s %9.1f MiB/s\n", "O_DIRECT read",
                        d.direct_read_mib_per_second);
  absl::StrAppendFormat(&out, "  %-56s %9.1f MiB/s\n", "loopback TCP stream",
                        r.loopback_mib_per_second);
  absl::StrAppendFormat(&out, "  %-56s %9.1f MiB/s\n", "GET baseline = min(disk read, loopback)",
                        r.get_baseline_mib_per_second());
  if (r.cipher) {
    absl::StrAppendFormat(&out, "  %-56s %9.1f MiB/CPU-s\n",
                          "AES-256-GCM seal, 64 KiB chunks (SegmentCipher)",
                          r.cipher->seal_mib_per_cpu_second);
    absl::StrAppendFormat(&out, "  %-56s %9.1f MiB/CPU-s\n",
                          "AES-256-GCM open, 64 KiB chunks (SegmentCipher)",
                          r.cipher->open_mib_per_cpu_second);
  }
  return out;
}

std::string LargeTable(const S3BenchReport& r) {
  std::string out = "\n" + Header(SizeName(r.options.large_object_bytes) + " objects");
  const double read = r.get_baseline_mib_per_second();
  for (size_t i = 0; i < r.large.size(); ++i) {
    const LargeObjectResult& l = r.large[i];
    out += PhaseRow("PUT", l.put, Ratio(l.put.mib_per_second(), r.disk.write_mib_per_second),
                    "disk write");
    out += PhaseRow(FirstGetName(r), l.get_first, Ratio(l.get_first.mib_per_second(), read),
                    "min(read, loopback)");
    out += PhaseRow("GET repeat (warm)", l.get_repeat, Ratio(l.get_repeat.mib_per_second(), read),
                    "min(read, loopback)");
    if (i >= r.large_sse.size()) continue;
    const LargeObjectResult& e = r.large_sse[i];
    out += PhaseRow("PUT SSE-S3", e.put, Ratio(e.put.mib_per_second(), l.put.mib_per_second()),
                    "unencrypted PUT");
    out += PhaseRow("GET first SSE-S3", e.get_first,
                    Ratio(e.get_first.mib_per_second(), l.get_first.mib_per_second()),
                    "unencrypted GET");
    out += PhaseRow("GET repeat SSE-S3", e.get_repeat,
                    Ratio(e.get_repeat.mib_per_second(), l.get_repeat.mib_per_second()),
                    "unencrypted GET");
    absl::StrAppendFormat(
        &out,
        "  (MiB per server CPU-second, SSE-S3 / unencrypted: PUT %.2fx, GET first %.2fx, "
        "GET repeat %.2fx)\n",
        Ratio(e.put.mib_per_server_cpu_second(), l.put.mib_per_server_cpu_second()),
        Ratio(e.get_first.mib_per_server_cpu_second(), l.get_first.mib_per_server_cpu_second()),
        Ratio(e.get_repeat.mib_per_server_cpu_second(), l.get_repeat.mib_per_server_cpu_second()));
    if (r.cipher) {
      absl::StrAppendFormat(
          &out,
          "  (at best, were AES-256-GCM the only extra work: PUT %.2fx, GET repeat %.2fx)\n",
          SseCeiling(l.put, r.cipher->seal_mib_per_cpu_second),
          SseCeiling(l.get_repeat, r.cipher->open_mib_per_cpu_second));
    }
  }
  return out;
}

std::string SmallTable(const S3BenchReport& r) {
  std::string out = "\n" + Header(SizeName(r.options.small_object_bytes) + " objects");
  for (const SmallObjectResult& s : r.small) {
    const double appends = s.sync_appends_per_second;
    const double trips = s.loopback_round_trips_per_second;
    absl::StrAppendFormat(&out,
                          "  (concurrency %d baselines: %.0f appends+fdatasync/s, %.0f loopback "
                          "round trips/s)\n",
                          s.put.concurrency, appends, trips);
    out +=
        PhaseRow("PUT", s.put, Ratio(s.put.operations_per_second(), appends), "append+fdatasync");
    out +=
        PhaseRow("GET", s.get, Ratio(s.get.operations_per_second(), trips), "loopback round trip");
    out += PhaseRow("HEAD", s.head, Ratio(s.head.operations_per_second(), trips),
                    "loopback round trip");
    out += PhaseRow(absl::StrFormat("LIST (%.0f keys/page)", s.keys_per_list), s.list,
                    Ratio(s.list.operations_per_second(), trips), "loopback round trip");
    out += PhaseRow("DELETE", s.del, Ratio(s.del.operations_per_second(), appends),
                    "append+fdatasync");
  }
  return out;
}

std::string BigTable(const S3BenchReport& r) {
  if (!r.big) return "";
  const BigObjectResult& b = *r.big;
  std::string out = absl::StrFormat(
      "\nbig object (%s, one connection): PUT %.1f MiB/s (%.2fx disk write), GET %.1f MiB/s "
      "(%.2fx min(read, loopback), every byte compared)\n",
      SizeName(b.bytes), b.put_mib_per_second,
      Ratio(b.put_mib_per_second, r.disk.write_mib_per_second), b.get_mib_per_second,
      Ratio(b.get_mib_per_second, r.get_baseline_mib_per_second()));
  if (b.peak_rss_bytes > 0) {
    absl::StrAppendFormat(&out,
                          "  server RSS during it: peak %.1f MiB (VmHWM since the upload began), "
                          "max sampled %.1f MiB (%d samples, every %d ms)\n",
                          Mib(b.peak_rss_bytes), Mib(b.max_sampled_rss_bytes), b.rss_sample_count,
                          b.rss_sample_interval_ms);
  } else {
    out += "  server RSS: unknown (no server process to watch; see --server-pid)\n";
  }
  return out;
}

}  // namespace

std::string FormatS3Table(const S3BenchReport& r) {
  std::string out = absl::StrFormat(
      "hamster-bench s3: %s (%s), %.1f s per timed phase\n"
      "bodies signed UNSIGNED-PAYLOAD; rates are wall-clock; latency = request sent to last "
      "response byte;\nserver, client = CPU used by each process during the phase, in %% of one "
      "core (this machine has %d)\n\n",
      r.endpoint, r.local_server ? "hamsterd started by the bench" : "given endpoint",
      r.options.seconds, std::thread::hardware_concurrency());
  out += BaselineTable(r) + LargeTable(r) + SmallTable(r) + BigTable(r);
  if (r.server_peak_rss_bytes > 0) {
    absl::StrAppendFormat(&out,
                          "\nserver peak RSS over the phases above the big object: %.1f MiB\n",
                          Mib(r.server_peak_rss_bytes));
  }
  out += "\ntargets (reported, not asserted):\n";
  for (const TargetCheck& c : EvaluateTargets(r)) {
    if (!c.measured) {
      absl::StrAppendFormat(&out, "  %-12s %-58s (%s)\n", "not measured", c.name, c.where);
      continue;
    }
    absl::StrAppendFormat(&out, "  %-12s %-58s %9.2f %s %-6g (%s)\n", c.met() ? "met" : "MISSED",
                          c.name, *c.measured, c.at_most ? "<" : ">=", c.threshold, c.where);
  }
  return out;
}

namespace {

std::string PhaseJson(const PhaseResult& p, double ratio) {
  return absl::StrFormat(
      "{\"concurrency\": %d, \"operations\": %d, \"seconds\": %.3f, \"ops_per_second\": %.1f, "
      "\"mib_per_second\": %.1f, \"ratio_to_baseline\": %.3f, \"p50_ms\": %.3f, \"p99_ms\": "
      "%.3f, \"server_cpu_seconds\": %.3f, \"client_cpu_seconds\": %.3f}",
      p.concurrency, p.operation_count, p.seconds, p.operations_per_second(), p.mib_per_second(),
      ratio, p.p50_ms, p.p99_ms, p.server_cpu_seconds, p.client_cpu_seconds);
}

std::string LargeJson(const S3BenchReport& r, const LargeObjectResult& l) {
  const double read = r.get_baseline_mib_per_second();
  return absl::StrCat(
      "{\"put\": ", PhaseJson(l.put, Ratio(l.put.mib_per_second(), r.disk.write_mib_per_second)),
      ", \"get_first\": ", PhaseJson(l.get_first, Ratio(l.get_first.mib_per_second(), read)),
      ", \"get_repeat\": ", PhaseJson(l.get_repeat, Ratio(l.get_repeat.mib_per_second(), read)),
      "}");
}

// Ratios to the unencrypted phases of the same concurrency.
std::string LargeSseJson(const LargeObjectResult& e, const LargeObjectResult& l) {
  return absl::StrCat(
      "{\"put\": ", PhaseJson(e.put, Ratio(e.put.mib_per_second(), l.put.mib_per_second())),
      ", \"get_first\": ",
      PhaseJson(e.get_first, Ratio(e.get_first.mib_per_second(), l.get_first.mib_per_second())),
      ", \"get_repeat\": ",
      PhaseJson(e.get_repeat, Ratio(e.get_repeat.mib_per_second(), l.get_repeat.mib_per_second())),
      "}");
}

std::string SmallJson(const SmallObjectResult& s) {
  const double appends = s.sync_appends_per_second;
  const double trips = s.loopback_round_trips_per_second;
  return absl::StrCat(
      absl::StrFormat("{\"sync_appends_per_second\": %.1f, \"loopback_round_trips_per_second\": "
                      "%.1f, \"keys_per_list\": %.1f",
                      appends, trips, s.keys_per_list),
      ", \"put\": ", PhaseJson(s.put, Ratio(s.put.operations_per_second(), appends)),
      ", \"get\": ", PhaseJson(s.get, Ratio(s.get.operations_per_second(), trips)),
      ", \"head\": ", PhaseJson(s.head, Ratio(s.head.operations_per_second(), trips)),
      ", \"list\": ", PhaseJson(s.list, Ratio(s.list.operations_per_second(), trips)),
      ", \"delete\": ", PhaseJson(s.del, Ratio(s.del.operations_per_second(), appends)), "}");
}

}  // namespace

std::string FormatS3Json(const S3BenchReport& r) {
  std::string out = absl::StrFormat(
      "{\"benchmark\": \"s3\", \"endpoint\": \"%s\", \"local_server\": %s, \"cold_first_reads\": "
      "%s, \"seconds_per_phase\": %.3f, \"large_object_bytes\": %d, \"small_object_bytes\": %d,\n"
      " \"disk_bytes\": %d, \"disk_write_mib_per_second\": %.1f, \"disk_read_mib_per_second\": "
      "%.1f, \"disk_read_resident_fraction\": %.3f, \"disk_buffered_write_mib_per_second\": "
      "%.1f, \"disk_direct_write_mib_per_second\": %.1f, \"disk_buffered_read_mib_per_second\": "
      "%.1f, \"disk_direct_read_mib_per_second\": %.1f,\n \"loopback_mib_per_second\": %.1f, "
      "\"server_peak_rss_bytes\": %d,\n \"large\": [",
      r.endpoint, r.local_server ? "true" : "false", r.cold_reads ? "true" : "false",
      r.options.seconds, r.options.large_object_bytes, r.options.small_object_bytes, r.disk.bytes,
      r.disk.write_mib_per_second, r.disk.read_mib_per_second, r.disk.resident_fraction_before_read,
      r.disk.buffered_write_mib_per_second, r.disk.direct_write_mib_per_second,
      r.disk.buffered_read_mib_per_second, r.disk.direct_read_mib_per_second,
      r.loopback_mib_per_second, r.server_peak_rss_bytes);
  for (size_t i = 0; i < r.large.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "\n  " : ",\n  ", LargeJson(r, r.large[i]));
  }
  if (r.cipher) {
    absl::StrAppendFormat(&out,
                          "],\n \"aes_gcm_seal_mib_per_cpu_second\": %.1f, "
                          "\"aes_gcm_open_mib_per_cpu_second\": %.1f",
                          r.cipher->seal_mib_per_cpu_second, r.cipher->open_mib_per_cpu_second);
    absl::StrAppend(&out, ",\n \"large_sse\": [");
  } else {
    absl::StrAppend(&out, "],\n \"large_sse\": [");
  }
  for (size_t i = 0; i < r.large_sse.size() && i < r.large.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "\n  " : ",\n  ", LargeSseJson(r.large_sse[i], r.large[i]));
  }
  absl::StrAppend(&out, "],\n \"small\": [");
  for (size_t i = 0; i < r.small.size(); ++i) {
    absl::StrAppend(&out, i == 0 ? "\n  " : ",\n  ", SmallJson(r.small[i]));
  }
  absl::StrAppend(&out, "],\n \"big\": ");
  if (r.big) {
    absl::StrAppendFormat(&out,
                          "{\"bytes\": %d, \"put_mib_per_second\": %.1f, \"get_mib_per_second\": "
                          "%.1f, \"peak_rss_bytes\": %d, \"max_sampled_rss_bytes\": %d}",
                          r.big->bytes, r.big->put_mib_per_second, r.big->get_mib_per_second,
                          r.big->peak_rss_bytes, r.big->max_sampled_rss_bytes);
  } else {
    out += "null";
  }
  absl::StrAppend(&out, ",\n \"targets\": [");
  const std::vector<TargetCheck> checks = EvaluateTargets(r);
  for (size_t i = 0; i < checks.size(); ++i) {
    const TargetCheck& c = checks[i];
    absl::StrAppendFormat(&out,
                          "%s{\"name\": \"%s\", \"where\": \"%s\", \"measured\": %s, "
                          "\"comparison\": \"%s\", \"threshold\": %g, \"met\": %s}",
                          i == 0 ? "\n  " : ",\n  ", c.name, c.where,
                          c.measured ? absl::StrFormat("%.3f", *c.measured) : "null",
                          c.at_most ? "<" : ">=", c.threshold, c.met() ? "true" : "false");
  }
  absl::StrAppend(&out, "]}\n");
  return out;
}

}  // namespace hamster::bench
