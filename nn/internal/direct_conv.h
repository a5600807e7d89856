// The 3x3, stride 1, padding 1 convolution computed directly, for layers with few input channels
// (a network's stem: 1-4 channels). There Winograd's 16 products have a depth of 1-4, so its
// transformed buffers (16 values per tile, per input and per output channel) cost far more than
// the multiplications they save: a 3 -> 32 channel stem on 32x32 maps took as long as the
// 32 -> 32 layer after it, with a tenth of its multiply-adds.
//
// Layout: one image at a time is copied into padded rows (row -1 and column -1 at index 0, zeros
// from column w on, `PaddedWidth` values per row), so that every tap of a row of outputs is one
// unaligned vector load. Outputs are computed a row at a time for kCoBlock output channels and
// two vectors of columns (2 x kCoBlock accumulators), summing over (input channel, ky, kx) in
// that order, one multiply-add per step. Vectors are GCC vector extensions of 64 bytes (see
// gemm.h).
#ifndef IMCNAS_NN_INTERNAL_DIRECT_CONV_H_
#define IMCNAS_NN_INTERNAL_DIRECT_CONV_H_

#include <algorithm>
#include <cstddef>

#include "nn/internal/gemm.h"
#include "nn/internal/winograd.h"

namespace imcnas::nn::internal::direct {

// Layers with at most this many input channels are computed directly.
inline constexpr int kMaxInputs = 4;
// Output channels per register block.
inline constexpr int kCoBlock = 8;

template <typename T>
constexpr int Lanes() {
  return gemm::Simd<T>::kLanes;
}

// Values per padded row: column -1, the map, zeros up to whole pairs of vectors, and one more
// pair for the reads of the taps kx = 1, 2 past the last pair.
template <typename T>
int PaddedWidth(int w) {
  const int pair = 2 * Lanes<T>();
  return (w + pair - 1) / pair * pair + pair;
}

// Copies `channels` planes of h x w (plane c at x + c * channel_stride) into p: per channel
// h + 2 rows of PaddedWidth(w) values, zero outside the map.
template <typename T>
void PadImage(const T* x, int channels, std::size_t channel_stride, int h, int w, T* p) {
  const int pw = PaddedWidth<T>(w);
  const std::size_t plane = static_cast<std::size_t>(h + 2) * pw;
  for (int c = 0; c < channels; ++c) {
    T* pc = p + c * plane;
    std::fill(pc, pc + pw, T(0));
    std::fill(pc + static_cast<std::size_t>(h + 1) * pw, pc + plane, T(0));
    for (int y = 0; y < h; ++y) {
      T* row = pc + static_cast<std::size_t>(y + 1) * pw;
      row[0] = T(0);
      const T* src = x + c * channel_stride + static_cast<std::size_t>(y) * w;
      std::copy(src, src + w, row + 1);
      std::fill(row + 1 + w, row + pw, T(0));
    }
  }
}

// Scratch per image: the padded input, the padded output gradient (the backward pass), and two
// rows of kCoBlock x one pair of vectors of outputs per column pair.
template <typename T>
std::size_t ScratchSize(int in, int out, int h, int w) {
  const std::size_t plane = static_cast<std::size_t>(h + 2) * PaddedWidth<T>(w);
  return (static_cast<std::size_t>(in) + out) * plane +
         2 * static_cast<std::size_t>(kCoBlock) * PaddedWidth<T>(w);
}

// Rows y of the outputs of channels co0 .. co0 + n - 1 (n <= kCoBlock), before bias: out[c][x]
// for x < w, and whatever x up to w rounded up to a pair of vectors (row stride `ld`, at least
// that), from the padded image p of `in` channels and the weights w ([out][in][3][3]).
template <typename T>
void OutputRow(const T* p, int in, int h, int w, const T* weight, int co0, int n, int y, T* out,
               std::size_t ld) {
  using Vec = typename gemm::Simd<T>::Vec;
  constexpr int kL = Lanes<T>();
  const int pw = PaddedWidth<T>(w);
  const std::size_t plane = static_cast<std::size_t>(h + 2) * pw;
  for (int x0 = 0; x0 < w; x0 += 2 * kL) {
    Vec acc[kCoBlock][2];
#pragma GCC unroll 16
    for (int c = 0; c < kCoBlock; ++c) acc[c][0] = acc[c][1] = Vec{};
    for (int ci = 0; ci < in; ++ci) {
      for (int ky = 0; ky < 3; ++ky) {
        const T* row = p + ci * plane + static_cast<std::size_t>(y + ky) * pw + x0;
#pragma GCC unroll 3
        for (int kx = 0; kx < 3; ++kx) {
          Vec b0, b1;
          __builtin_memcpy(&b0, row + kx, sizeof b0);
          __builtin_memcpy(&b1, row + kx + kL, sizeof b1);
          const T* wk = weight + (static_cast<std::size_t>(co0) * in + ci) * 9 + ky * 3 + kx;
          const std::size_t wstride = static_cast<std::size_t>(in) * 9;
#pragma GCC unroll 16
          for (int c = 0; c < kCoBlock; ++c) {
            const T wv = c < n ? wk[c * wstride] : T(0);
            acc[c][0] += wv * b0;
            acc[c][1] += wv * b1;
          }
        }
      }
    }
#pragma GCC unroll 16
    for (int c = 0; c < kCoBlock; ++c) {
      if (c < n) {
        __builtin_memcpy(out + c * ld + x0, &acc[c][0], sizeof(Vec));
        __builtin_memcpy(out + c * ld + x0 + kL, &acc[c][1], sizeof(Vec));
      }
    }
  }
}

namespace detail {
// The epilogue of one channel's row (or pair of rows, pooling) of raw sums: + bias where the
// layer has one, then winograd::FinishOutput and the 2x2 pool's winograd::PoolWindow, the
// formulas of winograd::TransformOutput.
template <typename T, bool kAffine, bool kRelu, bool kPool>
void FinishRows(const T* r0, const T* r1, int w, bool bias, T b, T sc, T sh, T* dst) {
  auto finish = [bias, b, sc, sh](T v) {
    return winograd::FinishOutput<T, kAffine, kRelu>(bias ? v + b : v, sc, sh);
  };
  if (!kPool) {
#pragma omp simd
    for (int x = 0; x < w; ++x) dst[x] = finish(r0[x]);
    return;
  }
#pragma omp simd
  for (int px = 0; px < w / 2; ++px) {
    dst[px] = winograd::PoolWindow(finish(r0[2 * px]), finish(r0[2 * px + 1]), finish(r1[2 * px]),
                                   finish(r1[2 * px + 1]));
  }
}

template <typename T, bool kAffine, bool kRelu, bool kPool>
void Forward(const T* x, std::size_t x_stride, int n0, int images, int in, int out, int h, int w,
             const T* weight, const winograd::OutputEpilogue<T>& ep, T* y, std::size_t y_stride,
             T* scratch) {
  const int pw = PaddedWidth<T>(w);
  T* p = scratch;
  T* rows = p + static_cast<std::size_t>(in) * (h + 2) * pw;  // 2 rows x kCoBlock x pw
  T* rows1 = rows + kCoBlock * static_cast<std::size_t>(pw);
  const std::size_t ld = pw;
  const int oh = kPool ? h / 2 : h, ow = kPool ? w / 2 : w;
  const bool bias = ep.bias != nullptr;
  for (int i = n0; i < n0 + images; ++i) {
    PadImage(x + static_cast<std::size_t>(i) * h * w, in, x_stride, h, w, p);
    for (int co0 = 0; co0 < out; co0 += kCoBlock) {
      const int n = std::min(kCoBlock, out - co0);
      for (int oy = 0; oy < oh; ++oy) {
        OutputRow(p, in, h, w, weight, co0, n, kPool ? 2 * oy : oy, rows, ld);
        if (kPool) OutputRow(p, in, h, w, weight, co0, n, 2 * oy + 1, rows1, ld);
        for (int c = 0; c < n; ++c) {
          const int co = co0 + c;
          T* dst = y + co * y_stride + static_cast<std::size_t>(i) * oh * ow +
                   static_cast<std::size_t>(oy) * ow;
          FinishRows<T, kAffine, kRelu, kPool>(
              rows + c * ld, rows1 + c * ld, w, bias, bias ? ep.bias[co] : T(0),
              kAffine ? ep.scale[co] : T(1), kAffine ? ep.shift[co] : T(0), dst);
        }
      }
    }
  }
}
}  // namespace detail

// y = epilogue(conv(x)) for the images [n0, n0 + images) of x (C x N x H x W, channel stride
// `x_stride`; y likewise, `y_stride`, pooled maps h/2 x w/2 when ep.pool, h and w even). The
// epilogue is winograd::OutputEpilogue's, dispatched and computed by the same functions as
// winograd::TransformOutput's (so that folding gives the layers' own bits).
template <typename T>
void Forward(const T* x, std::size_t x_stride, int n0, int images, int in, int out, int h, int w,
             const T* weight, const winograd::OutputEpilogue<T>& ep, T* y, std::size_t y_stride,
             T* scratch) {
  winograd::DispatchEpilogue(ep, [&](auto affine, auto relu, auto pool) {
    detail::Forward<T, decltype(affine)::value, decltype(relu)::value, decltype(pool)::value>(
        x, x_stride, n0, images, in, out, h, w, weight, ep, y, y_stride, scratch);
  });
}

// The weight gradient of the images [n0, n0 + images): dw[co][ci][ky][kx] += sum over their
// pixels of dy[co] * x[ci] at the tap's offset, kept as one partial sum per vector lane in
// `lanes` (out x in x 9 vectors, which the caller zeroes per group and reduces with
// ReduceLanes), so that the sum runs in one fixed order over the group: per lane, images,
// rows and columns in order. dy_padded is the output gradient padded like the input.
template <typename T>
void AccumulateWeightGradient(const T* p, const T* dy_padded, int in, int out, int h, int w,
                              T* lanes) {
  using Vec = typename gemm::Simd<T>::Vec;
  constexpr int kL = Lanes<T>();
  const int pw = PaddedWidth<T>(w);
  const std::size_t plane = static_cast<std::size_t>(h + 2) * pw;
  const int xs = (w + kL - 1) / kL * kL;  // columns covered, whole vectors (zeros past w)
  for (int co0 = 0; co0 < out; co0 += 2) {
    const int n = std::min(2, out - co0);
    for (int ci = 0; ci < in; ++ci) {
      Vec acc[2][9];
#pragma GCC unroll 2
      for (int c = 0; c < 2; ++c) {
#pragma GCC unroll 9
        for (int t = 0; t < 9; ++t) {
          if (c < n) {
            __builtin_memcpy(&acc[c][t],
                             lanes + ((static_cast<std::size_t>(co0 + c) * in + ci) * 9 + t) * kL,
                             sizeof(Vec));
          } else {
            acc[c][t] = Vec{};
          }
        }
      }
      const T* dy0 = dy_padded + static_cast<std::size_t>(co0) * plane;
      const T* dy1 = n > 1 ? dy0 + plane : dy0;
      const T* pc = p + ci * plane;
      for (int y = 0; y < h; ++y) {
        for (int x0 = 0; x0 < xs; x0 += kL) {
          Vec g0, g1;
          const std::size_t at = static_cast<std::size_t>(y + 1) * pw + 1 + x0;
          __builtin_memcpy(&g0, dy0 + at, sizeof g0);
          __builtin_memcpy(&g1, dy1 + at, sizeof g1);
#pragma GCC unroll 3
          for (int ky = 0; ky < 3; ++ky) {
#pragma GCC unroll 3
            for (int kx = 0; kx < 3; ++kx) {
              Vec v;
              __builtin_memcpy(&v, pc + static_cast<std::size_t>(y + ky) * pw + x0 + kx, sizeof v);
              acc[0][ky * 3 + kx] += g0 * v;
              acc[1][ky * 3 + kx] += g1 * v;
            }
          }
        }
      }
      for (int c = 0; c < n; ++c) {
        for (int t = 0; t < 9; ++t) {
          __builtin_memcpy(lanes + ((static_cast<std::size_t>(co0 + c) * in + ci) * 9 + t) * kL,
                           &acc[c][t], sizeof(Vec));
        }
      }
    }
  }
}

// dw[k] = sum of the lanes of weight k, in lane order.
template <typename T>
void ReduceLanes(const T* lanes, std::size_t weights, T* dw) {
  constexpr int kL = Lanes<T>();
  for (std::size_t k = 0; k < weights; ++k) {
    T s = lanes[k * kL];
    for (int l = 1; l < kL; ++l) s += lanes[k * kL + l];
    dw[k] = s;
  }
}

// The input gradient of one image: dx[ci][y][x] = sum over (co, ky, kx), in that order, of
// w[co][ci][ky][kx] * dy[co][y + 1 - ky][x + 1 - kx] (zero outside the map), from the padded
// output gradient; dx planes at dx + ci * dx_stride, h x w each.
template <typename T>
void InputGradient(const T* dy_padded, int in, int out, int h, int w, const T* weight, T* dx,
                   std::size_t dx_stride) {
  using Vec = typename gemm::Simd<T>::Vec;
  constexpr int kL = Lanes<T>();
  const int pw = PaddedWidth<T>(w);
  const std::size_t plane = static_cast<std::size_t>(h + 2) * pw;
  for (int y = 0; y < h; ++y) {
    for (int x0 = 0; x0 < w; x0 += 2 * kL) {
      Vec acc[kMaxInputs][2];
#pragma GCC unroll 4
      for (int c = 0; c < kMaxInputs; ++c) acc[c][0] = acc[c][1] = Vec{};
      for (int co = 0; co < out; ++co) {
        for (int ky = 0; ky < 3; ++ky) {
          // Padded row y + 2 - ky holds dy row y + 1 - ky; column x0 + 2 - kx holds dy column
          // x0 + 1 - kx.
          const T* row = dy_padded + co * plane + static_cast<std::size_t>(y + 2 - ky) * pw + x0;
#pragma GCC unroll 3
          for (int kx = 0; kx < 3; ++kx) {
            Vec b0, b1;
            __builtin_memcpy(&b0, row + 2 - kx, sizeof b0);
            __builtin_memcpy(&b1, row + 2 - kx + kL, sizeof b1);
            const T* wk = weight + static_cast<std::size_t>(co) * in * 9 + ky * 3 + kx;
#pragma GCC unroll 4
            for (int ci = 0; ci < kMaxInputs; ++ci) {
              if (ci < in) {
                acc[ci][0] += wk[ci * 9] * b0;
                acc[ci][1] += wk[ci * 9] * b1;
              }
            }
          }
        }
      }
      const int m = std::min(2 * kL, w - x0);
      for (int ci = 0; ci < in; ++ci) {
        T lanes[2 * kL];
        __builtin_memcpy(lanes, &acc[ci][0], sizeof(Vec));
        __builtin_memcpy(lanes + kL, &acc[ci][1], sizeof(Vec));
        std::copy(lanes, lanes + m, dx + ci * dx_stride + static_cast<std::size_t>(y) * w + x0);
      }
    }
  }
}

}  // namespace imcnas::nn::internal::direct

#endif  // IMCNAS_NN_INTERNAL_DIRECT_CONV_H_
