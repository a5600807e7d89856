// Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, "Fast Algorithms for Convolutional
// Neural Networks", 2016) for 3x3 convolutions with stride 1 and padding 1: a 2x2 block of
// outputs is A^T [(G g G^T) ⊙ (B^T d B)] A for the 4x4 input tile d around it, so a layer's
// multiplications become 16 matrix products (one per tile element xi) of Cout x Cin by
// Cin x tiles: 2.25x fewer than the direct convolution's, and the buffers are 16/4 = 4 values per
// output pixel instead of im2col's 9. Only additions and halvings are added, so the rounding stays
// close to the direct sum (the PyTorch fixtures hold it to 1e-5). One difference: an infinite
// input gives NaN (inf - inf in B^T d B) where the direct sum gives +-inf, in the same outputs
// (those whose 3x3 window holds it); a run that reaches inf has diverged either way.
//
// The backward pass is the exact adjoint of that forward computation: with dM = A dY A^T per
// tile, the weight gradient is G^T [sum over tiles of dM ⊙ V] G and the input gradient is
// B (U^T dM) B^T added back over the overlapping tiles.
//
// Layouts: planes are C x N x H x W as in tensor.h; the transformed buffers are
// [xi][channel][tile] (xi slices XiStride apart) with tiles in (image, tile row, tile column)
// order, so that each xi slice is a row-major matrix (channels x tiles) for the products, and
// the 3x3 <-> 4x4 weight transforms work on [out][in][ky][kx] (PyTorch's order) and
// [xi][out][in]. The loops over tiles are marked `omp simd`: their several input or output
// streams would otherwise keep GCC from vectorising them for fear of aliasing (no reduction is
// vectorised, so the bits do not change; where two NaNs meet, which one's payload comes out can
// depend on how GCC orders an addition's operands, so NaN bits are not promised).
#ifndef IMCNAS_NN_INTERNAL_WINOGRAD_H_
#define IMCNAS_NN_INTERNAL_WINOGRAD_H_

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "nn/internal/max_pool_rule.h"

namespace imcnas::nn::internal::winograd {

inline constexpr int kElements = 16;  // values of a 4x4 tile (the xi index)

// Tiles of a map of h x w outputs (= inputs: 3x3, stride 1, padding 1), kM x kM outputs each,
// the last row or column of tiles partly outside for sizes not a multiple of kM (the outside
// outputs are dropped, the outside inputs read as zero).
template <int kM>
struct TileGrid {
  int h = 0, w = 0;
  int rows() const { return (h + kM - 1) / kM; }
  int cols() const { return (w + kM - 1) / kM; }
  int per_image() const { return rows() * cols(); }
};
using Grid = TileGrid<2>;  // F(2x2, 3x3)'s

// Distance between the xi slices of a transformed buffer of `channels` rows of `tiles` values:
// one row of 16 values more than the slice. The output transform and the scatter read the 16
// slices at once (the other transforms write them one after the other); at exactly channels x
// tiles apart (a multiple of 4 KiB for the usual 32+ channels and 256
// tiles) the 16 streams fall in one L1 set, which holds 8, and every access missed.
inline std::size_t XiStride(int channels, std::size_t tiles) {
  return static_cast<std::size_t>(channels) * tiles + 16;
}

// Scratch a transform of a chunk of `tiles` tiles needs: 4 arrays of 2 column-transformed values
// per tile with guards, and a row of zeros (TransformInput); 4 values per tile (the output
// transforms); or 16 + 4 per tile and a row of zeros (ScatterInputGradient).
inline std::size_t ScratchSize(const Grid& g, std::size_t tiles) {
  const std::size_t row = 2 * static_cast<std::size_t>(g.cols());
  return std::max({4 * (2 * tiles + 2) + row,
                   (kElements + 4) * tiles + static_cast<std::size_t>(g.cols())});
}

// U[xi][o][i] = (G g G^T)[xi] for every 3x3 kernel g = w[o][i]; G = [1 0 0; .5 .5 .5; .5 -.5 .5;
// 0 0 1].
template <typename T>
void TransformWeights(const T* w, int out, int in, T* u) {
  const long long plane = static_cast<long long>(out) * in;
#pragma omp parallel for schedule(static) if (plane >= 4096)
  for (long long k = 0; k < plane; ++k) {
    const T* g = w + 9 * k;
    T r[4][3];  // G g
    for (int j = 0; j < 3; ++j) {
      r[0][j] = g[j];
      r[1][j] = T(0.5) * (g[j] + g[3 + j] + g[6 + j]);
      r[2][j] = T(0.5) * (g[j] - g[3 + j] + g[6 + j]);
      r[3][j] = g[6 + j];
    }
    for (int a = 0; a < 4; ++a) {  // (G g) G^T
      u[(4 * a + 0) * plane + k] = r[a][0];
      u[(4 * a + 1) * plane + k] = T(0.5) * (r[a][0] + r[a][1] + r[a][2]);
      u[(4 * a + 2) * plane + k] = T(0.5) * (r[a][0] - r[a][1] + r[a][2]);
      u[(4 * a + 3) * plane + k] = r[a][2];
    }
  }
}

// The adjoint of TransformWeights: dw[o][i] = G^T dU[.][o][i] G (3x3 from 4x4).
template <typename T>
void TransformWeightGradient(const T* du, int out, int in, T* dw) {
  const long long plane = static_cast<long long>(out) * in;
#pragma omp parallel for schedule(static) if (plane >= 4096)
  for (long long k = 0; k < plane; ++k) {
    T z[4][4];
    for (int e = 0; e < kElements; ++e) z[e / 4][e % 4] = du[e * plane + k];
    T r[3][4];  // G^T z
    for (int j = 0; j < 4; ++j) {
      r[0][j] = z[0][j] + T(0.5) * (z[1][j] + z[2][j]);
      r[1][j] = T(0.5) * (z[1][j] - z[2][j]);
      r[2][j] = T(0.5) * (z[1][j] + z[2][j]) + z[3][j];
    }
    T* g = dw + 9 * k;
    for (int a = 0; a < 3; ++a) {  // (G^T z) G
      g[3 * a + 0] = r[a][0] + T(0.5) * (r[a][1] + r[a][2]);
      g[3 * a + 1] = T(0.5) * (r[a][1] - r[a][2]);
      g[3 * a + 2] = T(0.5) * (r[a][1] + r[a][2]) + r[a][3];
    }
  }
}

namespace detail {
// dst[0 .. n) = src[0 .. n): a short row (a map's width), inline.
template <typename T>
inline void CopyRow(const T* src, int n, T* dst) {
  #pragma omp simd
  for (int j = 0; j < n; ++j) dst[j] = src[j];
}

// The scratch of an input transform's column pass (here and in winograd_f4.h): kK arrays a[k],
// one per row of a tile, each `rows` rows of `row` values laid end to end with a zero guard
// before and after (a[k][-1], a[k][rows * row]) and its columns w .. row - 1 (outside the map)
// zero; then one row of zeros, read in place of the input rows outside the map, whose address
// is returned. Takes kK * (rows * row + 2) + row values.
template <typename T, int kK>
T* ColumnPassRows(T* scratch, int rows, int row, int w, T* (&a)[kK]) {
  const std::size_t span = static_cast<std::size_t>(rows) * row + 2;
  for (int k = 0; k < kK; ++k) a[k] = scratch + k * span + 1;
  T* zero = scratch + kK * span;
  std::fill(zero, zero + row, T(0));
  for (int k = 0; k < kK; ++k) {
    a[k][-1] = T(0);
    a[k][static_cast<std::size_t>(rows) * row] = T(0);
    if (w < row) {
      for (int ty = 0; ty < rows; ++ty) {
        std::fill(a[k] + static_cast<std::size_t>(ty) * row + w,
                  a[k] + static_cast<std::size_t>(ty + 1) * row, T(0));
      }
    }
  }
  return zero;
}
}  // namespace detail

// V[xi][c][t] = (B^T d B)[xi] for the 4x4 input tile d of tile t (rows 2ty-1..2ty+2, columns
// 2tx-1..2tx+2, zero outside the map); B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1].
// Channel c, image i is the plane x + c * channel_stride + i * h * w; `tiles` is the row length
// of V (images * g.per_image()).
// Per channel, B^T along the columns first, for all the chunk's images, row of tiles by row of
// tiles, into rows of 2 tc values laid end to end (image after image), so that tile t = (image,
// ty, tx) in chunk order starts at value 2t - 1 of them: the pass along the rows is then one
// loop over all the chunk's tiles (it vectorises however few tiles a row has, where a loop per
// row of 4-16 tiles did not). Its reads across a row's ends (column -1 of a tile row, read from
// the row before, and column 2tc, from the row after) are then corrected: both are padding,
// zero. Same operations in the same order as a tile-by-tile transform.
// The row pass writes the 16 slices one after the other, each in one loop over the chunk's
// tiles: one stream of stores at a time. Interleaving the slices' stores (as a tile-by-tile
// loop does) ran at about half the speed here: sequential 64-byte stores into an L2-resident
// buffer reach ~30 GB/s on one core, two to sixteen interleaved streams ~17 GB/s, and the
// transform is bound by those stores (nn/README.md, session 10).
template <typename T>
void TransformInput(const T* x, int channels, std::size_t channel_stride, int images,
                    const Grid& g, T* v, std::size_t tiles, T* scratch) {
  const int h = g.h, w = g.w, tr = g.rows(), tc = g.cols();
  const int row = 2 * tc;  // a row of column-transformed values: columns 0 .. 2tc - 1
  const int tile_rows = images * tr;
  T* a[4];
  const T* zero = detail::ColumnPassRows(scratch, tile_rows, row, w, a);  // rows outside the map
  const std::size_t xi_stride = XiStride(channels, tiles);
  const int used = images * g.per_image();
  for (int c = 0; c < channels; ++c) {
    for (int i = 0; i < images; ++i) {
      const T* plane = x + c * channel_stride + static_cast<std::size_t>(i) * h * w;
      for (int ty = 0; ty < tr; ++ty) {
        // Rows 2ty-1 .. 2ty+2; outside rows read as zero.
        const T* r[4];
        for (int k = 0; k < 4; ++k) {
          const int y = 2 * ty - 1 + k;
          r[k] = y >= 0 && y < h ? plane + static_cast<std::size_t>(y) * w : zero;
        }
        // B^T along the column: a0 = r0 - r2, a1 = r1 + r2, a2 = r2 - r1, a3 = r1 - r3.
        const T *r0 = r[0], *r1 = r[1], *r2 = r[2], *r3 = r[3];
        const std::size_t o = static_cast<std::size_t>(i * tr + ty) * row;
        T *a0 = a[0] + o, *a1 = a[1] + o, *a2 = a[2] + o, *a3 = a[3] + o;
        #pragma omp simd
        for (int j = 0; j < w; ++j) {
          a0[j] = r0[j] - r2[j];
          a1[j] = r1[j] + r2[j];
          a2[j] = r2[j] - r1[j];
          a3[j] = r1[j] - r3[j];
        }
      }
    }
    // B along the row, all the chunk's tiles at once: tile t reads values 2t - 1 .. 2t + 2.
    T* dst = v + c * tiles;
    for (int k = 0; k < 4; ++k) {
      const T* s = a[k] - 1;
      T* d0 = dst + (4 * k + 0) * xi_stride;
      T* d1 = dst + (4 * k + 1) * xi_stride;
      T* d2 = dst + (4 * k + 2) * xi_stride;
      T* d3 = dst + (4 * k + 3) * xi_stride;
      #pragma omp simd
      for (int t = 0; t < used; ++t) d0[t] = s[2 * t] - s[2 * t + 2];
      // Each row's first tile has column -1 (zero) as s0, its last column 2tc (zero) as s3.
      for (int ty = 0; ty < tile_rows; ++ty) {
        const int first = ty * tc;
        d0[first] = T(0) - s[2 * first + 2];
      }
      #pragma omp simd
      for (int t = 0; t < used; ++t) d1[t] = s[2 * t + 1] + s[2 * t + 2];
      #pragma omp simd
      for (int t = 0; t < used; ++t) d2[t] = s[2 * t + 2] - s[2 * t + 1];
      #pragma omp simd
      for (int t = 0; t < used; ++t) d3[t] = s[2 * t + 1] - s[2 * t + 3];
      for (int ty = 0; ty < tile_rows; ++ty) {
        const int last = ty * tc + tc - 1;
        d3[last] = s[2 * last + 1] - T(0);
      }
    }
  }
}

// What happens to the 2x2 outputs of a tile after A^T M A, per output channel c: + bias[c]; then,
// for inference with the following batch normalisation folded in, * scale[c] + shift[c] and the
// ReLU max(y, 0), exactly as BatchNorm's inference pass computes them; then, if `pool`, the 2x2
// max-pool over the tile (it is the pool's window on even maps), with MaxPool's rule (first
// maximum in row-major order; a NaN wins). Null pointers skip a step.
template <typename T>
struct OutputEpilogue {
  const T* bias = nullptr;
  const T* scale = nullptr;  // with shift: the folded batch normalisation
  const T* shift = nullptr;
  bool relu = false;
  bool pool = false;  // then y is the pooled map, (h/2) x (w/2) per plane; h and w even
};

// The epilogue's steps after the bias, shared by every convolution that folds it (here and
// internal/direct_conv.h), so that a folded pass gives the layers' own bits: BatchNorm's
// inference formula, then its fused ReLU.
template <typename T, bool kAffine, bool kRelu>
T FinishOutput(T v, T scale, T shift) {
  if (kAffine) v = v * scale + shift;
  if (kRelu) v = std::max(v, T(0));
  return v;
}

// The 2x2 max-pool of a window given in row-major order, with MaxPool's rule (first maximum in
// row-major order; a NaN wins).
template <typename T>
T PoolWindow(T y00, T y01, T y10, T y11) {
  T value = y00;
  const T cand[3] = {y01, y10, y11};
  for (int k = 0; k < 3; ++k) value = MaxPoolTakes(cand[k], value) ? cand[k] : value;
  return value;
}

// Calls f(kAffine, kRelu, kPool) with std::bool_constant arguments for the epilogue's steps
// (the bias is a run-time value), so that each combination is compiled as its own loop.
template <typename T, typename F>
void DispatchEpilogue(const OutputEpilogue<T>& ep, F&& f) {
  using Yes = std::true_type;
  using No = std::false_type;
  const bool affine = ep.scale != nullptr;
  if (!affine && !ep.relu && !ep.pool) {
    f(No{}, No{}, No{});
  } else if (affine && ep.relu && ep.pool) {
    f(Yes{}, Yes{}, Yes{});
  } else if (affine && ep.relu) {
    f(Yes{}, Yes{}, No{});
  } else if (affine && !ep.pool) {
    f(Yes{}, No{}, No{});
  } else if (affine) {  // a BN without ReLU, then the pool
    f(Yes{}, No{}, Yes{});
  } else {
    throw std::invalid_argument("convolution: unsupported output epilogue");
  }
}

namespace detail {
// One pass over all the chunk's tiles at once (tiles are contiguous in M whatever the map's
// width, so the loop vectorises fully even on maps of a few tiles per row), then the 2x2 blocks
// are spread over the output rows; a pooled map is already in tile order and needs no spreading.
template <typename T, bool kAffine, bool kRelu, bool kPool>
void TransformOutput(const T* m, int channels, std::size_t tiles, int images, const Grid& g,
                     T* y, std::size_t channel_stride, const OutputEpilogue<T>& ep, T* scratch) {
  const int h = g.h, w = g.w, tr = g.rows(), tc = g.cols();
  const std::size_t xi_stride = XiStride(channels, tiles);
  const std::size_t used = static_cast<std::size_t>(images) * g.per_image();
  const std::size_t plane_size = static_cast<std::size_t>(h) * w;
  // The 4 outputs of every tile, each tile row's two output rows already interleaved: q01 holds
  // (0,0), (0,1) of tile t at 2t, 2t + 1, q23 its (1,0), (1,1); so a tile row of q01 is the top
  // output row of that row of tiles (2 tc values, of which the first w are inside the map).
  T* q01 = scratch;
  T* q23 = q01 + 2 * used;
  for (int c = 0; c < channels; ++c) {
    const T b = ep.bias ? ep.bias[c] : T(0);
    const T sc = kAffine ? ep.scale[c] : T(1);
    const T sh = kAffine ? ep.shift[c] : T(0);
    auto finish = [sc, sh](T v) { return FinishOutput<T, kAffine, kRelu>(v, sc, sh); };
    const T* e = m + c * tiles;
    T* pooled = y + c * channel_stride;  // kPool: (h/2) x (w/2) planes, in tile order
    #pragma omp simd
    for (std::size_t t = 0; t < used; ++t) {
      T p0[4], p1[4];  // A^T along the column
      for (int s = 0; s < 4; ++s) {
        const T e0 = e[s * xi_stride + t], e1 = e[(4 + s) * xi_stride + t];
        const T e2 = e[(8 + s) * xi_stride + t], e3 = e[(12 + s) * xi_stride + t];
        p0[s] = e0 + e1 + e2;
        p1[s] = e1 - e2 - e3;
      }
      const T y00 = finish(p0[0] + p0[1] + p0[2] + b);
      const T y01 = finish(p0[1] - p0[2] - p0[3] + b);
      const T y10 = finish(p1[0] + p1[1] + p1[2] + b);
      const T y11 = finish(p1[1] - p1[2] - p1[3] + b);
      if (kPool) {
        pooled[t] = PoolWindow(y00, y01, y10, y11);
      } else {
        q01[2 * t] = y00;
        q01[2 * t + 1] = y01;
        q23[2 * t] = y10;
        q23[2 * t + 1] = y11;
      }
    }
    if (kPool) continue;
    for (int i = 0; i < images; ++i) {
      T* plane = y + c * channel_stride + i * plane_size;
      for (int ty = 0; ty < tr; ++ty) {
        const std::size_t from = (static_cast<std::size_t>(i) * tr + ty) * 2 * tc;
        T* row0 = plane + static_cast<std::size_t>(2 * ty) * w;
        CopyRow(q01 + from, w, row0);
        if (2 * ty + 1 < h) CopyRow(q23 + from, w, row0 + w);
      }
    }
  }
}
}  // namespace detail

// y = epilogue(A^T M A) for every tile: the 2x2 outputs written where they lie inside the map
// (or, pooling, the tile's maximum). Layouts as in TransformInput; `channel_stride` is that of y.
template <typename T>
void TransformOutput(const T* m, int channels, std::size_t tiles, int images, const Grid& g,
                     T* y, std::size_t channel_stride, const OutputEpilogue<T>& ep, T* scratch) {
  DispatchEpilogue(ep, [&](auto affine, auto relu, auto pool) {
    detail::TransformOutput<T, decltype(affine)::value, decltype(relu)::value,
                            decltype(pool)::value>(m, channels, tiles, images, g, y,
                                                   channel_stride, ep, scratch);
  });
}

namespace detail {
// Element s of A [p q]^T for a row (p, q) of a 2x2 block, A = [1 0; 1 1; 1 -1; 0 -1].
template <int kS, typename T>
inline T ARow(T p, T q) {
  if constexpr (kS == 0) return p;
  if constexpr (kS == 1) return p + q;
  if constexpr (kS == 2) return p - q;
  return -q;
}
// Slice xi = 4r + s of A dY A^T over `used` tiles whose blocks are (q0, q1; q2, q3): row r of A
// applied to column s of the row-transformed block.
template <int kXi, typename T>
inline void OutputGradientSlice(const T* q0, const T* q1, const T* q2, const T* q3,
                                std::size_t used, T* d) {
  constexpr int kR = kXi / 4, kS = kXi % 4;
  #pragma omp simd
  for (std::size_t t = 0; t < used; ++t) {
    const T a0 = ARow<kS>(q0[t], q1[t]), a1 = ARow<kS>(q2[t], q3[t]);
    d[t] = ARow<kR>(a0, a1);
  }
}
template <typename T, int... kXi>
inline void OutputGradientSlices(const T* q0, const T* q1, const T* q2, const T* q3,
                                 std::size_t used, T* dst, std::size_t xi_stride,
                                 std::integer_sequence<int, kXi...>) {
  (OutputGradientSlice<kXi>(q0, q1, q2, q3, used, dst + kXi * xi_stride), ...);
}
}  // namespace detail

// dM[xi][c][t] = (A dY A^T)[xi] for the 2x2 output-gradient block of tile t (zero outside the
// map): the gradient of TransformOutput with respect to its tile values. As there, the blocks
// are first gathered in tile order so that the arithmetic runs over all of a chunk's tiles at
// once. `scratch` holds ScratchSize values.
template <typename T>
void TransformOutputGradient(const T* dy, int channels, std::size_t channel_stride, int images,
                             const Grid& g, T* dm, std::size_t tiles, T* scratch) {
  const int h = g.h, w = g.w, tr = g.rows(), tc = g.cols();
  const std::size_t xi_stride = XiStride(channels, tiles);
  const std::size_t used = static_cast<std::size_t>(images) * g.per_image();
  const int full = w / 2;  // tiles whose two columns are inside
  T* q0 = scratch;  // the 2x2 block of every tile: (0,0), (0,1), (1,0), (1,1)
  T* q1 = q0 + used;
  T* q2 = q1 + used;
  T* q3 = q2 + used;
  for (int c = 0; c < channels; ++c) {
    for (int i = 0; i < images; ++i) {
      const T* plane = dy + c * channel_stride + static_cast<std::size_t>(i) * h * w;
      for (int ty = 0; ty < tr; ++ty) {
        const std::size_t t0 = (static_cast<std::size_t>(i) * tr + ty) * tc;
        const T* row0 = plane + static_cast<std::size_t>(2 * ty) * w;
        const bool second = 2 * ty + 1 < h;
        const T* row1 = second ? row0 + w : row0;  // not read when outside
        for (int tx = 0; tx < full; ++tx) {
          q0[t0 + tx] = row0[2 * tx];
          q1[t0 + tx] = row0[2 * tx + 1];
          q2[t0 + tx] = second ? row1[2 * tx] : T(0);
          q3[t0 + tx] = second ? row1[2 * tx + 1] : T(0);
        }
        if (full < tc) {  // odd width: the last tile's second column is outside
          q0[t0 + full] = row0[2 * full];
          q1[t0 + full] = T(0);
          q2[t0 + full] = second ? row1[2 * full] : T(0);
          q3[t0 + full] = T(0);
        }
      }
    }
    // A = [1 0; 1 1; 1 -1; 0 -1] on both sides; one slice at a time (as in TransformInput:
    // one stream of stores).
    detail::OutputGradientSlices(q0, q1, q2, q3, used, dm + c * tiles, xi_stride,
                                 std::make_integer_sequence<int, kElements>{});
  }
}

// dx = sum over tiles of B dV B^T, each 4x4 tile added at rows 2ty-1.., columns 2tx-1.. (parts
// outside the map dropped): the gradient of TransformInput. Overwrites the planes of dx.
// Like TransformOutput, it runs over all of a chunk's tiles at once (the short rows of tiles of
// small maps kept a per-row loop from vectorising): first Z = B dV B^T for every tile, then each
// 2x2 block of dx (rows 2q-1, 2q; columns 2p-1, 2p) gathers its four overlapping quadrants:
// Z(q, p)'s top left, Z(q, p-1)'s top right, Z(q-1, p)'s bottom left, Z(q-1, p-1)'s bottom right,
// added in that order (a missing tile adds a zero). Every pixel is written once.
// B = [1 0 0 0; 0 1 -1 1; -1 1 1 0; 0 0 0 -1]. `scratch` holds ScratchSize values.
template <typename T>
void ScatterInputGradient(const T* dv, int channels, std::size_t tiles, int images,
                          const Grid& g, T* dx, std::size_t channel_stride, T* scratch) {
  const int h = g.h, w = g.w, tr = g.rows(), tc = g.cols();
  const std::size_t xi_stride = XiStride(channels, tiles);
  const std::size_t used = static_cast<std::size_t>(images) * g.per_image();
  T* z[kElements];  // z[4r + l][t]: element (r, l) of tile t's B dV B^T
  for (int e = 0; e < kElements; ++e) z[e] = scratch + e * used;
  T* zero = scratch + kElements * used;  // a missing row of tiles
  std::fill(zero, zero + tc, T(0));
  T* w01[2] = {zero + tc, zero + tc + 2 * used};  // rows 2q - 1 and 2q, 2 tc values per row
  for (int c = 0; c < channels; ++c) {
    const T* src = dv + c * tiles;
    #pragma omp simd
    for (std::size_t t = 0; t < used; ++t) {
      T p[4][4];  // row k of dV B^T: columns 0..3 of the tile
      for (int k = 0; k < 4; ++k) {
        const T s0 = src[(4 * k + 0) * xi_stride + t], s1 = src[(4 * k + 1) * xi_stride + t];
        const T s2 = src[(4 * k + 2) * xi_stride + t], s3 = src[(4 * k + 3) * xi_stride + t];
        p[k][0] = s0;
        p[k][1] = s1 - s2 + s3;
        p[k][2] = s1 + s2 - s0;
        p[k][3] = -s3;
      }
      for (int l = 0; l < 4; ++l) {  // B along the column
        z[0 + l][t] = p[0][l];
        z[4 + l][t] = p[1][l] - p[2][l] + p[3][l];
        z[8 + l][t] = p[1][l] + p[2][l] - p[0][l];
        z[12 + l][t] = -p[3][l];
      }
    }
    // Rows 1 .. 2 tr - 2 of every image (tile rows q = 1 .. tr - 1, both a), where both tile
    // rows exist: first built for all of a chunk's images at once, each row as it lies in dx
    // (w_a[2t] = column 2p, w_a[2t + 1] = column 2p + 1 of tile t = (q, p)'s rows), so that
    // the arithmetic runs in loops as long as the chunk and each row is then one contiguous copy;
    // a row-by-row loop, tc - 1 long (6-13 on the reference maps), did not fill a vector. The
    // first and last values of each row (block p = 0's column 0, block p = tc's column 2tc - 1)
    // read one tile fewer and are set after, with the row-by-row loop's expressions.
    const std::size_t per_image = static_cast<std::size_t>(g.per_image());
    for (int a = 0; a < 2 && tr > 1; ++a) {
      const T *c0 = z[4 * a + 0], *c1 = z[4 * a + 1], *c2 = z[4 * a + 2], *c3 = z[4 * a + 3];
      const T *u0 = z[4 * a + 8] - tc, *u1 = z[4 * a + 9] - tc, *u2 = z[4 * a + 10] - tc,
              *u3 = z[4 * a + 11] - tc;
      T* wa = w01[a];
      for (int i = 0; i < images; ++i) {
        const std::size_t first = i * per_image + tc, last = (i + 1) * per_image;
        // Column 2p of tile t (block p), then column 2p + 1 (block p + 1, tile t + 1). At
        // p = 0 and p = tc - 1 these read across the tile row's ends, inside the scratch
        // (z[e][-1] is the end of slice e - 1, z[e][used] the start of slice e + 1), and are
        // overwritten below.
        #pragma omp simd
        for (std::size_t t = first; t < last; ++t) {
          wa[2 * t] = ((c1[t] + c3[t - 1]) + u1[t]) + u3[t - 1];
          wa[2 * t + 1] = ((c0[t + 1] + c2[t]) + u0[t + 1]) + u2[t];
        }
        for (int q = 1; q < tr; ++q) {
          const std::size_t start = i * per_image + static_cast<std::size_t>(q) * tc;
          wa[2 * start] = c1[start] + u1[start];
          const std::size_t end = start + tc - 1;
          wa[2 * end + 1] = c2[end] + u2[end];
        }
      }
    }
    for (int i = 0; i < images; ++i) {
      T* plane = dx + c * channel_stride + static_cast<std::size_t>(i) * h * w;
      for (int q = 1; q < tr; ++q) {
        const std::size_t from = 2 * (i * per_image + static_cast<std::size_t>(q) * tc);
        for (int a = 0; a < 2; ++a) {
          detail::CopyRow(w01[a] + from, w, plane + static_cast<std::size_t>(2 * q - 1 + a) * w);
        }
      }
      // Tile rows 0 and tr, which have only one row of tiles: row by row.
      for (int q : {0, tr}) {
        const std::size_t cur = (static_cast<std::size_t>(i) * tr + q) * tc;
        for (int a = 0; a < 2; ++a) {
          const int y = 2 * q - 1 + a;
          if (y < 0 || y >= h) continue;
          // Row a of the tiles of row q, row a + 2 of those of row q - 1 (zero where missing).
          const T* c0 = q < tr ? z[4 * a + 0] + cur : zero;
          const T* c1 = q < tr ? z[4 * a + 1] + cur : zero;
          const T* c2 = q < tr ? z[4 * a + 2] + cur : zero;
          const T* c3 = q < tr ? z[4 * a + 3] + cur : zero;
          const T* u0 = q > 0 ? z[4 * a + 8] + cur - tc : zero;
          const T* u1 = q > 0 ? z[4 * a + 9] + cur - tc : zero;
          const T* u2 = q > 0 ? z[4 * a + 10] + cur - tc : zero;
          const T* u3 = q > 0 ? z[4 * a + 11] + cur - tc : zero;
          T* row = plane + static_cast<std::size_t>(y) * w;
          row[0] = c1[0] + u1[0];  // block p = 0: only its column 2p = 0 is inside
          #pragma omp simd
          for (int p = 1; p < tc; ++p) {
            row[2 * p - 1] = ((c0[p] + c2[p - 1]) + u0[p]) + u2[p - 1];
            row[2 * p] = ((c1[p] + c3[p - 1]) + u1[p]) + u3[p - 1];
          }
          if (2 * tc - 1 < w) row[2 * tc - 1] = c2[tc - 1] + u2[tc - 1];  // block p = tc
        }
      }
    }
  }
}

}  // namespace imcnas::nn::internal::winograd

#endif  // IMCNAS_NN_INTERNAL_WINOGRAD_H_
