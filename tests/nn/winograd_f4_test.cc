// Winograd F(4x4, 3x3) (nn/internal/winograd_f4.h): a complete convolution made of its weight,
// input and output transforms and plain per-xi products over the 36 slices, against a direct
// 3x3 convolution summed in double, in double (to 1e-12 of sum |w x| per output) and in float;
// maps of 1x1 to 32x32 (multiples of 4 and not, tiles partly outside), several images per chunk
// taken from the middle of a larger batch (the channel stride is not images * h * w), 1-40
// channels, buffers prefilled with NaN so that a read of a value the transforms did not write
// shows. Every epilogue DispatchEpilogue accepts, with and without bias, must give bit for bit
// what the un-fused transform followed by the bias, FinishOutput (BatchNorm's inference formula,
// ReLU) and PoolWindow (MaxPool's rule) gives.
#include "nn/internal/winograd_f4.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace imcnas::nn::internal::winograd4 {
namespace {

template <typename T>
std::vector<T> Random(std::size_t n, std::uint32_t seed, double lo = -1, double hi = 1) {
  std::vector<T> v(n);
  for (auto& x : v) {
    seed = seed * 1664525u + 1013904223u;
    x = static_cast<T>(lo + (hi - lo) * ((seed >> 8) * (1.0 / 16777216.0)));
  }
  return v;
}

// A convolution of `images` images starting at image 1 of a batch of images + 2 (C x N x H x W).
struct Case {
  int h, w, images, in, out;
  int batch() const { return images + 2; }
  std::size_t x_stride() const { return static_cast<std::size_t>(batch()) * h * w; }
  std::size_t offset() const { return static_cast<std::size_t>(h) * w; }  // image 1
  std::string Name() const {
    return std::to_string(h) + "x" + std::to_string(w) + " images " + std::to_string(images) +
           " in " + std::to_string(in) + " out " + std::to_string(out);
  }
};

// The direct convolution of the case's images (padding 1) summed in double, and sum |w x| per
// output, both [out][image][y][x].
template <typename T>
void Direct(const std::vector<T>& x, const std::vector<T>& wt, const Case& k,
            std::vector<double>* y, std::vector<double>* magnitude) {
  const std::size_t plane = static_cast<std::size_t>(k.h) * k.w;
  y->assign(k.out * k.images * plane, 0);
  magnitude->assign(y->size(), 0);
  for (int o = 0; o < k.out; ++o) {
    for (int i = 0; i < k.images; ++i) {
      for (int r = 0; r < k.h; ++r) {
        for (int c = 0; c < k.w; ++c) {
          double sum = 0, mag = 0;
          for (int ci = 0; ci < k.in; ++ci) {
            const T* p = x.data() + ci * k.x_stride() + k.offset() + i * plane;
            for (int a = 0; a < 3; ++a) {
              for (int b = 0; b < 3; ++b) {
                const int yy = r + a - 1, xx = c + b - 1;
                if (yy < 0 || yy >= k.h || xx < 0 || xx >= k.w) continue;
                const double term = static_cast<double>(wt[(o * k.in + ci) * 9 + 3 * a + b]) *
                                    static_cast<double>(p[yy * k.w + xx]);
                sum += term;
                mag += std::fabs(term);
              }
            }
          }
          const std::size_t at = (static_cast<std::size_t>(o) * k.images + i) * plane +
                                 static_cast<std::size_t>(r) * k.w + c;
          (*y)[at] = sum;
          (*magnitude)[at] = mag;
        }
      }
    }
  }
}

// The F4 convolution of the case's images: weights, input, the 36 products M[xi] = U[xi] V[xi]
// as plain loops in T, output with `ep`. Returns the written planes [out][image][..] (of the
// pooled size with ep.pool), read back from an output batch laid out like x (written at image
// 1, the rest must stay untouched: checked).
template <typename T>
std::vector<T> F4Conv(const std::vector<T>& x, const std::vector<T>& wt, const Case& k,
                      const OutputEpilogue<T>& ep) {
  const T nan = std::numeric_limits<T>::quiet_NaN();
  const Grid g{k.h, k.w};
  const std::size_t used = static_cast<std::size_t>(k.images) * g.per_image();
  const std::size_t tiles = used + 5;  // a longer row than the tiles: padding never read
  std::vector<T> u(static_cast<std::size_t>(kElements) * k.out * k.in, nan);
  TransformWeights(wt.data(), k.out, k.in, u.data());
  const std::size_t xs_in = XiStride(k.in, tiles), xs_out = XiStride(k.out, tiles);
  std::vector<T> v(kElements * xs_in, nan), m(kElements * xs_out, nan);
  std::vector<T> scratch(ScratchSize(g, tiles), nan);
  TransformInput(x.data() + k.offset(), k.in, k.x_stride(), k.images, g, v.data(), tiles,
                 scratch.data());
  const std::size_t plane = static_cast<std::size_t>(k.out) * k.in;
  for (int e = 0; e < kElements; ++e) {
    for (int o = 0; o < k.out; ++o) {
      for (std::size_t t = 0; t < used; ++t) {
        T sum = 0;
        for (int i = 0; i < k.in; ++i) {
          sum += u[e * plane + o * k.in + i] * v[e * xs_in + i * tiles + t];
        }
        m[e * xs_out + o * tiles + t] = sum;
      }
    }
  }
  const int oh = ep.pool ? k.h / 2 : k.h, ow = ep.pool ? k.w / 2 : k.w;
  const std::size_t out_plane = static_cast<std::size_t>(oh) * ow;
  const std::size_t y_stride = k.batch() * out_plane;
  const T sentinel = T(-777);
  std::vector<T> batch(k.out * y_stride, sentinel);
  std::fill(scratch.begin(), scratch.end(), nan);
  TransformOutput(m.data(), k.out, tiles, k.images, g, batch.data() + out_plane, y_stride, ep,
                  scratch.data());
  std::vector<T> y;
  for (int o = 0; o < k.out; ++o) {
    for (std::size_t j = 0; j < y_stride; ++j) {
      const bool ours = j >= out_plane && j < (k.images + 1) * out_plane;
      const T value = batch[o * y_stride + j];
      if (ours) {
        y.push_back(value);
      } else {
        EXPECT_EQ(value, sentinel) << k.Name() << ": written outside its images";
      }
    }
  }
  return y;
}

const Case kCases[] = {
    {1, 1, 3, 2, 3},    {2, 3, 2, 5, 4},    {4, 4, 1, 1, 1},   {4, 4, 3, 7, 6},
    {5, 5, 2, 3, 5},    {7, 7, 3, 9, 4},    {8, 8, 4, 16, 8},  {14, 14, 2, 20, 12},
    {16, 16, 2, 40, 8}, {28, 28, 1, 6, 40}, {32, 32, 2, 4, 5}, {3, 10, 2, 2, 3},
    {9, 6, 1, 3, 2},
};

// Max over outputs of |F4 - direct| / sum |w x|.
template <typename T>
double MaxRelativeError(const Case& k) {
  const std::vector<T> x = Random<T>(k.in * k.x_stride(), 17 + k.h * 31 + k.in);
  const std::vector<T> wt = Random<T>(static_cast<std::size_t>(k.out) * k.in * 9, 5 + k.out);
  std::vector<double> want, magnitude;
  Direct(x, wt, k, &want, &magnitude);
  const std::vector<T> got = F4Conv(x, wt, k, OutputEpilogue<T>{});
  EXPECT_EQ(got.size(), want.size());
  double worst = 0;
  for (std::size_t j = 0; j < want.size() && j < got.size(); ++j) {
    const double err = std::fabs(static_cast<double>(got[j]) - want[j]) / magnitude[j];
    if (!(err <= worst)) worst = err;  // a NaN sticks
  }
  return worst;
}

// Double: at most 5e-15 measured.
TEST(WinogradF4, DoubleConvolutionMatchesDirect) {
  for (const Case& k : kCases) EXPECT_LE(MaxRelativeError<double>(k), 1e-13) << k.Name();
}

// Float: the products' sums and the transforms round at 2^-24 = 6e-8 per step, amplified by the
// transforms (B^T's entries reach 5, A^T's 8; G's 1/6 and 1/24 are not exact). Over these cases
// the largest error measured is 2.8e-6 of sum |w x| (double: 5e-15); the bound is 1e-5, and a
// transform coefficient perturbed by 1e-3 of its value gives errors of 1e-4 and more.
TEST(WinogradF4, FloatConvolutionMatchesDirect) {
  for (const Case& k : kCases) EXPECT_LE(MaxRelativeError<float>(k), 1e-5) << k.Name();
}

template <typename T, bool kAffine, bool kRelu, bool kPool>
void ExpectFusedEqualsSeparate(const Case& k, bool with_bias) {
  const std::vector<T> x = Random<T>(k.in * k.x_stride(), 3 + k.h + k.in);
  const std::vector<T> wt = Random<T>(static_cast<std::size_t>(k.out) * k.in * 9, 9 + k.out);
  const std::vector<T> bias = Random<T>(k.out, 21, -0.5, 0.5);
  const std::vector<T> scale = Random<T>(k.out, 22, -1.5, 1.5);  // BN may flip the sign
  const std::vector<T> shift = Random<T>(k.out, 23, -0.5, 0.5);
  OutputEpilogue<T> ep;
  ep.bias = with_bias ? bias.data() : nullptr;
  ep.scale = kAffine ? scale.data() : nullptr;
  ep.shift = kAffine ? shift.data() : nullptr;
  ep.relu = kRelu;
  ep.pool = kPool;
  const std::vector<T> fused = F4Conv(x, wt, k, ep);
  const std::vector<T> plain = F4Conv(x, wt, k, OutputEpilogue<T>{});
  const std::size_t plane = static_cast<std::size_t>(k.h) * k.w;
  std::vector<T> want;
  for (int o = 0; o < k.out; ++o) {
    const T* src = plain.data() + static_cast<std::size_t>(o) * k.images * plane;
    std::vector<T> y(k.images * plane);
    for (std::size_t j = 0; j < y.size(); ++j) {
      const T v = with_bias ? src[j] + bias[o] : src[j];
      y[j] =
          FinishOutput<T, kAffine, kRelu>(v, kAffine ? scale[o] : T(1), kAffine ? shift[o] : T(0));
    }
    if (!kPool) {
      want.insert(want.end(), y.begin(), y.end());
      continue;
    }
    for (int i = 0; i < k.images; ++i) {
      const T* p = y.data() + i * plane;
      for (int r = 0; r < k.h / 2; ++r) {
        for (int c = 0; c < k.w / 2; ++c) {
          const T* q = p + 2 * r * k.w + 2 * c;
          want.push_back(PoolWindow(q[0], q[1], q[k.w], q[k.w + 1]));
        }
      }
    }
  }
  ASSERT_EQ(fused.size(), want.size()) << k.Name();
  for (std::size_t j = 0; j < want.size(); ++j) {
    ASSERT_EQ(std::memcmp(&fused[j], &want[j], sizeof(T)), 0)
        << k.Name() << " affine " << kAffine << " relu " << kRelu << " pool " << kPool << " bias "
        << with_bias << " at " << j << ": " << fused[j] << " vs " << want[j];
  }
}

template <typename T>
void ExpectEveryEpilogue() {
  for (const Case& k : kCases) {
    const bool even = k.h % 2 == 0 && k.w % 2 == 0;
    for (bool bias : {false, true}) {
      ExpectFusedEqualsSeparate<T, false, false, false>(k, bias);
      ExpectFusedEqualsSeparate<T, true, false, false>(k, bias);
      ExpectFusedEqualsSeparate<T, true, true, false>(k, bias);
      if (even) {
        ExpectFusedEqualsSeparate<T, true, false, true>(k, bias);
        ExpectFusedEqualsSeparate<T, true, true, true>(k, bias);
      }
    }
  }
}

TEST(WinogradF4, FusedEpilogueEqualsSeparateStepsFloat) { ExpectEveryEpilogue<float>(); }
TEST(WinogradF4, FusedEpilogueEqualsSeparateStepsDouble) { ExpectEveryEpilogue<double>(); }

TEST(WinogradF4, UnsupportedEpilogueThrows) {
  const Case k{4, 4, 1, 1, 1};
  const std::vector<float> x = Random<float>(k.in * k.x_stride(), 1);
  const std::vector<float> wt = Random<float>(9, 2);
  OutputEpilogue<float> relu_only;
  relu_only.relu = true;
  EXPECT_THROW(F4Conv(x, wt, k, relu_only), std::invalid_argument);
  OutputEpilogue<float> pool_only;
  pool_only.pool = true;
  EXPECT_THROW(F4Conv(x, wt, k, pool_only), std::invalid_argument);
}

TEST(WinogradF4, GridAndScratch) {
  const Grid g{14, 9};
  EXPECT_EQ(g.rows(), 4);
  EXPECT_EQ(g.cols(), 3);
  EXPECT_EQ(g.per_image(), 12);
  EXPECT_EQ(kElements, 36);
}

}  // namespace
}  // namespace imcnas::nn::internal::winograd4
