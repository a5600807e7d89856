// The matrix product of the Winograd passes, C = A B, with A (a layer's transformed weights, or
// their transpose) packed once per pass and B (transformed tiles, rows of `ldb` values) read in
// place. Eigen's product repacks both operands on every call, zeroes C before accumulating into
// it, and heap-allocates its packing buffers above 128 KB; on the Winograd shapes (16 products
// per chunk of Cout x Cin by Cin x ~256) that overhead was ~17% of a training step.
//
// The kernel keeps a kRows x kVectors vectors block of C in registers and runs k in order from 0
// with one multiply-add per step (an FMA where the CPU has one and the compiler fuses it: -O2 and
// up), so each element of C is the same ordered sum whatever the blocking, the thread count or
// the column it sits in. Depth is cut into blocks of kDepthBlock: a block's column panel of B
// (kDepthBlock rows x one register block of columns, 16 KiB in float) stays in L1 while every row
// block of A passes over it, and the next depth block resumes each element's sum from the value
// stored in C, which is the same rounded partial sum the registers held, so the blocking does not
// change a bit. Vectors are GCC vector extensions of 64 bytes: one AVX-512 register, two AVX
// ones, four SSE ones.
#ifndef IMCNAS_NN_INTERNAL_GEMM_H_
#define IMCNAS_NN_INTERNAL_GEMM_H_

#include <algorithm>
#include <cstddef>

namespace imcnas::nn::internal::gemm {

// Register block: kRows x kVectors accumulators. With AVX-512, 6 x 4 = 24 of the 32 registers,
// 4 loads of B and 6 broadcasts of A per 24 multiply-adds. With the depth blocks, 12-26% faster
// than the 12 x 2 block without them on the Winograd shapes (32-256 rows and depth, 256 columns;
// nn/README.md). Without AVX-512 a 64-byte vector takes 2-4 registers of 16, so the block is
// smaller. The results do not depend on it (each element is the same ordered sum).
#ifdef __AVX512F__
inline constexpr int kRows = 6;
inline constexpr int kVectors = 4;
#else
inline constexpr int kRows = 3;
inline constexpr int kVectors = 2;
#endif
// Depth per pass over C (see above).
inline constexpr int kDepthBlock = 64;

template <typename T>
struct Simd {
  static constexpr int kLanes = 64 / static_cast<int>(sizeof(T));
  typedef T Vec __attribute__((vector_size(64)));
};

// Columns of C per register block.
template <typename T>
constexpr int ColumnBlock() {
  return kVectors * Simd<T>::kLanes;
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

// Columns B and C rows must be padded to: one vector. Full register blocks of ColumnBlock<T>()
// columns run first; the last 1 .. kVectors - 1 vectors of a row run as a narrower block, so a
// map of 196 tiles is computed on 208 columns, not 256.
template <typename T>
constexpr int ColumnPadding() {
  return Simd<T>::kLanes;
}

namespace detail {
// One register block: rows r0 .. r0 + kRows - 1 (n of them stored) by kV vectors from column j,
// depth k0 .. k1 - 1, resuming the sums stored in C when k0 > 0.
template <typename T, int kV>
inline void Block(const T* a, int n, int k0, int k1, const T* b, std::size_t ldb, T* c,
                  std::size_t ldc) {
  using Vec = typename Simd<T>::Vec;
  constexpr int kL = Simd<T>::kLanes;
  Vec acc[kRows][kV];
#pragma GCC unroll 16
  for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 8
    for (int v = 0; v < kV; ++v) {
      if (k0 > 0 && r < n) {  // resume the sums stored by the previous depth block
        __builtin_memcpy(&acc[r][v], c + static_cast<std::size_t>(r) * ldc + v * kL, sizeof(Vec));
      } else {
        acc[r][v] = Vec{};
      }
    }
  }
  const T* bk = b + static_cast<std::size_t>(k0) * ldb;
  for (int k = k0; k < k1; ++k, bk += ldb, a += kRows) {
    Vec bv[kV];
#pragma GCC unroll 8
    for (int v = 0; v < kV; ++v) __builtin_memcpy(&bv[v], bk + v * kL, sizeof(Vec));
#pragma GCC unroll 16
    for (int r = 0; r < kRows; ++r) {
#pragma GCC unroll 8
      for (int v = 0; v < kV; ++v) acc[r][v] += a[r] * bv[v];
    }
  }
  // Unrolled with a constant row index (not a loop to n): indexing acc by a run-time row would
  // keep the accumulators in memory, a store and a load of each around every block.
#pragma GCC unroll 16
  for (int r = 0; r < kRows; ++r) {
    if (r >= n) break;
    T* dst = c + static_cast<std::size_t>(r) * ldc;
#pragma GCC unroll 8
    for (int v = 0; v < kV; ++v) __builtin_memcpy(dst + v * kL, &acc[r][v], sizeof(Vec));
  }
}

// The narrower last block of a row: 1 .. kVectors - 1 vectors, each width compiled once.
template <typename T, int kV = 1>
inline void TailBlock(int vectors, const T* a, int n, int k0, int k1, const T* b,
                      std::size_t ldb, T* c, std::size_t ldc) {
  if constexpr (kV < kVectors) {
    if (vectors == kV) {
      Block<T, kV>(a, n, k0, k1, b, ldb, c, ldc);
    } else {
      TailBlock<T, kV + 1>(vectors, a, n, k0, k1, b, ldb, c, ldc);
    }
  }
}
}  // namespace detail

// C (rows x cols, row stride ldc) = A B, A packed by Pack (rows x depth), B depth x cols with row
// stride ldb. `cols` must be a multiple of ColumnPadding<T>(); B's columns up to there must be
// finite (padding columns are computed, then ignored by the caller). Rows of C past `rows` are
// not written.
template <typename T>
void Multiply(const T* packed, int rows, int depth, const T* b, std::size_t ldb, int cols, T* c,
              std::size_t ldc) {
  constexpr int kL = Simd<T>::kLanes;
  constexpr int kBlock = ColumnBlock<T>();
  const int full = cols / kBlock * kBlock;
  const int tail = (cols - full) / kL;  // vectors in the last, narrower block
  for (int k0 = 0; k0 < depth; k0 += kDepthBlock) {
    const int k1 = std::min(depth, k0 + kDepthBlock);
    for (int j = 0; j < cols; j += kBlock) {
      for (int r0 = 0; r0 < rows; r0 += kRows) {
        const int n = std::min(kRows, rows - r0);
        const T* a =
            packed + static_cast<std::size_t>(r0) * depth + static_cast<std::size_t>(k0) * kRows;
        T* cb = c + static_cast<std::size_t>(r0) * ldc + j;
        if (j < full) {
          detail::Block<T, kVectors>(a, n, k0, k1, b + j, ldb, cb, ldc);
        } else {
          detail::TailBlock<T>(tail, a, n, k0, k1, b + j, ldb, cb, ldc);
        }
      }
    }
  }
}

}  // namespace imcnas::nn::internal::gemm

#endif  // IMCNAS_NN_INTERNAL_GEMM_H_
