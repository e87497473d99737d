#ifndef HAMSTER_TOOLS_BENCH_EC_TECHNIQUES_H_
#define HAMSTER_TOOLS_BENCH_EC_TECHNIQUES_H_

// `hamster-bench ec-techniques`: the Reed-Solomon techniques we could have
// chosen (ADR 0002), measured by calling jerasure and ISA-L directly on the
// same 1 MiB regions for 4+2, 8+3 and 10+4, as ratios to memcpy; plus which
// techniques produce byte-identical parity, and which generator matrices are
// MDS (every k of the k + m shards decode).

#include <string>
#include <vector>

#include "measure.h"

namespace hamster::bench {

struct TechniqueRate {
  std::string name;
  Rate rate;
};

struct TechniqueProfileResult {
  int data_shard_count = 0;
  int parity_shard_count = 0;
  Rate memcpy;
  std::vector<TechniqueRate> techniques;
  // Whether two techniques wrote the same parity bytes for the same data.
  bool isal_cauchy_matches_jerasure_matrix = false;
  bool isal_vandermonde_matches_jerasure_matrix = false;
  bool bitmatrix_matches_matrix_mode = false;
  bool isal_available = false;
};

// For one profile and generator matrix: how many of the C(k+m, k) choices of
// k surviving shards give a singular (undecodable) system.
struct MdsCheck {
  int data_shard_count = 0;
  int parity_shard_count = 0;
  std::string matrix;
  long singular_subsets = 0;
  long subsets = 0;
};

struct TechniquesReport {
  MeasureOptions measure;
  int bitmatrix_packet_size_bytes = 0;
  std::vector<TechniqueProfileResult> profiles;
  std::vector<MdsCheck> mds_checks;
};

TechniquesReport RunEcTechniques(const MeasureOptions& options);

std::string FormatTechniquesTable(const TechniquesReport& report);
std::string FormatTechniquesJson(const TechniquesReport& report);

}  // namespace hamster::bench

#endif  // HAMSTER_TOOLS_BENCH_EC_TECHNIQUES_H_
