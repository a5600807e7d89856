// Winograd F(2x2, 3x3) and the direct convolution (few input channels) against the im2col
// lowering of the same 3x3 / stride 1 / padding 1 convolution: forward output, input gradient,
// weight and bias gradients, on maps with odd and even sides (tiles half outside), single rows
// and columns, maps wider than two vectors, maps larger than one chunk, groups of several
// chunks, and batches spanning several groups; and the inference pass, which uses F(4x4, 3x3)
// where it needs fewer products. Double agrees to rounding; float to 1e-5 relative, the
// tolerance of the PyTorch fixtures.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "nn/layers.h"

namespace imcnas::nn {
namespace {

struct Shape {
  int in, out, n, h, w;
  bool bias;
};

template <typename T>
double RelativeError(const T* a, const T* b, std::size_t size) {
  // A NaN anywhere makes the error NaN, which fails every EXPECT_LT (std::max would drop it).
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < size; ++i) {
    const double d = std::abs(double(a[i]) - double(b[i]));
    if (!(d <= diff)) diff = d;
    norm = std::max(norm, std::abs(double(b[i])));
  }
  return norm == 0 ? diff : diff / norm;
}

// Gives both convolutions the same normally distributed weights and biases.
template <typename T>
void SetSameParameters(Conv2d<T>& a, Conv2d<T>& b, std::mt19937_64& gen) {
  std::normal_distribution<double> normal;
  for (std::size_t i = 0; i < a.weight().size(); ++i) {
    a.weight()(i) = b.weight()(i) = static_cast<T>(normal(gen));
  }
  for (std::size_t i = 0; i < a.bias().size(); ++i) {
    a.bias()(i) = b.bias()(i) = static_cast<T>(normal(gen));
  }
}

// A convolution (Winograd unless said otherwise) with normally distributed weights and biases.
template <typename T>
Conv2d<T> RandomConv(const Shape& s, std::mt19937_64& gen,
                     ConvAlgorithm algorithm = ConvAlgorithm::kWinograd) {
  Conv2d<T> conv(s.in, s.out, 3, 1, 1, s.bias, nullptr, algorithm);
  std::normal_distribution<double> normal;
  for (auto& v : conv.weight()) v = static_cast<T>(normal(gen));
  for (auto& v : conv.bias()) v = static_cast<T>(normal(gen));
  return conv;
}

// A channels x n x h x w tensor of standard normal values.
template <typename T>
Tensor<T> RandomTensor(int channels, int n, int h, int w, std::mt19937_64& gen) {
  Tensor<T> t;
  EnsureShape(t, channels, n, h, w);
  std::normal_distribution<double> normal;
  for (auto& v : t) v = static_cast<T>(normal(gen));
  return t;
}

// `algorithm` (Winograd or direct) against im2col.
template <typename T>
void Compare(const Shape& s, double tolerance, ConvAlgorithm algorithm = ConvAlgorithm::kWinograd) {
  const std::string what = "in " + std::to_string(s.in) + " out " + std::to_string(s.out) + " n " +
                           std::to_string(s.n) + " " + std::to_string(s.h) + "x" +
                           std::to_string(s.w);
  Conv2d<T> wino(s.in, s.out, 3, 1, 1, s.bias, nullptr, algorithm);
  Conv2d<T> direct(s.in, s.out, 3, 1, 1, s.bias, nullptr, ConvAlgorithm::kIm2col);
  if (algorithm == ConvAlgorithm::kWinograd) {
    ASSERT_TRUE(wino.winograd());
  } else {
    ASSERT_TRUE(wino.direct());
  }
  ASSERT_FALSE(direct.winograd() || direct.direct());
  std::mt19937_64 gen(static_cast<std::uint64_t>(s.in * 1000 + s.h * 10 + s.w));
  std::normal_distribution<double> normal;
  SetSameParameters(wino, direct, gen);
  Tensor<T> x, dy;
  EnsureShape(x, s.in, s.n, s.h, s.w);
  EnsureShape(dy, s.out, s.n, s.h, s.w);
  for (auto& v : x) v = static_cast<T>(normal(gen));
  for (auto& v : dy) v = static_cast<T>(normal(gen));
  Tensor<T> y1, y2, dx1, dx2;
  wino.Forward({&x}, y1, true);
  direct.Forward({&x}, y2, true);
  ASSERT_EQ(y1.shape(), y2.shape()) << what;
  EXPECT_LT(RelativeError(y1.data(), y2.data(), y1.size()), tolerance) << "output, " << what;
  wino.Backward({&x}, y1, dy, {&dx1});
  direct.Backward({&x}, y2, dy, {&dx2});
  EXPECT_LT(RelativeError(dx1.data(), dx2.data(), dx1.size()), tolerance) << "dx, " << what;
  EXPECT_LT(RelativeError(wino.weight_grad().data(), direct.weight_grad().data(),
                          wino.weight_grad().size()),
            tolerance)
      << "dw, " << what;
  if (s.bias) {
    EXPECT_LT(RelativeError(wino.bias_grad().data(), direct.bias_grad().data(), s.out), tolerance)
        << "db, " << what;
  }
  // Without an input gradient (a network's first layer) the parameter gradients are the same.
  const Vector<T> dw = wino.weight_grad(), db = wino.bias_grad();
  wino.Backward({&x}, y1, dy, {nullptr});
  EXPECT_EQ(dw, wino.weight_grad()) << what;
  EXPECT_EQ(db, wino.bias_grad()) << what;
}

const std::vector<Shape> kShapes = {
    {3, 4, 2, 6, 5, true},     // the PyTorch fixture's shape
    {17, 9, 3, 7, 7, false},   // odd map: last tile row and column half outside
    {8, 16, 2, 8, 8, true},    // even map
    {5, 3, 4, 1, 1, true},     // one pixel: only the kernel centre acts
    {4, 6, 2, 1, 9, false},    // a single row
    {4, 6, 2, 10, 1, true},    // a single column
    {6, 5, 2, 33, 34, true},   // more tiles per image than one chunk
    {7, 8, 19, 4, 6, false},   // a batch over all eight groups, several images per chunk
    {3, 4, 16, 23, 23, true},  // one image per chunk (144 tiles), two chunks per group
    {4, 5, 24, 12, 12, true},  // 7 images per chunk, 3 per group
};

// The inference pass (F(4x4, 3x3) where Conv2d::winograd4 says so, else F(2x2)) against im2col.
// Where F(4x4) is used its output must also differ in some bit from the training pass's F(2x2)
// output (the two round differently), so that a silent fallback to F(2x2) fails.
template <typename T>
void CompareInference(const Shape& s, double tolerance) {
  const std::string what = "inference, in " + std::to_string(s.in) + " out " +
                           std::to_string(s.out) + " n " + std::to_string(s.n) + " " +
                           std::to_string(s.h) + "x" + std::to_string(s.w);
  Conv2d<T> wino(s.in, s.out, 3, 1, 1, s.bias, nullptr, ConvAlgorithm::kWinograd);
  Conv2d<T> direct(s.in, s.out, 3, 1, 1, s.bias, nullptr, ConvAlgorithm::kIm2col);
  std::mt19937_64 gen(static_cast<std::uint64_t>(s.out * 1000 + s.h * 10 + s.w));
  std::normal_distribution<double> normal;
  SetSameParameters(wino, direct, gen);
  Tensor<T> x;
  EnsureShape(x, s.in, s.n, s.h, s.w);
  for (auto& v : x) v = static_cast<T>(normal(gen));
  Tensor<T> y1, y2, y3;
  wino.Forward({&x}, y1, false);
  direct.Forward({&x}, y2, false);
  ASSERT_EQ(y1.shape(), y2.shape()) << what;
  EXPECT_LT(RelativeError(y1.data(), y2.data(), y1.size()), tolerance) << what;
  wino.Forward({&x}, y3, true);  // F(2x2)
  if (wino.winograd4(s.h, s.w, false)) {
    EXPECT_NE(y1, y3) << what << ": F(4x4) gave F(2x2)'s bits";
  } else {
    EXPECT_EQ(y1, y3) << what;
  }
}

// Maps where F(4x4) needs fewer products and where it does not (1x1, 2x2, 5x5, 6x6), maps not a
// multiple of 4 (last tiles partly outside), several images per chunk and several chunks per
// group.
const std::vector<Shape> kInferenceShapes = {
    {3, 4, 2, 6, 5, true},    {17, 9, 3, 7, 7, false},  {8, 16, 2, 8, 8, true},
    {5, 3, 4, 1, 1, true},    {4, 6, 2, 1, 9, false},   {4, 6, 2, 10, 1, true},
    {6, 5, 2, 33, 34, true},  {7, 8, 19, 4, 6, false},  {3, 4, 16, 23, 23, true},
    {4, 5, 24, 12, 12, true}, {9, 7, 5, 2, 2, true},    {8, 8, 3, 5, 5, false},
    {8, 8, 3, 6, 6, true},    {12, 16, 40, 14, 14, true}, {32, 16, 2, 28, 28, false},
    {5, 6, 3, 3, 3, true},    {4, 4, 2, 6, 10, true},   {3, 5, 2, 3, 7, false},
    {3, 5, 2, 7, 3, true},    {6, 9, 1, 4, 3, true},    {7, 7, 33, 3, 4, true},
    {9, 13, 5, 11, 13, true}, {16, 24, 3, 18, 22, false}, {5, 3, 7, 9, 9, true},
};

TEST(ConvAlgorithm, Winograd4OnlyForInferenceWhereItNeedsFewerProducts) {
  const Conv2d<float> conv(8, 8, 3, 1, 1, false);
  for (int side : {3, 4, 7, 8, 9, 14, 16, 28, 32}) {
    EXPECT_TRUE(conv.winograd4(side, side, false)) << side;
    EXPECT_FALSE(conv.winograd4(side, side, true)) << side;
  }
  for (int side : {1, 2, 5, 6}) EXPECT_FALSE(conv.winograd4(side, side, false)) << side;
  EXPECT_FALSE(Conv2d<float>(8, 8, 3, 1, 1, false, nullptr, ConvAlgorithm::kWinograd2)
                   .winograd4(16, 16, false));
  EXPECT_TRUE(Conv2d<float>(8, 8, 3, 1, 1, false, nullptr, ConvAlgorithm::kWinograd2).winograd());
  EXPECT_FALSE(Conv2d<float>(2, 8, 3, 1, 1, false).winograd4(16, 16, false));  // direct
  EXPECT_FALSE(Conv2d<float>(8, 8, 3, 2, 1, false).winograd4(16, 16, false));  // strided
}

TEST(ConvAlgorithm, InferenceEqualsIm2colInDouble) {
  for (const Shape& s : kInferenceShapes) CompareInference<double>(s, 1e-12);
}

TEST(ConvAlgorithm, InferenceEqualsIm2colInFloat) {
  for (const Shape& s : kInferenceShapes) CompareInference<float>(s, 1e-5);
}

// The inference pass gives the same bits with 1, 2 and 3 OpenMP threads.
template <typename T>
void ExpectThreadCountInvariant(const Shape& s) {
  std::mt19937_64 gen(7);
  Conv2d<T> conv = RandomConv<T>(s, gen);
  const Tensor<T> x = RandomTensor<T>(s.in, s.n, s.h, s.w, gen);
  Tensor<T> y[3];
  const int saved = omp_get_max_threads();
  for (int t = 0; t < 3; ++t) {
    omp_set_num_threads(t + 1);
    conv.Forward({&x}, y[t], false);
  }
  omp_set_num_threads(saved);
  EXPECT_EQ(y[0], y[1]) << s.h << "x" << s.w;
  EXPECT_EQ(y[0], y[2]) << s.h << "x" << s.w;
}

TEST(ConvAlgorithm, InferenceDoesNotDependOnTheThreadCount) {
  for (const Shape& s : kInferenceShapes) {
    ExpectThreadCountInvariant<float>(s);
    ExpectThreadCountInvariant<double>(s);
  }
}

// One image alone gives the bits it gets inside a batch (chunks of other sizes and columns,
// other register blocks of the products).
TEST(ConvAlgorithm, InferenceOfOneImageEqualsItsRowInTheBatch) {
  for (const Shape& s : kInferenceShapes) {
    std::mt19937_64 gen(3);
    Conv2d<float> conv = RandomConv<float>(s, gen);
    const Tensor<float> x = RandomTensor<float>(s.in, s.n, s.h, s.w, gen);
    Tensor<float> x1, y, y1;
    const int last = s.n - 1;
    const std::size_t plane = static_cast<std::size_t>(s.h) * s.w;
    EnsureShape(x1, s.in, 1, s.h, s.w);
    for (int c = 0; c < s.in; ++c) {
      std::copy_n(x.data() + (static_cast<std::size_t>(c) * s.n + last) * plane, plane,
                  x1.data() + c * plane);
    }
    conv.Forward({&x}, y, false);
    conv.Forward({&x1}, y1, false);
    for (int c = 0; c < s.out; ++c) {
      EXPECT_EQ(0, std::memcmp(y.data() + (static_cast<std::size_t>(c) * s.n + last) * plane,
                               y1.data() + c * plane, plane * sizeof(float)))
          << s.h << "x" << s.w << " channel " << c;
    }
  }
}

// Inference passes reuse the packed transformed weights while the weights stay the same: a
// change of one weight, a training pass or a backward pass in between, and another map size
// (the other Winograd scheme) must all give the bits of a fresh convolution.
TEST(ConvAlgorithm, InferenceSeesEveryWeightChange) {
  const Shape s = {6, 5, 3, 12, 12, true};
  std::mt19937_64 gen(5);
  Conv2d<float> conv = RandomConv<float>(s, gen, ConvAlgorithm::kAuto);
  const Tensor<float> x = RandomTensor<float>(s.in, s.n, s.h, s.w, gen);
  const Tensor<float> small = RandomTensor<float>(s.in, s.n, 2, 2, gen);  // F(2x2)
  const Tensor<float> dy = RandomTensor<float>(s.out, s.n, s.h, s.w, gen);
  Tensor<float> dx;
  auto fresh = [&](const Tensor<float>& in) {  // a new layer with conv's current weights
    Conv2d<float> other(s.in, s.out, 3, 1, 1, s.bias);
    other.weight() = conv.weight();
    other.bias() = conv.bias();
    Tensor<float> y;
    other.Forward({&in}, y, false);
    return y;
  };
  Tensor<float> y0, y;
  conv.Forward({&x}, y0, false);
  conv.Forward({&x}, y, false);  // reused packing
  EXPECT_EQ(y, y0);
  conv.weight()(7) += 0.5f;
  conv.Forward({&x}, y, false);
  EXPECT_EQ(y, fresh(x)) << "after changing one weight";
  EXPECT_NE(y, y0);
  conv.Forward({&small}, y, false);
  EXPECT_EQ(y, fresh(small)) << "another scheme";
  conv.Forward({&x}, y, true);
  conv.Backward({&x}, y, dy, {&dx});
  conv.weight()(3) -= 0.25f;
  conv.Forward({&x}, y, false);
  EXPECT_EQ(y, fresh(x)) << "after a training pass";
  conv.Backward({&x}, y, dy, {&dx});  // packs the transposed F(2x2) weights
  conv.Forward({&x}, y, false);
  EXPECT_EQ(y, fresh(x)) << "after a backward pass";
}

// Conv2d::ForwardInference (BN, ReLU and pool folded into the output transform) against the
// convolution, BatchNorm and MaxPool run one by one in inference mode: the same bits, with
// F(4x4) (most maps), F(2x2) (2x2, 6x6) and the direct convolution (<= 4 inputs).
template <typename T>
void ExpectFoldEqualsLayers(const Shape& s, bool relu, bool pool) {
  std::mt19937_64 gen(11 + s.h * 7 + s.w);
  Conv2d<T> conv = RandomConv<T>(s, gen, ConvAlgorithm::kAuto);
  std::uniform_real_distribution<double> var(0.2, 1.8), centred(-0.5, 0.5);
  BatchNorm<T> bn(s.out);
  for (auto& v : bn.gamma()) v = static_cast<T>(3 * centred(gen));
  for (auto& v : bn.beta()) v = static_cast<T>(centred(gen));
  for (auto& v : bn.running_mean()) v = static_cast<T>(centred(gen));
  for (auto& v : bn.running_var()) v = static_cast<T>(var(gen));
  bn.set_fused_relu(relu);
  const Tensor<T> x = RandomTensor<T>(s.in, s.n, s.h, s.w, gen);
  Tensor<T> folded, c, b, p;
  conv.ForwardInference(x, bn, pool, folded);
  conv.Forward({&x}, c, false);
  bn.Forward({&c}, b, false);
  MaxPool<T> max_pool(2);
  if (pool) max_pool.Forward({&b}, p, false);
  const Tensor<T>& want = pool ? p : b;
  ASSERT_EQ(folded.shape(), want.shape()) << s.h << "x" << s.w;
  EXPECT_EQ(0, std::memcmp(folded.data(), want.data(), sizeof(T) * folded.size()))
      << s.in << " inputs, " << s.h << "x" << s.w << " relu " << relu << " pool " << pool;
}

TEST(ConvAlgorithm, ForwardInferenceEqualsTheLayersOneByOne) {
  const std::vector<Shape> shapes = {
      {5, 6, 3, 6, 10, true}, {5, 6, 3, 10, 6, false}, {8, 7, 2, 14, 14, true},
      {6, 6, 3, 2, 2, true},  {6, 6, 3, 2, 6, true},   {6, 6, 3, 4, 4, true},
      {6, 6, 3, 18, 2, true}, {9, 5, 17, 22, 26, true}, {6, 6, 3, 3, 3, true},
      {6, 6, 3, 7, 9, false}, {6, 6, 2, 6, 6, true},   {3, 8, 2, 12, 12, true},
  };
  for (const Shape& s : shapes) {
    const bool even = s.h % 2 == 0 && s.w % 2 == 0;
    for (bool relu : {false, true}) {
      for (bool pool : {false, true}) {
        if (pool && !even) continue;
        ExpectFoldEqualsLayers<float>(s, relu, pool);
        ExpectFoldEqualsLayers<double>(s, relu, pool);
      }
    }
  }
}

// Shapes for the direct convolution: 1-4 input channels; widths below one vector, between one
// and two, above two (several column pairs) and odd.
const std::vector<Shape> kDirectShapes = {
    {3, 4, 2, 6, 5, true},    {1, 9, 3, 7, 7, false},   {2, 16, 2, 8, 8, true},
    {3, 3, 4, 1, 1, true},    {4, 6, 2, 1, 9, false},   {4, 6, 2, 10, 1, true},
    {3, 5, 2, 33, 34, true},  {1, 8, 19, 4, 6, false},  {3, 17, 16, 23, 23, true},
    {1, 32, 9, 28, 28, true}, {3, 8, 3, 20, 40, false},
};

TEST(ConvAlgorithm, WinogradAndDirectOnlyFor3x3Stride1Padding1) {
  EXPECT_TRUE(Conv2d<float>(5, 4, 3, 1, 1, false).winograd());
  EXPECT_TRUE(Conv2d<float>(4, 4, 3, 1, 1, false).direct());  // few inputs: direct
  EXPECT_TRUE(Conv2d<float>(1, 4, 3, 1, 1, false).direct());
  EXPECT_FALSE(Conv2d<float>(4, 4, 3, 1, 1, false).winograd());
  EXPECT_TRUE(Conv2d<float>(4, 4, 3, 1, 1, false, nullptr, ConvAlgorithm::kWinograd).winograd());
  EXPECT_FALSE(Conv2d<float>(5, 4, 3, 1, 1, false, nullptr, ConvAlgorithm::kDirect).direct());
  for (int in : {1, 4, 5}) {
    EXPECT_FALSE(Conv2d<float>(in, 4, 3, 2, 1, false).foldable());
    EXPECT_FALSE(Conv2d<float>(in, 4, 3, 1, 0, false).foldable());
    EXPECT_FALSE(Conv2d<float>(in, 4, 5, 1, 1, false).foldable());
    EXPECT_FALSE(Conv2d<float>(in, 4, 1, 1, 0, false).foldable());
    EXPECT_FALSE(Conv2d<float>(in, 4, 3, 1, 1, false, nullptr, ConvAlgorithm::kIm2col).foldable());
  }
}

TEST(ConvAlgorithm, WinogradEqualsIm2colInDouble) {
  for (const Shape& s : kShapes) Compare<double>(s, 1e-12);
}

TEST(ConvAlgorithm, WinogradEqualsIm2colInFloat) {
  for (const Shape& s : kShapes) Compare<float>(s, 1e-5);
}

TEST(ConvAlgorithm, DirectEqualsIm2colInDouble) {
  for (const Shape& s : kDirectShapes) Compare<double>(s, 1e-12, ConvAlgorithm::kDirect);
}

TEST(ConvAlgorithm, DirectEqualsIm2colInFloat) {
  for (const Shape& s : kDirectShapes) Compare<float>(s, 1e-5, ConvAlgorithm::kDirect);
}

TEST(ConvAlgorithm, WinogradAndDirectAreExactForAnIdentityKernel) {
  // A kernel with a single 1 at (ky, kx) shifts the map; F(2x2, 3x3) and the direct convolution
  // must reproduce the shift exactly (every value passes through one multiplication by 1 plus
  // exact zeros), padding zeros included. (F(4x4)'s transformed kernel holds 1/6 and 1/24, which
  // float cannot represent: the inference tests bound its error instead.)
  for (ConvAlgorithm algorithm : {ConvAlgorithm::kWinograd2, ConvAlgorithm::kDirect}) {
    for (int ky = 0; ky < 3; ++ky) {
      for (int kx = 0; kx < 3; ++kx) {
        Conv2d<float> conv(1, 1, 3, 1, 1, false, nullptr, algorithm);
        conv.weight().fill(0.0f);
        conv.weight()(ky * 3 + kx) = 1.0f;
        Tensor<float> x, y;
        EnsureShape(x, 1, 1, 5, 7);
        for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = static_cast<float>(i + 1);
        conv.Forward({&x}, y, false);
        for (int oy = 0; oy < 5; ++oy) {
          for (int ox = 0; ox < 7; ++ox) {
            const int iy = oy + ky - 1, ix = ox + kx - 1;
            const float want = iy < 0 || iy >= 5 || ix < 0 || ix >= 7 ? 0.0f : x(0, 0, iy, ix);
            EXPECT_EQ(y(0, 0, oy, ox), want) << ky << kx << " at " << oy << "," << ox;
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace imcnas::nn
