// Winograd's minimal filtering F(4x4, 3x3) (Lavin & Gray 2016) for the forward pass of 3x3
// convolutions with stride 1 and padding 1: a 4x4 block of outputs is
// A^T [(G g G^T) ⊙ (B^T d B)] A for the 6x6 input tile d around it, so a layer's
// multiplications become 36 matrix products of Cout x Cin by Cin x tiles: 4x fewer than the
// direct convolution's (F(2x2, 3x3): 2.25x), and the transformed buffers hold 36/16 = 2.25
// values per output pixel (F2: 4).
//
// Interpolation points 0, +-1, +-2 and infinity, with the scaling of Lavin's paper: all the
// fractions in G (1/4, 1/6, 1/12, 1/24), integer B^T and A^T, so that the input and output
// transforms are additions and multiplications by small integers (A^T's are powers of two, exact).
// The other common choice, 0, +-1, +-1/2 and infinity, is the same set of points mirrored by
// x -> 1/x (0 <-> infinity, 2 <-> 1/2): the same algorithm on reversed tiles with another split of
// the scaling between G, B and A. Measured in float (generic matrix form, normal random data, 32
// and 128 channels) it was no more accurate (rms error 1.0-1.5e-7 of sum |w x| against this
// set's 1.1-1.3e-7), and its B^T and A^T are not integers. The weights are transformed in double
// and rounded once. The float error of a whole convolution is about 7x F2's in rms (1.3-1.7e-7
// of sum |w x|) and 15-28x in the maximum (2-4e-6) for 32-256 channels: B^T's and A^T's entries
// reach 5 and 8, G's 1/6 and 1/24 are inexact. tests/nn/winograd_f4_test.cc has the bounds.
//
//   B^T = [4  0 -5  0 1 0;     G = [ 1/4     0     0;     A^T = [1 1  1 1  1 0;
//          0 -4 -4  1 1 0;          -1/6  -1/6  -1/6;            0 1 -1 2 -2 0;
//          0  4 -4 -1 1 0;          -1/6   1/6  -1/6;            0 1  1 4  4 0;
//          0 -2 -1  2 1 0;           1/24  1/12  1/6;            0 1 -1 8 -8 1]
//          0  2 -1 -2 1 0;           1/24 -1/12  1/6;
//          0  4  0 -5 0 1]           0     0     1]
//
// Layouts as in winograd.h (F2): planes C x N x H x W, transformed buffers [xi][channel][tile]
// with xi slices XiStride apart and tiles in (image, tile row, tile column) order, weights
// [out][in][ky][kx] -> [xi][out][in]. Only the forward pass is here (no gradients).
#ifndef IMCNAS_NN_INTERNAL_WINOGRAD_F4_H_
#define IMCNAS_NN_INTERNAL_WINOGRAD_F4_H_

#include <algorithm>
#include <cstddef>

#include "nn/internal/winograd.h"

namespace imcnas::nn::internal::winograd4 {

using winograd::DispatchEpilogue;
using winograd::FinishOutput;
using winograd::OutputEpilogue;
using winograd::PoolWindow;
using winograd::XiStride;

inline constexpr int kElements = 36;  // values of a 6x6 tile (the xi index)

// Tiles of 4x4 outputs (winograd::TileGrid).
using Grid = winograd::TileGrid<4>;

// Scratch of a transform of a chunk of `tiles` (>= images * per_image) tiles: 6 planes of 4
// column-transformed values per tile with guards and a row of zeros (TransformInput); that
// covers TransformOutput's 16 values per tile.
inline std::size_t ScratchSize(const Grid& g, std::size_t tiles) {
  const std::size_t row = 4 * static_cast<std::size_t>(g.cols());
  return 6 * (4 * tiles + 2) + row;
}

namespace detail {
// B^T d for one column (or row) of 6 values, factorised: 12 additions, 4 multiplications.
// (Results by reference, not through an array: GCC's `omp simd` would keep an array in memory,
// one copy per lane, and not vectorise.)
template <typename T>
inline T InputPoint0(T d0, T d2, T d4) {
  return (T(4) * d0 - T(5) * d2) + d4;
}
template <typename T>
inline T InputPoint5(T d1, T d3, T d5) {
  return (T(4) * d1 - T(5) * d3) + d5;
}
// t1 .. t4 one at a time (the per-slice loops use them; InputPoints computes all six).
template <typename T>
inline T InputPoint1(T d1, T d2, T d3, T d4) {
  return (d4 - T(4) * d2) + (d3 - T(4) * d1);
}
template <typename T>
inline T InputPoint2(T d1, T d2, T d3, T d4) {
  return (d4 - T(4) * d2) - (d3 - T(4) * d1);
}
template <typename T>
inline T InputPoint3(T d1, T d2, T d3, T d4) {
  return (d4 - d2) + T(2) * (d3 - d1);
}
template <typename T>
inline T InputPoint4(T d1, T d2, T d3, T d4) {
  return (d4 - d2) - T(2) * (d3 - d1);
}
template <typename T>
inline void InputPoints(T d0, T d1, T d2, T d3, T d4, T d5, T& t0, T& t1, T& t2, T& t3, T& t4,
                        T& t5) {
  // The shared terms (d4 - 4 d2, d3 - 4 d1, ...) are computed once after inlining.
  t0 = InputPoint0(d0, d2, d4);
  t1 = InputPoint1(d1, d2, d3, d4);
  t2 = InputPoint2(d1, d2, d3, d4);
  t3 = InputPoint3(d1, d2, d3, d4);
  t4 = InputPoint4(d1, d2, d3, d4);
  t5 = InputPoint5(d1, d3, d5);
}

// A^T m for one column (or row) of 6 values: 4 outputs, 10 additions; the factors are powers of
// two (exact).
template <typename T>
inline void OutputPoints(T m0, T m1, T m2, T m3, T m4, T m5, T& y0, T& y1, T& y2, T& y3) {
  const T a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4;
  y0 = (m0 + a) + c;
  y1 = b + T(2) * d;
  y2 = a + T(4) * c;
  y3 = (b + T(8) * d) + m5;
}
}  // namespace detail

// U[xi][o][i] = (G g G^T)[xi] for every 3x3 kernel g = w[o][i], computed in double and rounded
// once to T.
template <typename T>
void TransformWeights(const T* w, int out, int in, T* u) {
  const long long plane = static_cast<long long>(out) * in;
  // G (g0, g1, g2)^T. Multiplications by the reciprocals, not divisions (a division's ~4x cost
  // showed at 5% of an inference pass of b01); the double result is rounded to T once.
  auto points = [](double g0, double g1, double g2, double* r) {
    constexpr double kSixth = 1.0 / 6, kTwentyFourth = 1.0 / 24;
    r[0] = g0 * 0.25;
    r[1] = -(g0 + g1 + g2) * kSixth;
    r[2] = -(g0 - g1 + g2) * kSixth;
    r[3] = (g0 + 2 * g1 + 4 * g2) * kTwentyFourth;
    r[4] = (g0 - 2 * g1 + 4 * g2) * kTwentyFourth;
    r[5] = g2;
  };
#pragma omp parallel for schedule(static) if (plane >= 4096)
  for (long long k = 0; k < plane; ++k) {
    const T* g = w + 9 * k;
    double r[6][3];  // G g: r[a][j] from column j of g
    for (int j = 0; j < 3; ++j) {
      double col[6];
      points(g[j], g[3 + j], g[6 + j], col);
      for (int a = 0; a < 6; ++a) r[a][j] = col[a];
    }
    for (int a = 0; a < 6; ++a) {  // (G g) G^T
      double row[6];
      points(r[a][0], r[a][1], r[a][2], row);
      for (int b = 0; b < 6; ++b) u[(6 * a + b) * plane + k] = static_cast<T>(row[b]);
    }
  }
}

// V[xi][c][t] = (B^T d B)[xi] for the 6x6 input tile d of tile t (rows 4ty-1..4ty+4, columns
// 4tx-1..4tx+4, zero outside the map). Channel c, image i is the plane
// x + c * channel_stride + i * h * w; `tiles` is the row length of V (>= images * per_image);
// `scratch` holds ScratchSize values.
// As F2's: per channel, B^T along the columns first, one row of tiles at a time along whole
// input rows, into rows of 4 tc values laid end to end for all the chunk's images (tile t starts
// at value 4t - 1 of them); then B along the rows, one loop over all the channel's tiles per
// output slice (stride-4 reads; it vectorises however few tiles a row has, and a map of 8x8 has
// only 4 per image); then the two values whose reads crossed a tile row's ends are recomputed:
// t0 of its first tile (column -1, read from the row before) and t5 of its last (column 4tc,
// from the row after); both columns are padding, zero. The same operations as a tile-by-tile
// transform, so the same bits.
template <typename T>
void TransformInput(const T* x, int channels, std::size_t channel_stride, int images, const Grid& g,
                    T* v, std::size_t tiles, T* scratch) {
  const int h = g.h, w = g.w, tc = g.cols();
  const int rows = images * g.rows();  // tile rows of the chunk
  const int row = 4 * tc;              // a row of column-transformed values: columns 0 .. 4tc - 1
  T* a[6];
  const T* zero = winograd::detail::ColumnPassRows(scratch, rows, row, w, a);  // outside rows
  const std::size_t xi_stride = XiStride(channels, tiles);
  const int used = images * g.per_image();
  for (int c = 0; c < channels; ++c) {
    for (int i = 0; i < images; ++i) {
      const T* plane = x + c * channel_stride + static_cast<std::size_t>(i) * h * w;
      for (int ty = 0; ty < g.rows(); ++ty) {
        const T* r[6];  // rows 4ty-1 .. 4ty+4; outside rows read as zero
        for (int k = 0; k < 6; ++k) {
          const int y = 4 * ty - 1 + k;
          r[k] = y >= 0 && y < h ? plane + static_cast<std::size_t>(y) * w : zero;
        }
        const T *r0 = r[0], *r1 = r[1], *r2 = r[2], *r3 = r[3], *r4 = r[4], *r5 = r[5];
        const std::size_t o = (static_cast<std::size_t>(i) * g.rows() + ty) * row;
        T *a0 = a[0] + o, *a1 = a[1] + o, *a2 = a[2] + o, *a3 = a[3] + o, *a4 = a[4] + o,
          *a5 = a[5] + o;
#pragma omp simd
        for (int j = 0; j < w; ++j) {
          detail::InputPoints(r0[j], r1[j], r2[j], r3[j], r4[j], r5[j], a0[j], a1[j], a2[j], a3[j],
                              a4[j], a5[j]);
        }
      }
    }
    T* dst = v + c * tiles;
    for (int k = 0; k < 6; ++k) {
      const T* s = a[k] - 1;  // tile t reads s[4t .. 4t + 5]
      T* d0 = dst + (6 * k + 0) * xi_stride;
      T* d1 = dst + (6 * k + 1) * xi_stride;
      T* d2 = dst + (6 * k + 2) * xi_stride;
      T* d3 = dst + (6 * k + 3) * xi_stride;
      T* d4 = dst + (6 * k + 4) * xi_stride;
      T* d5 = dst + (6 * k + 5) * xi_stride;
      // One slice per loop: one stream of stores at a time (as F2's TransformInput).
#pragma omp simd
      for (int t = 0; t < used; ++t)
        d0[t] = detail::InputPoint0(s[4 * t], s[4 * t + 2], s[4 * t + 4]);
#pragma omp simd
      for (int t = 0; t < used; ++t) {
        d1[t] = detail::InputPoint1(s[4 * t + 1], s[4 * t + 2], s[4 * t + 3], s[4 * t + 4]);
      }
#pragma omp simd
      for (int t = 0; t < used; ++t) {
        d2[t] = detail::InputPoint2(s[4 * t + 1], s[4 * t + 2], s[4 * t + 3], s[4 * t + 4]);
      }
#pragma omp simd
      for (int t = 0; t < used; ++t) {
        d3[t] = detail::InputPoint3(s[4 * t + 1], s[4 * t + 2], s[4 * t + 3], s[4 * t + 4]);
      }
#pragma omp simd
      for (int t = 0; t < used; ++t) {
        d4[t] = detail::InputPoint4(s[4 * t + 1], s[4 * t + 2], s[4 * t + 3], s[4 * t + 4]);
      }
#pragma omp simd
      for (int t = 0; t < used; ++t)
        d5[t] = detail::InputPoint5(s[4 * t + 1], s[4 * t + 3], s[4 * t + 5]);
      for (int ty = 0; ty < rows; ++ty) {
        const int first = ty * tc, last = first + tc - 1;
        d0[first] = detail::InputPoint0(T(0), s[4 * first + 2], s[4 * first + 4]);
        d5[last] = detail::InputPoint5(s[4 * last + 1], s[4 * last + 3], T(0));
      }
    }
  }
}

namespace detail {
// One pass over all the chunk's tiles (A^T M A and the epilogue for every tile, into scratch in
// tile order), then the blocks are spread over the output rows. Unpooled, the 16 outputs of a
// tile go to 16 streams and a row of the map interleaves 4 of them; pooled, the 2x2 maxima are
// stored already interleaved (z[r][2t + b]), so that a pooled row is a copy. (Measured on the
// benchmark shapes: interleaving the 16 outputs in the tile loop as well was 1.6x slower on
// 32x32 maps and at most 10% faster on 8x8 ones; interleaving the pooled pairs there was 7-25%
// faster than a separate pass.)
template <typename T, bool kAffine, bool kRelu, bool kPool>
void TransformOutput(const T* m, int channels, std::size_t tiles, int images, const Grid& g, T* y,
                     std::size_t channel_stride, const OutputEpilogue<T>& ep, T* scratch) {
  const int h = g.h, w = g.w, tr = g.rows(), tc = g.cols();
  const std::size_t xi_stride = XiStride(channels, tiles);
  const std::size_t used = static_cast<std::size_t>(images) * g.per_image();
  const int oh = kPool ? h / 2 : h, ow = kPool ? w / 2 : w;  // the written map
  const std::size_t plane_size = static_cast<std::size_t>(oh) * ow;
  T* z[16];  // unpooled: z[4r + b][t] = output (r, b) of tile t; pooled: z[r][2t + b]
  for (int k = 0; k < 16; ++k) z[k] = scratch + k * used;
  for (int c = 0; c < channels; ++c) {
    const T bias = ep.bias ? ep.bias[c] : T(0);
    const T sc = kAffine ? ep.scale[c] : T(1);
    const T sh = kAffine ? ep.shift[c] : T(0);
    const T* e = m + c * tiles;
    T* pooled0 = z[0];
    T* pooled1 = z[2];
#pragma omp simd
    for (std::size_t t = 0; t < used; ++t) {
      T p[4][6];  // A^T along the columns
#pragma GCC unroll 6
      for (int s = 0; s < 6; ++s) {
        OutputPoints(e[s * xi_stride + t], e[(6 + s) * xi_stride + t], e[(12 + s) * xi_stride + t],
                     e[(18 + s) * xi_stride + t], e[(24 + s) * xi_stride + t],
                     e[(30 + s) * xi_stride + t], p[0][s], p[1][s], p[2][s], p[3][s]);
      }
      T out[4][4];
#pragma GCC unroll 4
      for (int r = 0; r < 4; ++r) {
        OutputPoints(p[r][0], p[r][1], p[r][2], p[r][3], p[r][4], p[r][5], out[r][0], out[r][1],
                     out[r][2], out[r][3]);
#pragma GCC unroll 4
        for (int b = 0; b < 4; ++b) {
          out[r][b] = FinishOutput<T, kAffine, kRelu>(out[r][b] + bias, sc, sh);
        }
      }
      if (kPool) {
        pooled0[2 * t] = PoolWindow(out[0][0], out[0][1], out[1][0], out[1][1]);
        pooled0[2 * t + 1] = PoolWindow(out[0][2], out[0][3], out[1][2], out[1][3]);
        pooled1[2 * t] = PoolWindow(out[2][0], out[2][1], out[3][0], out[3][1]);
        pooled1[2 * t + 1] = PoolWindow(out[2][2], out[2][3], out[3][2], out[3][3]);
      } else {
#pragma GCC unroll 4
        for (int r = 0; r < 4; ++r) {
#pragma GCC unroll 4
          for (int b = 0; b < 4; ++b) z[4 * r + b][t] = out[r][b];
        }
      }
    }
    for (int i = 0; i < images; ++i) {
      T* plane = y + c * channel_stride + i * plane_size;
      for (int ty = 0; ty < tr; ++ty) {
        const std::size_t t0 = (static_cast<std::size_t>(i) * tr + ty) * tc;
        if (kPool) {  // pooled rows 2ty, 2ty + 1: 2 tc values each, the first ow inside
          for (int r = 0; r < 2 && 2 * ty + r < oh; ++r) {
            std::copy_n((r ? pooled1 : pooled0) + 2 * t0, ow,
                        plane + static_cast<std::size_t>(2 * ty + r) * ow);
          }
          continue;
        }
        const int full = w / 4;  // tiles whose 4 columns are inside
        for (int r = 0; r < 4 && 4 * ty + r < h; ++r) {
          T* row = plane + static_cast<std::size_t>(4 * ty + r) * w;
          const T *s0 = z[4 * r] + t0, *s1 = z[4 * r + 1] + t0, *s2 = z[4 * r + 2] + t0,
                  *s3 = z[4 * r + 3] + t0;
#pragma omp simd
          for (int tx = 0; tx < full; ++tx) {
            row[4 * tx] = s0[tx];
            row[4 * tx + 1] = s1[tx];
            row[4 * tx + 2] = s2[tx];
            row[4 * tx + 3] = s3[tx];
          }
          for (int b = 0; b < w - 4 * full; ++b) row[4 * full + b] = z[4 * r + b][t0 + full];
        }
      }
    }
  }
}
}  // namespace detail

// y = epilogue(A^T M A) for every tile: the 4x4 outputs written where they lie inside the map,
// or, with ep.pool (h and w even), the 2x2 max-pools of the tile's four 2x2 windows written to
// the (h/2) x (w/2) map. Layouts as in TransformInput; `channel_stride` is that of y; `scratch`
// holds ScratchSize values.
template <typename T>
void TransformOutput(const T* m, int channels, std::size_t tiles, int images, const Grid& g, T* y,
                     std::size_t channel_stride, const OutputEpilogue<T>& ep, T* scratch) {
  DispatchEpilogue(ep, [&](auto affine, auto relu, auto pool) {
    detail::TransformOutput<T, decltype(affine)::value, decltype(relu)::value,
                            decltype(pool)::value>(m, channels, tiles, images, g, y, channel_stride,
                                                   ep, scratch);
  });
}

}  // namespace imcnas::nn::internal::winograd4

#endif  // IMCNAS_NN_INTERNAL_WINOGRAD_F4_H_
