// A BN (with its ReLU) read only by a 2x2 max-pool runs with the pool in one pass
// (Network::set_pool_fusion, BatchNorm::ForwardMaxPool2 / BackwardMaxPool2): training steps,
// inference passes the convolution folds do not cover, and the backward pass after one must give
// the same bits as the layers one by one, on VGG, MVGG and RES blocks, even and odd maps,
// BNs with and without ReLU, pools read by two ops, and convolutions of every algorithm. And a
// BN's fused ReLU must give the bits of a separate ReLU layer.
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "arch/architecture.h"
#include "arch/graph.h"
#include "nn/layers.h"
#include "nn/network.h"
#include "nn/sgd.h"
#include "tests/nn/hand_built_graph.h"

namespace imcnas::nn {
namespace {

template <typename T>
void ExpectSameBits(const Tensor<T>& a, const Tensor<T>& b, const std::string& what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(std::memcmp(&a.data()[i], &b.data()[i], sizeof(T)), 0)
        << what << " [" << i << "]: " << a.data()[i] << " vs " << b.data()[i];
  }
}

template <typename T>
void ExpectSameParameters(Network<T>& a, Network<T>& b, const std::string& what) {
  auto pa = a.Parameters(), pb = b.Parameters();
  ASSERT_EQ(pa.size(), pb.size());
  for (std::size_t k = 0; k < pa.size(); ++k) {
    const std::string name = what + " " + pa[k].name;
    ASSERT_EQ(pa[k].value->size(), pb[k].value->size()) << name;
    ASSERT_EQ(
        std::memcmp(pa[k].value->data(), pb[k].value->data(), pa[k].value->size() * sizeof(T)), 0)
        << name << " value";
    ASSERT_EQ(std::memcmp(pa[k].grad->data(), pb[k].grad->data(), pa[k].grad->size() * sizeof(T)),
              0)
        << name << " gradient";
  }
  auto ba = a.Buffers(), bb = b.Buffers();
  for (std::size_t k = 0; k < ba.size(); ++k) {
    ASSERT_EQ(std::memcmp(ba[k]->data(), bb[k]->data(), ba[k]->size() * sizeof(T)), 0)
        << what << " BN running statistics " << k;
  }
}

// The parameter gradients of two BN layers, bit for bit.
template <typename T>
void ExpectSameBatchNormGradients(BatchNorm<T>& a, BatchNorm<T>& b, const std::string& what) {
  for (std::size_t k = 0; k < a.gamma_grad().size(); ++k) {
    EXPECT_EQ(std::memcmp(&a.gamma_grad()(k), &b.gamma_grad()(k), sizeof(T)), 0) << what << k;
    EXPECT_EQ(std::memcmp(&a.beta_grad()(k), &b.beta_grad()(k), sizeof(T)), 0) << what << k;
  }
}

template <typename T>
void ExpectFusedEqualsLayerByLayer(const arch::Graph& graph, const std::string& json, int batch,
                                   int fused_pools) {
  std::vector<float> images(static_cast<std::size_t>(batch) * graph.input.size());
  std::mt19937_64 g(7);
  std::normal_distribution<float> normal;
  for (auto& x : images) x = normal(g);
  std::vector<std::int32_t> labels;
  for (int i = 0; i < batch; ++i) labels.push_back((i * 5 + 1) % graph.classes);
  Network<T> fused(graph, 4), plain(graph, 4);
  plain.set_pool_fusion(false);
  EXPECT_EQ(fused.fused_pools(), fused_pools) << json;
  SgdOptions options;
  options.momentum = 0.9;
  options.nesterov = true;
  options.weight_decay = 5e-4;
  Sgd<T> sgd_fused(fused.Parameters(), options), sgd_plain(plain.Parameters(), options);
  Tensor<T> da, db;
  for (int step = 0; step < 3; ++step) {
    const std::string what = json + ", training step " + std::to_string(step);
    const Tensor<T>& a = fused.Forward(images.data(), batch, true);
    const Tensor<T>& b = plain.Forward(images.data(), batch, true);
    ExpectSameBits(a, b, what + ": logits");
    SoftmaxCrossEntropy(a, labels.data(), 0.1, &da);
    SoftmaxCrossEntropy(b, labels.data(), 0.1, &db);
    // The backward pass follows the forward pass's fusion, whatever the switch says since.
    if (step == 1) fused.set_pool_fusion(false);
    fused.Backward(da);
    fused.set_pool_fusion(true);
    plain.Backward(db);
    ExpectSameParameters(fused, plain, what);
    sgd_fused.Step(T(0.05));
    sgd_plain.Step(T(0.05));
    ExpectSameParameters(fused, plain, what + " after the update");
  }
  // The BN's own output is not kept by a fused pass, and asking for it says so.
  for (std::size_t op = 0; op < graph.ops.size(); ++op) {
    if (graph.ops[op].kind != arch::OpKind::kBatchNorm) continue;
    EXPECT_NO_THROW(plain.activation(static_cast<int>(op))) << op;
  }
  int refused = 0;  // BNs; their fused ReLUs share the BN's activation and are refused too
  for (std::size_t op = 0; op < graph.ops.size(); ++op) {
    try {
      fused.activation(static_cast<int>(op));
    } catch (const std::logic_error&) {
      const arch::OpKind kind = graph.ops[op].kind;
      EXPECT_TRUE(kind == arch::OpKind::kBatchNorm || kind == arch::OpKind::kRelu) << op;
      refused += kind == arch::OpKind::kBatchNorm;
    }
  }
  EXPECT_EQ(refused, fused_pools) << json;
  // Inference without the convolution folds (the pool fusion then covers every fusable BN),
  // then the backward pass from it (constant statistics).
  fused.set_inference_folding(false);
  plain.set_inference_folding(false);
  const Tensor<T>& a = fused.Forward(images.data(), batch, false);
  const Tensor<T>& b = plain.Forward(images.data(), batch, false);
  ExpectSameBits(a, b, json + ", inference: logits");
  SoftmaxCrossEntropy(a, labels.data(), 0.0, &da);
  SoftmaxCrossEntropy(b, labels.data(), 0.0, &db);
  fused.Backward(da);
  plain.Backward(db);
  ExpectSameParameters(fused, plain, json + ", backward after inference");
  // With the convolution folds on, inference still agrees.
  fused.set_inference_folding(true);
  plain.set_inference_folding(true);
  ExpectSameBits(fused.Forward(images.data(), batch, false),
                 plain.Forward(images.data(), batch, false), json + ", folded inference");
}

TEST(PoolFusion, BitIdenticalToLayerByLayer) {
  const std::string nets[] = {
      // 20 -> 10 -> 5: the last VGG pool sits on an odd map and is not fused; the first VGG's
      // pool output is read by the RES block's conv and its 1x1 shortcut.
      R"({"input": [20, 20, 3], "classes": 7,
          "blocks": [["VGG", 8], ["RES", 16], ["VGG", 8], ["MVGG", 12], ["VGG", 8]]})",
      R"({"input": [16, 16, 1], "classes": 4, "blocks": [["MVGG", 5], ["VGG", 9], ["RES", 6]]})",
      // Direct 3x3 convolutions (<= 4 input channels), and a 5x5 one by im2col, which no
      // inference fold covers.
      R"({"input": [12, 12, 4], "classes": 5,
          "layers": [["conv", 3, 4, 1], ["pool", 2], ["conv", 5, 6, 1], ["pool", 2],
                     ["fc", 5]]})",
      // b11's shape at a small width: pools on 28x28 and 14x14 maps.
      R"({"input": [28, 28, 1], "classes": 10, "blocks": [["VGG", 6], ["VGG", 10]]})",
  };
  const int fused[] = {2, 1, 2, 2};
  for (int k = 0; k < 4; ++k) {
    const arch::Graph graph = arch::Lower(arch::ParseArchitecture(nets[k]));
    ExpectFusedEqualsLayerByLayer<float>(graph, nets[k], 6, fused[k]);
    ExpectFusedEqualsLayerByLayer<double>(graph, nets[k], 3, fused[k]);
  }
}

// A graph the architecture language cannot write: a BN without ReLU read by a 2x2 pool (its
// sign does not mask the gradient), and an odd batch on 6x6 maps (36 values per image: the
// channel's last value is not at the end of a lane block).
TEST(PoolFusion, BatchNormWithoutReluAndOddBatch) {
  arch::Graph g;
  g.input = {6, 6, 2};
  g.classes = 3;
  auto add = [&g](arch::OpKind kind, std::vector<int> inputs, arch::Shape in, arch::Shape out,
                  int kernel, int stride, int padding, bool bias) {
    return testing::AddOp(g, kind, std::move(inputs), in, out, kernel, stride, padding, bias);
  };
  const arch::Shape s6{6, 6, 2}, c6{6, 6, 5}, c3{3, 3, 5};
  int x = add(arch::OpKind::kConv, {arch::kNetworkInput}, s6, c6, 3, 1, 1, true);
  x = add(arch::OpKind::kBatchNorm, {x}, c6, c6, 0, 1, 0, false);
  x = add(arch::OpKind::kMaxPool, {x}, c6, c3, 2, 2, 0, false);
  x = add(arch::OpKind::kConv, {x}, c3, c3, 3, 1, 1, false);
  x = add(arch::OpKind::kBatchNorm, {x}, c3, c3, 0, 1, 0, false);
  x = add(arch::OpKind::kRelu, {x}, c3, c3, 0, 1, 0, false);
  add(arch::OpKind::kFullyConnected, {x}, c3, {1, 1, 3}, 0, 1, 0, true);
  ExpectFusedEqualsLayerByLayer<float>(g, "hand-built", 5, 1);
  ExpectFusedEqualsLayerByLayer<double>(g, "hand-built", 3, 1);
}

// A BN's fused ReLU masks the gradient by the sign of x * scale + shift recomputed from the
// input (BatchNorm::Backward does not read its output): the same bits as a BN and a separate
// ReLU layer (on finite values; a NaN output passes the gradient through the separate ReLU, as
// PyTorch's does, and not through the fused one), training and inference.
template <typename T>
void ExpectFusedReluEqualsSeparate(bool training) {
  const std::size_t c = 5, n = 3, h = 7, w = 6;
  std::mt19937_64 g(21);
  std::normal_distribution<double> normal;
  Tensor<T> x = xt::zeros<T>({c, n, h, w}), dy = x;
  for (auto& v : x) v = static_cast<T>(normal(g));
  for (auto& v : dy) v = static_cast<T>(normal(g));
  BatchNorm<T> fused(static_cast<int>(c)), bn(static_cast<int>(c));
  fused.set_fused_relu(true);
  for (BatchNorm<T>* b : {&fused, &bn}) {
    for (std::size_t k = 0; k < c; ++k) {
      b->gamma()(k) = static_cast<T>(0.5 + 0.25 * k);
      b->beta()(k) = static_cast<T>(0.01 * (static_cast<double>(k) - 2));
      b->running_mean()(k) = static_cast<T>(0.1 * k);
      b->running_var()(k) = static_cast<T>(0.5 + 0.3 * k);
    }
  }
  Relu<T> relu;
  Tensor<T> yf, yb, yr, dxf, dxb, dr;
  fused.Forward({&x}, yf, training);
  bn.Forward({&x}, yb, training);
  relu.Forward({&yb}, yr, training);
  ASSERT_EQ(yf.shape(), yr.shape());
  int zeros = 0;
  for (std::size_t i = 0; i < yf.size(); ++i) {
    ASSERT_EQ(yf.data()[i], yr.data()[i]) << i;  // equal values (a -0 may differ in sign)
    zeros += yf.data()[i] == T(0);
  }
  EXPECT_GT(zeros, 20);
  fused.Backward({&x}, yf, dy, {&dxf});
  relu.Backward({&yb}, yr, dy, {&dr});
  bn.Backward({&x}, yb, dr, {&dxb});
  ExpectSameBits(dxf, dxb, "input gradient");
  ExpectSameBatchNormGradients(fused, bn, "channel ");
}

// Inference mode, where scale and shift are known beforehand: inputs at and a few ulps around
// -shift / scale in every channel, in the vectorised body and in the last m mod 8 values (m =
// 3 x 7 x 6 = 126), so that x * scale + shift straddles zero by rounding alone; the mask must
// agree with the separate ReLU on every one of them.
template <typename T>
void ExpectFusedReluEqualsSeparateAtTheBoundary() {
  const std::size_t c = 4, n = 3, h = 7, w = 6, m = n * h * w;
  BatchNorm<T> fused(static_cast<int>(c)), bn(static_cast<int>(c));
  fused.set_fused_relu(true);
  for (BatchNorm<T>* b : {&fused, &bn}) {
    for (std::size_t k = 0; k < c; ++k) {
      b->gamma()(k) = static_cast<T>(0.7 + 0.3 * k);
      b->beta()(k) = static_cast<T>(0.013 * (static_cast<double>(k) + 1));
      b->running_mean()(k) = static_cast<T>(0.37 * k - 0.2);
      b->running_var()(k) = static_cast<T>(0.3 + 0.45 * k);
    }
  }
  std::vector<T> scale, shift;
  fused.InferenceAffine(&scale, &shift);
  Tensor<T> x = xt::zeros<T>({c, n, h, w}), dy = x;
  std::mt19937_64 g(3);
  std::normal_distribution<double> normal;
  for (std::size_t k = 0; k < c; ++k) {
    const T root = -shift[k] / scale[k];
    T below = root, above = root;
    for (std::size_t i = 0; i < m; ++i) {  // alternately up and down from the root
      T& v = x.data()[k * m + i];
      if (i % 2 == 0) {
        v = above;
        above = std::nextafter(above, std::numeric_limits<T>::infinity());
      } else {
        below = std::nextafter(below, -std::numeric_limits<T>::infinity());
        v = below;
      }
      if (i > 40 && i < 100) v = static_cast<T>(normal(g));  // and ordinary values between
    }
  }
  for (auto& v : dy) v = static_cast<T>(normal(g) + 2);  // no zero gradients
  Relu<T> relu;
  Tensor<T> yf, yb, yr, dxf, dxb, dr;
  fused.Forward({&x}, yf, false);
  bn.Forward({&x}, yb, false);
  relu.Forward({&yb}, yr, false);
  int positive = 0, other = 0;
  for (std::size_t i = 0; i < yb.size(); ++i) {
    if (std::abs(yb.data()[i]) > 1e-3) continue;  // count only the boundary values
    (yb.data()[i] > T(0) ? positive : other) += 1;
  }
  EXPECT_GT(positive, 40);
  EXPECT_GT(other, 40);
  fused.Backward({&x}, yf, dy, {&dxf});
  relu.Backward({&yb}, yr, dy, {&dr});
  bn.Backward({&x}, yb, dr, {&dxb});
  ExpectSameBits(dxf, dxb, "input gradient at the boundary");
  ExpectSameBatchNormGradients(fused, bn, "at the boundary, channel ");
}

TEST(ReluFusion, MaskAtTheRoundingBoundary) {
  ExpectFusedReluEqualsSeparateAtTheBoundary<float>();
  ExpectFusedReluEqualsSeparateAtTheBoundary<double>();
}

// The layer pair on its own: windows with ties (equal values: the first wins) and, in
// inference mode, a NaN (it wins and propagates); input gradients compared bit for bit.
template <typename T>
void ExpectPooledEqualsSeparate(bool training, bool relu) {
  const std::size_t c = 3, n = 3, h = 6, w = 4;
  std::mt19937_64 g(5);
  std::uniform_int_distribution<int> small(-3, 3);
  std::normal_distribution<double> normal;
  Tensor<T> x = xt::zeros<T>({c, n, h, w});
  for (auto& v : x) v = static_cast<T>(small(g)) / T(2);  // many ties
  if (!training) x.data()[c * n * h * w / 2 + 5] = std::numeric_limits<T>::quiet_NaN();
  BatchNorm<T> fused(static_cast<int>(c)), bn(static_cast<int>(c));
  fused.set_fused_relu(relu);
  bn.set_fused_relu(relu);
  MaxPool<T> pool(2);
  Tensor<T> pf, yb, pb, gp, dxf, dyb, dxb;
  fused.ForwardMaxPool2(x, pf, training);
  bn.Forward({&x}, yb, training);
  pool.Forward({&yb}, pb, training);
  ExpectSameBits(pf, pb, "pooled output");
  gp = pf;
  for (auto& v : gp) v = static_cast<T>(normal(g));
  fused.BackwardMaxPool2(x, pf, gp, &dxf);
  pool.Backward({&yb}, pb, gp, {&dyb});
  bn.Backward({&x}, yb, dyb, {&dxb});
  ExpectSameBits(dxf, dxb, "input gradient");
  ExpectSameBatchNormGradients(fused, bn, "channel ");
  // A backward pass needs the pooled forward pass just before it.
  Tensor<T> y;
  fused.Forward({&x}, y, training);
  EXPECT_THROW(fused.BackwardMaxPool2(x, pf, gp, &dxf), std::exception);
}

TEST(PoolFusion, LayerWithTiesAndNaN) {
  for (bool training : {true, false}) {
    for (bool relu : {true, false}) {
      ExpectPooledEqualsSeparate<float>(training, relu);
      ExpectPooledEqualsSeparate<double>(training, relu);
    }
  }
}

TEST(ReluFusion, MaskFromInputEqualsSeparateLayers) {
  ExpectFusedReluEqualsSeparate<float>(true);
  ExpectFusedReluEqualsSeparate<float>(false);
  ExpectFusedReluEqualsSeparate<double>(true);
  ExpectFusedReluEqualsSeparate<double>(false);
}

}  // namespace
}  // namespace imcnas::nn
