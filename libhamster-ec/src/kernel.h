#ifndef HAMSTER_EC_SRC_KERNEL_H_
#define HAMSTER_EC_SRC_KERNEL_H_

// GF(2^8) matrix arithmetic and the region kernels that apply a matrix to
// byte regions: out[r] = sum_j matrix[r][j] * in[j] over GF(2^8), polynomial
// 0x11d, which jerasure (w = 8) and ISA-L share.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "hamster/ec/codec.h"

namespace hamster::ec::internal {

// Work on a stripe goes in columns of tiles of this size when a second pass
// (a hash) follows the kernel: the k + m tiles of a column, at most 2 MiB,
// stay in L2 between the two, while whole 1 MiB blocks would be re-read from
// L3 or memory. 16-128 KiB tiles measured alike (docs/benchmarks.md).
inline constexpr size_t kCacheTileBytes = 64 * 1024;

struct PreparedMatrix {
  Kernel kernel = Kernel::kJerasure;
  int rows = 0;
  int columns = 0;
  std::vector<uint8_t> coefficients;  // row-major rows x columns
  std::vector<uint8_t> isal_tables;   // ec_init_tables output, when kernel == kIsal
};

// Initialises jerasure's global Galois-field tables exactly once; they are
// built lazily and racily otherwise.
void EnsureGaloisFieldReady();

Kernel ResolveKernel(Kernel requested);

// Whether `kernel` (resolved) takes regions at any address. ISA-L loads and
// stores unaligned; gf-complete aborts unless source and destination share
// their alignment, so jerasure regions must be kRegionAlignmentBytes-aligned.
bool KernelTakesUnalignedRegions(Kernel kernel);

PreparedMatrix PrepareMatrix(Kernel kernel, int rows, int columns,
                             std::vector<uint8_t> coefficients);

// REQUIRES: region_size_bytes a multiple of kRegionAlignmentBytes; every
// pointer aligned to it unless KernelTakesUnalignedRegions(matrix.kernel).
void MultiplyRegions(const PreparedMatrix& matrix, std::span<const uint8_t* const> inputs,
                     std::span<uint8_t* const> outputs, size_t region_size_bytes);

// The m x k parity rows of Hamster's generator matrix (CodeFamily::kCauchyGoodW8).
std::vector<uint8_t> CauchyGoodParityRows(int k, int m);

// Inverse of a square n x n matrix, or nullopt if it is singular.
std::optional<std::vector<uint8_t>> InvertMatrix(std::span<const uint8_t> matrix, int n);

uint8_t GfMultiply(uint8_t a, uint8_t b);

}  // namespace hamster::ec::internal

#endif  // HAMSTER_EC_SRC_KERNEL_H_
