// The matrix product of the Winograd passes, C = A B, with A (a layer's transformed weights, or
// their transpose) packed once per pass and B (transformed tiles, rows of `ldb` values) read in
// place. Eigen's product repacks both operands on every call, zeroes C before accumulating into
// it, and heap-allocates its packing buffers above 128 KB; on the Winograd shapes (16 products
// per chunk of Cout x Cin by Cin x ~256) that overhead was ~17% of a training step.
//
// The kernel keeps a kRows x 2 vectors block of C in registers and runs k in order from 0 with
// one multiply-add per step (FMA where the CPU has it), so each element of C is the same ordered
// sum whatever the blocking, the thread count or the column it sits in. Vectors are GCC vector
// extensions of 64 bytes: one AVX-512 register, two AVX ones, four SSE ones.
#ifndef IMCNAS_NN_INTERNAL_GEMM_H_
#define IMCNAS_NN_INTERNAL_GEMM_H_

#include <algorithm>
#include <cstddef>

namespace imcnas::nn::internal::gemm {

// Rows of C per register block: 12 x 2 vector accumulators fill 24 of AVX-512's 32 registers;
// without AVX-512 a 64-byte vector takes 2-4 registers of 16, so the block is smaller. The
// results do not depend on it (each element is the same ordered sum).
#ifdef __AVX512F__
inline constexpr int kRows = 12;
#else
inline constexpr int kRows = 3;
#endif

template <typename T>
struct Simd {
  static constexpr int kLanes = 64 / static_cast<int>(sizeof(T));
  typedef T Vec __attribute__((vector_size(64)));
};

// Columns of C per register block; B and C rows must be padded to a multiple of this.
template <typename T>
constexpr int ColumnBlock() {
  return 2 * Simd<T>::kLanes;
}

// Rows rounded up to whole register blocks: the packed size is PackedRows(rows) * depth.
inline int PackedRows(int rows) { return (rows + kRows - 1) / kRows * kRows; }

// Packs the rows x depth matrix whose element (r, k) is a[r * row_stride + k * depth_stride]
// as blocks of kRows rows, each depth x kRows (row index fastest), zero rows past `rows`.
// (row_stride, depth_stride) = (depth, 1) packs a row-major matrix, (1, rows) its transpose.
template <typename T>
void Pack(const T* a, int rows, int depth, std::size_t row_stride, std::size_t depth_stride,
          T* packed) {
  for (int r0 = 0; r0 < rows; r0 += kRows) {
    T* block = packed + static_cast<std::size_t>(r0) * depth;
    const int n = std::min(kRows, rows - r0);
    for (int k = 0; k < depth; ++k) {
      T* dst = block + static_cast<std::size_t>(k) * kRows;
      for (int r = 0; r < n; ++r) {
        dst[r] = a[static_cast<std::size_t>(r0 + r) * row_stride + k * depth_stride];
      }
      for (int r = n; r < kRows; ++r) dst[r] = T(0);
    }
  }
}

// C (rows x cols, row stride ldc) = A B, A packed by Pack (rows x depth), B depth x cols with row
// stride ldb. `cols` must be a multiple of ColumnBlock<T>(); B's columns up to there must be
// finite (padding columns are computed, then ignored by the caller). Rows of C past `rows` are
// not written.
template <typename T>
void Multiply(const T* packed, int rows, int depth, const T* b, std::size_t ldb, int cols, T* c,
              std::size_t ldc) {
  using Vec = typename Simd<T>::Vec;
  constexpr int kL = Simd<T>::kLanes;
  for (int j = 0; j < cols; j += 2 * kL) {
    for (int r0 = 0; r0 < rows; r0 += kRows) {
      const T* a = packed + static_cast<std::size_t>(r0) * depth;
      Vec acc[kRows][2];
      for (int r = 0; r < kRows; ++r) acc[r][0] = acc[r][1] = Vec{};
      const T* bk = b + j;
      for (int k = 0; k < depth; ++k, bk += ldb, a += kRows) {
        Vec b0, b1;
        __builtin_memcpy(&b0, bk, sizeof b0);
        __builtin_memcpy(&b1, bk + kL, sizeof b1);
        for (int r = 0; r < kRows; ++r) {
          acc[r][0] += a[r] * b0;
          acc[r][1] += a[r] * b1;
        }
      }
      const int n = std::min(kRows, rows - r0);
      for (int r = 0; r < n; ++r) {
        T* dst = c + static_cast<std::size_t>(r0 + r) * ldc + j;
        __builtin_memcpy(dst, &acc[r][0], sizeof(Vec));
        __builtin_memcpy(dst + kL, &acc[r][1], sizeof(Vec));
      }
    }
  }
}

}  // namespace imcnas::nn::internal::gemm

#endif  // IMCNAS_NN_INTERNAL_GEMM_H_
