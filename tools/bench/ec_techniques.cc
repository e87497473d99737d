#include "ec_techniques.h"

#include <jerasure.h>
#include <jerasure/cauchy.h>
#include <jerasure/galois.h>
#include <jerasure/reed_sol.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

#ifdef HAMSTER_BENCH_HAVE_ISAL
#include <isa-l/erasure_code.h>
#endif

namespace hamster::bench {
namespace {

constexpr int kWordSizeBits = 8;
constexpr size_t kRegionBytes = kMebibyte;
// jerasure_schedule_encode works on packets of w * packet size bytes; 8 KiB
// packets make 64 KiB units, which divide 1 MiB.
constexpr int kPacketSizeBytes = 8 * 1024;
constexpr int kTechniqueProfiles[][2] = {{4, 2}, {8, 3}, {10, 4}};
// Our three profiles, then two where ISA-L's gf_gen_rs_matrix is known to fail.
constexpr int kMdsProfiles[][2] = {{4, 2}, {8, 3}, {10, 4}, {8, 5}, {12, 6}};

struct FreeInts {
  void operator()(int* p) const { std::free(p); }
};
using JerasureMatrix = std::unique_ptr<int, FreeInts>;

// k data regions and several sets of m parity regions, one set per technique
// whose output is compared.
struct Regions {
  Regions(int k_in, int m_in) : k(k_in), m(m_in), data(size_t(k_in) * kRegionBytes) {
    FillRandom(data.span(), uint64_t(k) * 1000 + m);
    for (int j = 0; j < k; ++j) data_regions.push_back(data.data() + size_t(j) * kRegionBytes);
  }
  // A fresh set of m zeroed parity regions; the pointers stay valid.
  std::vector<uint8_t*> NewParity() {
    parity.push_back(std::make_unique<AlignedBuffer>(size_t(m) * kRegionBytes));
    std::memset(parity.back()->data(), 0, parity.back()->size());
    std::vector<uint8_t*> regions;
    for (int j = 0; j < m; ++j) regions.push_back(parity.back()->data() + size_t(j) * kRegionBytes);
    return regions;
  }
  char** data_chars() { return reinterpret_cast<char**>(data_regions.data()); }

  int k;
  int m;
  AlignedBuffer data;
  std::vector<uint8_t*> data_regions;
  std::vector<std::unique_ptr<AlignedBuffer>> parity;
};

bool SameParity(const std::vector<uint8_t*>& a, const std::vector<uint8_t*>& b) {
  for (size_t j = 0; j < a.size(); ++j) {
    if (std::memcmp(a[j], b[j], kRegionBytes) != 0) return false;
  }
  return true;
}

char** Chars(std::vector<uint8_t*>& regions) { return reinterpret_cast<char**>(regions.data()); }

// jerasure matrix mode: one region multiply-accumulate per matrix coefficient.
Rate MeasureJerasureMatrix(Regions& regions, const int* matrix, std::vector<uint8_t*>& parity,
                           const MeasureOptions& options) {
  return MeasureRate(
      [&] {
        jerasure_matrix_encode(regions.k, regions.m, kWordSizeBits, const_cast<int*>(matrix),
                               regions.data_chars(), Chars(parity), int(kRegionBytes));
      },
      regions.data.size(), options);
}

// Cauchy bitmatrix with a smart XOR schedule: parity is XORs of packets, so
// its byte layout differs from matrix mode (and from ISA-L).
Rate MeasureJerasureSchedule(Regions& regions, const int* matrix, std::vector<uint8_t*>& parity,
                             const MeasureOptions& options) {
  const int k = regions.k;
  const int m = regions.m;
  JerasureMatrix bitmatrix(
      jerasure_matrix_to_bitmatrix(k, m, kWordSizeBits, const_cast<int*>(matrix)));
  int** schedule = jerasure_smart_bitmatrix_to_schedule(k, m, kWordSizeBits, bitmatrix.get());
  const Rate rate = MeasureRate(
      [&] {
        jerasure_schedule_encode(k, m, kWordSizeBits, schedule, regions.data_chars(), Chars(parity),
                                 int(kRegionBytes), kPacketSizeBytes);
      },
      regions.data.size(), options);
  jerasure_free_schedule(schedule);
  return rate;
}

#ifdef HAMSTER_BENCH_HAVE_ISAL
Rate MeasureIsal(Regions& regions, const int* matrix, std::vector<uint8_t*>& parity,
                 const MeasureOptions& options) {
  const int k = regions.k;
  const int m = regions.m;
  std::vector<uint8_t> coefficients(matrix, matrix + size_t(k) * m);
  std::vector<uint8_t> tables(size_t{32} * k * m);
  ec_init_tables(k, m, coefficients.data(), tables.data());
  return MeasureRate(
      [&] {
        ec_encode_data(int(kRegionBytes), k, m, tables.data(), regions.data_regions.data(),
                       parity.data());
      },
      regions.data.size(), options);
}
#endif

TechniqueProfileResult MeasureTechniqueProfile(int k, int m, const MeasureOptions& options) {
  Regions regions(k, m);
  TechniqueProfileResult result;
  result.data_shard_count = k;
  result.parity_shard_count = m;
  const JerasureMatrix vandermonde(reed_sol_vandermonde_coding_matrix(k, m, kWordSizeBits));
  const JerasureMatrix cauchy(cauchy_good_general_coding_matrix(k, m, kWordSizeBits));
  std::vector<uint8_t*> vandermonde_parity = regions.NewParity();
  std::vector<uint8_t*> cauchy_parity = regions.NewParity();
  std::vector<uint8_t*> schedule_parity = regions.NewParity();

  result.memcpy = MeasureMemcpy(regions.data.data(), regions.data.size(), options);
  result.techniques.push_back(
      {"jerasure matrix Vandermonde",
       MeasureJerasureMatrix(regions, vandermonde.get(), vandermonde_parity, options)});
  result.techniques.push_back(
      {"jerasure matrix Cauchy-good",
       MeasureJerasureMatrix(regions, cauchy.get(), cauchy_parity, options)});
  result.techniques.push_back(
      {"jerasure bitmatrix Cauchy-good smart schedule",
       MeasureJerasureSchedule(regions, cauchy.get(), schedule_parity, options)});
  result.bitmatrix_matches_matrix_mode = SameParity(schedule_parity, cauchy_parity);
#ifdef HAMSTER_BENCH_HAVE_ISAL
  result.isal_available = true;
  std::vector<uint8_t*> isal_cauchy_parity = regions.NewParity();
  std::vector<uint8_t*> isal_vandermonde_parity = regions.NewParity();
  result.techniques.push_back(
      {"ISA-L Cauchy-good", MeasureIsal(regions, cauchy.get(), isal_cauchy_parity, options)});
  result.techniques.push_back({"ISA-L Vandermonde", MeasureIsal(regions, vandermonde.get(),
                                                                isal_vandermonde_parity, options)});
  result.isal_cauchy_matches_jerasure_matrix = SameParity(isal_cauchy_parity, cauchy_parity);
  result.isal_vandermonde_matches_jerasure_matrix =
      SameParity(isal_vandermonde_parity, vandermonde_parity);
#endif
  return result;
}

// Counts the k-subsets of the k + m rows of [I; parity_rows] whose k x k
// matrix is singular, i.e. the sets of k surviving shards that cannot decode.
MdsCheck CheckMds(int k, int m, std::string name, const std::vector<int>& parity_rows) {
  MdsCheck check;
  check.data_shard_count = k;
  check.parity_shard_count = m;
  check.matrix = std::move(name);
  const int n = k + m;
  auto row = [&](int index, int column) {
    if (index < k) return index == column ? 1 : 0;
    return parity_rows[size_t(index - k) * k + column];
  };
  std::vector<int> chosen(k);
  for (int i = 0; i < k; ++i) chosen[i] = i;
  std::vector<int> square(size_t(k) * k);
  std::vector<int> inverse(size_t(k) * k);
  while (true) {
    for (int r = 0; r < k; ++r) {
      for (int c = 0; c < k; ++c) square[size_t(r) * k + c] = row(chosen[r], c);
    }
    ++check.subsets;
    if (jerasure_invert_matrix(square.data(), inverse.data(), k, kWordSizeBits) != 0) {
      ++check.singular_subsets;
    }
    // Next k-subset in lexicographic order; the last one is {m, ..., n - 1}.
    int i = k - 1;
    while (i >= 0 && chosen[i] == n - k + i) --i;
    if (i < 0) break;
    ++chosen[i];
    for (int j = i + 1; j < k; ++j) chosen[j] = chosen[j - 1] + 1;
  }
  return check;
}

std::vector<MdsCheck> CheckMdsProfiles() {
  std::vector<MdsCheck> checks;
  for (const auto& [k, m] : kMdsProfiles) {
    const JerasureMatrix cauchy(cauchy_good_general_coding_matrix(k, m, kWordSizeBits));
    checks.push_back(CheckMds(k, m, "jerasure cauchy_good_general_coding_matrix",
                              std::vector<int>(cauchy.get(), cauchy.get() + k * m)));
    const JerasureMatrix vandermonde(reed_sol_vandermonde_coding_matrix(k, m, kWordSizeBits));
    checks.push_back(CheckMds(k, m, "jerasure reed_sol_vandermonde_coding_matrix",
                              std::vector<int>(vandermonde.get(), vandermonde.get() + k * m)));
#ifdef HAMSTER_BENCH_HAVE_ISAL
    std::vector<uint8_t> full(size_t(k + m) * k);
    gf_gen_rs_matrix(full.data(), k + m, k);
    checks.push_back(CheckMds(k, m, "ISA-L gf_gen_rs_matrix",
                              std::vector<int>(full.begin() + k * k, full.end())));
    gf_gen_cauchy1_matrix(full.data(), k + m, k);
    checks.push_back(CheckMds(k, m, "ISA-L gf_gen_cauchy1_matrix",
                              std::vector<int>(full.begin() + k * k, full.end())));
#endif
  }
  return checks;
}

}  // namespace

TechniquesReport RunEcTechniques(const MeasureOptions& options) {
  // jerasure builds its Galois-field tables lazily; build them before timing.
  if (galois_init_default_field(kWordSizeBits) != 0) std::abort();
  TechniquesReport report;
  report.measure = options;
  report.bitmatrix_packet_size_bytes = kPacketSizeBytes;
  for (const auto& [k, m] : kTechniqueProfiles) {
    report.profiles.push_back(MeasureTechniqueProfile(k, m, options));
  }
  report.mds_checks = CheckMdsProfiles();
  return report;
}

namespace {

double Ratio(const Rate& a, const Rate& b) {
  return b.gigabytes_per_second > 0 ? a.gigabytes_per_second / b.gigabytes_per_second : 0;
}

const char* YesNo(bool value) { return value ? "yes" : "no"; }

}  // namespace

std::string FormatTechniquesTable(const TechniquesReport& report) {
  std::string out = absl::StrFormat(
      "hamster-bench ec-techniques: w=8, 1 MiB regions, bitmatrix packet %d bytes; median of %d "
      "runs, %.2f CPU-s per figure\nGB/s = 1e9 bytes of data per CPU-second; (x) = ratio to "
      "memcpy of the same k MiB\n\n%-46s",
      report.bitmatrix_packet_size_bytes, report.measure.repetitions, report.measure.seconds,
      "technique");
  for (const TechniqueProfileResult& p : report.profiles) {
    absl::StrAppendFormat(&out, " %15s",
                          absl::StrCat(p.data_shard_count, "+", p.parity_shard_count));
  }
  absl::StrAppendFormat(&out, "\n%-46s", "memcpy");
  for (const TechniqueProfileResult& p : report.profiles) {
    absl::StrAppendFormat(&out, " %15.2f", p.memcpy.gigabytes_per_second);
  }
  for (size_t t = 0; !report.profiles.empty() && t < report.profiles[0].techniques.size(); ++t) {
    absl::StrAppendFormat(&out, "\n%-46s", report.profiles[0].techniques[t].name);
    for (const TechniqueProfileResult& p : report.profiles) {
      const Rate& rate = p.techniques[t].rate;
      absl::StrAppendFormat(&out, " %8.2f %5.2fx", rate.gigabytes_per_second,
                            Ratio(rate, p.memcpy));
    }
  }
  if (!report.profiles.empty() && !report.profiles[0].isal_available) {
    absl::StrAppend(&out, "\n(ISA-L is not in this build: its rows are left out)");
  }
  absl::StrAppend(&out, "\n\nsame parity bytes:");
  for (const TechniqueProfileResult& p : report.profiles) {
    absl::StrAppendFormat(&out, "\n  %d+%d: bitmatrix schedule = matrix mode: %s",
                          p.data_shard_count, p.parity_shard_count,
                          YesNo(p.bitmatrix_matches_matrix_mode));
    if (p.isal_available) {
      absl::StrAppendFormat(&out,
                            "; ISA-L = jerasure matrix mode (Cauchy-good: %s, Vandermonde: %s)",
                            YesNo(p.isal_cauchy_matches_jerasure_matrix),
                            YesNo(p.isal_vandermonde_matches_jerasure_matrix));
    }
  }
  absl::StrAppend(&out, "\n\nMDS check: sets of k surviving shards that cannot decode\n");
  for (const MdsCheck& c : report.mds_checks) {
    absl::StrAppendFormat(&out, "  %2d+%-2d %-44s %6ld of %6ld\n", c.data_shard_count,
                          c.parity_shard_count, c.matrix, c.singular_subsets, c.subsets);
  }
  return out;
}

std::string FormatTechniquesJson(const TechniquesReport& report) {
  std::string out = absl::StrFormat(
      "{\"benchmark\": \"ec-techniques\", \"unit\": \"GB/s = 1e9 bytes of data per CPU-second "
      "of the measuring thread\", \"word_size_bits\": 8, \"region_size_bytes\": %d, "
      "\"bitmatrix_packet_size_bytes\": %d, \"seconds_per_figure\": %.3f, \"repetitions\": %d, "
      "\"profiles\": [",
      kRegionBytes, report.bitmatrix_packet_size_bytes, report.measure.seconds,
      report.measure.repetitions);
  for (size_t i = 0; i < report.profiles.size(); ++i) {
    const TechniqueProfileResult& p = report.profiles[i];
    absl::StrAppendFormat(
        &out,
        "%s{\"profile\": \"%d+%d\", \"memcpy_gbps\": %.3f, \"bitmatrix_matches_matrix_mode\": %s, "
        "\"isal_cauchy_matches_jerasure_matrix\": %s, "
        "\"isal_vandermonde_matches_jerasure_matrix\": %s, \"techniques\": [",
        i == 0 ? "\n  " : ",\n  ", p.data_shard_count, p.parity_shard_count,
        p.memcpy.gigabytes_per_second, p.bitmatrix_matches_matrix_mode ? "true" : "false",
        p.isal_cauchy_matches_jerasure_matrix ? "true" : "false",
        p.isal_vandermonde_matches_jerasure_matrix ? "true" : "false");
    for (size_t t = 0; t < p.techniques.size(); ++t) {
      const TechniqueRate& technique = p.techniques[t];
      absl::StrAppendFormat(&out,
                            "%s{\"name\": \"%s\", \"gbps\": %.3f, \"vs_memcpy\": %.3f, "
                            "\"spread\": %.3f}",
                            t == 0 ? "" : ", ", technique.name, technique.rate.gigabytes_per_second,
                            Ratio(technique.rate, p.memcpy), technique.rate.spread);
    }
    absl::StrAppend(&out, "]}");
  }
  absl::StrAppend(&out, "],\n \"mds_checks\": [");
  for (size_t i = 0; i < report.mds_checks.size(); ++i) {
    const MdsCheck& c = report.mds_checks[i];
    absl::StrAppendFormat(&out,
                          "%s{\"profile\": \"%d+%d\", \"matrix\": \"%s\", "
                          "\"singular_subsets\": %ld, \"subsets\": %ld}",
                          i == 0 ? "\n  " : ",\n  ", c.data_shard_count, c.parity_shard_count,
                          c.matrix, c.singular_subsets, c.subsets);
  }
  absl::StrAppend(&out, "]}\n");
  return out;
}

}  // namespace hamster::bench
