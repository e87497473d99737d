#include "kernel.h"

#include <jerasure.h>
#include <jerasure/cauchy.h>
#include <jerasure/galois.h>

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <mutex>

#ifdef HAMSTER_HAVE_ISAL
#include <isa-l/erasure_code.h>
#endif

namespace hamster::ec::internal {
namespace {

// Both libraries take region lengths as int; larger regions go in slices.
constexpr size_t kMaxSliceBytes = size_t{1} << 30;

// jerasure multiplies one whole region by one coefficient at a time; working
// on tiles keeps every output tile in cache while all k inputs are folded in.
constexpr size_t kJerasureTileBytes = 64 * 1024;

[[maybe_unused]] bool IsAligned(const void* p) {  // for assert() only
  return reinterpret_cast<uintptr_t>(p) % kRegionAlignmentBytes == 0;
}

void MultiplyTileJerasure(const PreparedMatrix& matrix, std::span<const uint8_t* const> inputs,
                          std::span<uint8_t* const> outputs, size_t offset, size_t length) {
  const int len = static_cast<int>(length);
  for (int r = 0; r < matrix.rows; ++r) {
    char* out = reinterpret_cast<char*>(outputs[r] + offset);
    bool written = false;
    for (int j = 0; j < matrix.columns; ++j) {
      const uint8_t coefficient = matrix.coefficients[size_t(r) * matrix.columns + j];
      if (coefficient == 0) continue;
      // jerasure's API is not const-correct; it only reads the source region.
      char* in = const_cast<char*>(reinterpret_cast<const char*>(inputs[j] + offset));
      if (coefficient == 1) {
        if (written) {
          galois_region_xor(in, out, len);
        } else {
          std::memcpy(out, in, length);
        }
      } else {
        galois_w08_region_multiply(in, coefficient, len, out, written ? 1 : 0);
      }
      written = true;
    }
    if (!written) std::memset(out, 0, length);
  }
}

void MultiplyJerasure(const PreparedMatrix& matrix, std::span<const uint8_t* const> inputs,
                      std::span<uint8_t* const> outputs, size_t region_size_bytes) {
  for (size_t offset = 0; offset < region_size_bytes; offset += kJerasureTileBytes) {
    const size_t length = std::min(kJerasureTileBytes, region_size_bytes - offset);
    MultiplyTileJerasure(matrix, inputs, outputs, offset, length);
  }
}

#ifdef HAMSTER_HAVE_ISAL
void MultiplyIsal(const PreparedMatrix& matrix, std::span<const uint8_t* const> inputs,
                  std::span<uint8_t* const> outputs, size_t region_size_bytes) {
  // ISA-L's API is not const-correct; it only reads the sources.
  uint8_t* in[kMaxShardCount];
  uint8_t* out[kMaxShardCount];
  for (size_t offset = 0; offset < region_size_bytes; offset += kMaxSliceBytes) {
    const size_t length = std::min(kMaxSliceBytes, region_size_bytes - offset);
    for (int j = 0; j < matrix.columns; ++j) in[j] = const_cast<uint8_t*>(inputs[j]) + offset;
    for (int r = 0; r < matrix.rows; ++r) out[r] = outputs[r] + offset;
    ec_encode_data(static_cast<int>(length), matrix.columns, matrix.rows,
                   const_cast<uint8_t*>(matrix.isal_tables.data()), in, out);
  }
}
#endif

}  // namespace

void EnsureGaloisFieldReady() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (galois_init_default_field(8) != 0) std::abort();  // only fails on out-of-memory
  });
}

Kernel ResolveKernel(Kernel requested) {
  if (requested != Kernel::kAuto) return requested;
#ifdef HAMSTER_HAVE_ISAL
  return Kernel::kIsal;
#else
  return Kernel::kJerasure;
#endif
}

bool KernelTakesUnalignedRegions(Kernel kernel) { return kernel == Kernel::kIsal; }

PreparedMatrix PrepareMatrix(Kernel kernel, int rows, int columns,
                             std::vector<uint8_t> coefficients) {
  assert(coefficients.size() == size_t(rows) * columns);
  PreparedMatrix matrix{.kernel = ResolveKernel(kernel),
                        .rows = rows,
                        .columns = columns,
                        .coefficients = std::move(coefficients),
                        .isal_tables = {}};
#ifdef HAMSTER_HAVE_ISAL
  if (matrix.kernel == Kernel::kIsal && rows > 0) {
    matrix.isal_tables.resize(size_t{32} * columns * rows);
    ec_init_tables(columns, rows, matrix.coefficients.data(), matrix.isal_tables.data());
  }
#endif
  return matrix;
}

void MultiplyRegions(const PreparedMatrix& matrix, std::span<const uint8_t* const> inputs,
                     std::span<uint8_t* const> outputs, size_t region_size_bytes) {
  assert(inputs.size() == size_t(matrix.columns));
  assert(outputs.size() == size_t(matrix.rows));
  assert(region_size_bytes % kRegionAlignmentBytes == 0);
  if (!KernelTakesUnalignedRegions(matrix.kernel)) {
    for ([[maybe_unused]] const uint8_t* p : inputs) assert(IsAligned(p));
    for ([[maybe_unused]] const uint8_t* p : outputs) assert(IsAligned(p));
  }
  if (matrix.rows == 0 || region_size_bytes == 0) return;
  switch (matrix.kernel) {
#ifdef HAMSTER_HAVE_ISAL
    case Kernel::kIsal:
      MultiplyIsal(matrix, inputs, outputs, region_size_bytes);
      return;
#endif
    default:
      MultiplyJerasure(matrix, inputs, outputs, region_size_bytes);
      return;
  }
}

std::vector<uint8_t> CauchyGoodParityRows(int k, int m) {
  if (m == 0) return {};
  EnsureGaloisFieldReady();
  int* rows = cauchy_good_general_coding_matrix(k, m, 8);
  if (rows == nullptr) std::abort();  // allocation failure inside jerasure
  std::vector<uint8_t> result(rows, rows + size_t(k) * m);
  std::free(rows);
  return result;
}

uint8_t GfMultiply(uint8_t a, uint8_t b) {
  EnsureGaloisFieldReady();
  return static_cast<uint8_t>(galois_single_multiply(a, b, 8));
}

std::optional<std::vector<uint8_t>> InvertMatrix(std::span<const uint8_t> matrix, int n) {
  EnsureGaloisFieldReady();
  std::vector<int> source(matrix.begin(), matrix.end());
  std::vector<int> inverse(size_t(n) * n);
  if (jerasure_invert_matrix(source.data(), inverse.data(), n, 8) != 0) return std::nullopt;
  return std::vector<uint8_t>(inverse.begin(), inverse.end());
}

}  // namespace hamster::ec::internal
