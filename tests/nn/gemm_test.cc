// internal::gemm against a plain triple loop: every row-block remainder, depth 1 and depths
// across the depth blocks, transposed packing, padded leading dimensions, float and double; and
// the ordered-sum property the determinism rules rely on (the same element of C does not depend
// on its column or row block, and is the plain ordered multiply-add chain over the whole depth,
// whatever the depth blocks).
#include "nn/internal/gemm.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include <gtest/gtest.h>

namespace imcnas::nn::internal::gemm {
namespace {

template <typename T>
std::vector<T> Random(std::size_t n, std::uint32_t seed) {
  std::vector<T> v(n);
  for (auto& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = static_cast<T>((seed >> 8) * (1.0 / 16777216.0) - 0.5);
  }
  return v;
}

// C = A B with A given as rows x depth (row-major, or its transpose when `transposed`) and B
// depth x cols; compares with a double-precision loop.
template <typename T>
void Check(int rows, int depth, int cols, bool transposed, double tolerance) {
  const int padded_cols = (cols + ColumnPadding<T>() - 1) / ColumnPadding<T>() * ColumnPadding<T>();
  const std::size_t ldb = padded_cols + 3, ldc = padded_cols + 5;  // padded, unaligned rows
  const std::vector<T> a = Random<T>(static_cast<std::size_t>(rows) * depth, 7 + rows);
  std::vector<T> b = Random<T>(depth * ldb, 11 + depth);
  for (int k = 0; k < depth; ++k) {
    for (std::size_t j = cols; j < ldb; ++j) b[k * ldb + j] = 0;  // finite padding
  }
  std::vector<T> packed(static_cast<std::size_t>(PackedRows(rows)) * depth, T(-1));
  if (transposed) {
    // `a` read as the transpose of a depth x rows matrix stored row-major.
    Pack(a.data(), rows, depth, 1, static_cast<std::size_t>(rows), packed.data());
  } else {
    Pack(a.data(), rows, depth, static_cast<std::size_t>(depth), 1, packed.data());
  }
  const T sentinel = T(12345);
  const int c_rows = PackedRows(rows) + 1;  // room for a kernel that wrote whole blocks
  std::vector<T> c(c_rows * ldc, sentinel);
  Multiply(packed.data(), rows, depth, b.data(), ldb, padded_cols, c.data(), ldc);
  for (int r = 0; r < rows; ++r) {
    for (int j = 0; j < cols; ++j) {
      double want = 0;
      for (int k = 0; k < depth; ++k) {
        const double ark = transposed ? a[static_cast<std::size_t>(k) * rows + r]
                                      : a[static_cast<std::size_t>(r) * depth + k];
        want += ark * b[k * ldb + j];
      }
      ASSERT_NEAR(c[r * ldc + j], want, tolerance)
          << rows << "x" << depth << "x" << cols << " at (" << r << ", " << j << ")";
    }
  }
  // Rows past `rows`, and columns past the padded ones, are left alone.
  for (int r = 0; r < c_rows; ++r) {
    for (std::size_t j = r < rows ? padded_cols : 0; j < ldc; ++j) {
      ASSERT_EQ(c[r * ldc + j], sentinel)
          << rows << "x" << depth << " at (" << r << ", " << j << ")";
    }
  }
}

TEST(Gemm, MatchesPlainLoopFloat) {
  for (int rows : {1, 5, kRows - 1, kRows, kRows + 1, 32, 64}) {
    for (int depth : {1, 3, 32, kDepthBlock, 75, 2 * kDepthBlock + 5}) {
      for (int cols : {1, 17, 32, 33, 100, 150, 200}) {
        Check<float>(rows, depth, cols, false, 2e-5);
        Check<float>(rows, depth, cols, true, 2e-5);
      }
    }
  }
}

TEST(Gemm, MatchesPlainLoopDouble) {
  for (int rows : {1, kRows + 3, 40}) {
    for (int depth : {1, 9, 64, kDepthBlock + 1}) {
      for (int cols : {1, 16, 31}) {
        Check<double>(rows, depth, cols, false, 1e-13);
        Check<double>(rows, depth, cols, true, 1e-13);
      }
    }
  }
}

// Every element is the same ordered sum wherever it sits: moving a column of B to another
// column block (here each narrower last block: 1 .. kVectors - 1 vectors), or a row of A to
// another row block, gives bit-identical results.
template <typename T>
void ExpectElementIndependentOfItsBlock(int tail_vectors) {
  const int rows = 3 * kRows + 1, depth = 37;
  const int cols = 2 * ColumnBlock<T>() + tail_vectors * ColumnPadding<T>();
  const std::vector<T> a = Random<T>(rows * depth, 3);
  const std::vector<T> b = Random<T>(depth * cols, 5);
  std::vector<T> packed(PackedRows(rows) * depth), c(rows * cols);
  Pack(a.data(), rows, depth, depth, 1, packed.data());
  Multiply(packed.data(), rows, depth, b.data(), cols, cols, c.data(), cols);
  // A row inside the second block of A alone, as row 0 of a one-row A, with B's column 0 copied
  // to the last column (another column block, last lane).
  const int row = kRows + kRows / 2 + 1;
  std::vector<T> b2 = b;
  for (int k = 0; k < depth; ++k) b2[k * cols + cols - 1] = b[k * cols];
  std::vector<T> packed1(PackedRows(1) * depth), c1(cols);
  Pack(a.data() + row * depth, 1, depth, depth, 1, packed1.data());
  Multiply(packed1.data(), 1, depth, b2.data(), cols, cols, c1.data(), cols);
  EXPECT_EQ(c1[cols - 1], c[row * cols]) << tail_vectors << " vectors in the last block";
  EXPECT_NE(row % kRows, 0);
}

TEST(Gemm, ElementDoesNotDependOnItsBlock) {
  for (int tail = 0; tail < kVectors; ++tail) {
    ExpectElementIndependentOfItsBlock<float>(tail);
    ExpectElementIndependentOfItsBlock<double>(tail);
  }
}

// Each element is exactly one ordered chain over the whole depth, c = c + a_k b_k for k = 0, 1,
// ..., whatever the depth blocks: resuming a sum from C at each block must give the very bits of
// one uninterrupted chain. Whether the compiler fuses each step into an FMA depends on the build
// (it does at -O2 and up with FMA hardware, not at -O1), so the reference is computed both ways
// and every element must match the same one. Fails if a block restarted from zero or resumed
// from anything but the stored partial sum.
TEST(Gemm, DepthBlocksContinueTheOrderedSum) {
  const int rows = kRows + 1, depth = 3 * kDepthBlock + 7, cols = ColumnBlock<float>();
  const std::vector<float> a = Random<float>(rows * depth, 17);
  const std::vector<float> b = Random<float>(depth * cols, 19);
  std::vector<float> packed(PackedRows(rows) * depth), c(rows * cols);
  Pack(a.data(), rows, depth, depth, 1, packed.data());
  Multiply(packed.data(), rows, depth, b.data(), cols, cols, c.data(), cols);
  int fused = 0, unfused = 0;
  for (int r = 0; r < rows; ++r) {
    for (int j = 0; j < cols; ++j) {
      float with_fma = 0, without = 0;
      for (int k = 0; k < depth; ++k) {
        with_fma = std::fma(a[r * depth + k], b[k * cols + j], with_fma);
        volatile float product = a[r * depth + k] * b[k * cols + j];  // rounded, not fused
        without = without + product;
      }
      fused += c[r * cols + j] == with_fma;
      unfused += c[r * cols + j] == without;
    }
  }
  EXPECT_TRUE(fused == rows * cols || unfused == rows * cols)
      << "of " << rows * cols << " elements, " << fused << " equal the FMA chain and " << unfused
      << " the chain of rounded products";
}

}  // namespace
}  // namespace imcnas::nn::internal::gemm
