// Inference folds each Winograd or direct convolution with its BN, ReLU and 2x2 pool
// (Network::Forward, Conv2d::ForwardInference): the logits must be bit-identical to running the
// layers one by one, on VGG, MVGG and RES blocks, even and odd maps, with non-trivial BN
// statistics; and Backward() must refuse to follow a folded pass.
#include <cmath>
#include <cstring>
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
#include "tests/nn/hand_built_graph.h"

namespace imcnas::nn {
namespace {

template <typename T>
void RandomiseBatchNorm(Network<T>& net, std::uint64_t seed) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> u(0.2, 1.8), v(-0.5, 0.5);
  for (auto& p : net.Parameters()) {
    if (p.name.find("gamma") != std::string::npos) {
      for (auto& x : *p.value) x = static_cast<T>(u(g));
    } else if (p.name.find("beta") != std::string::npos) {
      for (auto& x : *p.value) x = static_cast<T>(v(g));
    }
  }
  std::size_t k = 0;
  for (Vector<T>* buffer : net.Buffers()) {  // means and variances, alternating
    for (auto& x : *buffer) x = static_cast<T>(k % 2 == 0 ? v(g) : u(g));
    ++k;
  }
}

template <typename T>
void ExpectFoldedEqualsLayerByLayer(const arch::Graph& graph, const std::string& json, int batch,
                                    int bns, int pools) {
  std::vector<float> images(static_cast<std::size_t>(batch) * graph.input.size());
  std::mt19937_64 g(11);
  std::normal_distribution<float> normal;
  for (auto& x : images) x = normal(g);
  Network<T> folded(graph, 3), plain(graph, 3);
  // Biases are initialised to zero: make them matter.
  for (Network<T>* net : {&folded, &plain}) {
    for (auto& p : net->Parameters()) {
      if (p.name.size() > 5 && p.name.compare(p.name.size() - 5, 5, ".bias") == 0) {
        T value = T(0.1);
        for (auto& v : *p.value) v = value += T(0.05);
      }
    }
  }
  RandomiseBatchNorm(folded, 5);
  RandomiseBatchNorm(plain, 5);
  plain.set_inference_folding(false);
  plain.set_pool_fusion(false);  // every layer on its own
  EXPECT_EQ(folded.folded_batch_norms(), bns) << json;
  EXPECT_EQ(folded.folded_pools(), pools) << json;
  const Tensor<T>& a = folded.Forward(images.data(), batch, false);
  const Tensor<T>& b = plain.Forward(images.data(), batch, false);
  ASSERT_EQ(a.shape(), b.shape());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_TRUE(std::isfinite(a.data()[i])) << json << ": logit " << i;
    ASSERT_EQ(std::memcmp(&a.data()[i], &b.data()[i], sizeof(T)), 0)
        << json << ": logit " << i << " folded " << a.data()[i] << " vs " << b.data()[i];
  }
  // A folded pass keeps no activations for the backward pass, and says so when asked for one.
  Tensor<T> dlogits = a;
  EXPECT_THROW(folded.Backward(dlogits), std::logic_error);
  for (std::size_t op = 0; op < graph.ops.size(); ++op) {
    if (graph.ops[op].kind == arch::OpKind::kConv && graph.ops[op].kernel == 3) {
      EXPECT_THROW(folded.activation(static_cast<int>(op)), std::logic_error) << op;
    }
  }
  EXPECT_NO_THROW(folded.activation(static_cast<int>(graph.ops.size()) - 1));
  // Training passes are never folded.
  const Tensor<T>& ta = folded.Forward(images.data(), batch, true);
  Tensor<T> dl = ta;
  EXPECT_NO_THROW(folded.Backward(dl));
}

TEST(InferenceFold, BitIdenticalToLayerByLayer) {
  // VGG (pool folded), MVGG (no pool), RES (BN without ReLU before the add; 1x1 shortcut by
  // im2col, not folded); 20 -> 10 -> 5: the last VGG pool is on an odd map and stays separate.
  const std::string nets[] = {
      R"({"input": [20, 20, 3], "classes": 7,
          "blocks": [["VGG", 8], ["RES", 16], ["VGG", 8], ["MVGG", 12], ["VGG", 8]]})",
      R"({"input": [16, 16, 1], "classes": 4, "blocks": [["MVGG", 5], ["VGG", 9], ["RES", 6]]})",
      // Direct convolutions (<= 4 input channels) folding BN, ReLU and the pool.
      R"({"input": [12, 12, 4], "classes": 5,
          "layers": [["conv", 3, 4, 1], ["pool", 2], ["conv", 3, 6, 1], ["pool", 2], ["fc", 5]]})",
  };
  // Folds: every 3x3 conv's BN; the pools of VGG blocks on even maps (20x20 and 10x10 in the
  // first, 16x16 in the second; the first's last VGG sits on a 5x5 map).
  const int bns[] = {10, 6, 2}, pools[] = {2, 1, 2};
  for (int k = 0; k < 3; ++k) {
    const arch::Graph graph = arch::Lower(arch::ParseArchitecture(nets[k]));
    ExpectFoldedEqualsLayerByLayer<float>(graph, nets[k], 9, bns[k], pools[k]);
    ExpectFoldedEqualsLayerByLayer<double>(graph, nets[k], 5, bns[k], pools[k]);
  }
}

// A graph the architecture language cannot write: a conv with bias, a BN without ReLU, then a
// 2x2 pool (the BN-without-ReLU pool epilogue); then conv-BN-ReLU read by a fully connected
// layer (BN folded, no pool).
TEST(InferenceFold, BiasAndBatchNormWithoutRelu) {
  arch::Graph g;
  g.input = {8, 8, 2};
  g.classes = 3;
  auto add = [&g](arch::OpKind kind, std::vector<int> inputs, arch::Shape in, arch::Shape out,
                  int kernel, int stride, int padding, bool bias) {
    return testing::AddOp(g, kind, std::move(inputs), in, out, kernel, stride, padding, bias);
  };
  const arch::Shape s8{8, 8, 2}, c8{8, 8, 4}, c4{4, 4, 4};
  int x = add(arch::OpKind::kConv, {arch::kNetworkInput}, s8, c8, 3, 1, 1, true);
  x = add(arch::OpKind::kBatchNorm, {x}, c8, c8, 0, 1, 0, false);
  x = add(arch::OpKind::kMaxPool, {x}, c8, c4, 2, 2, 0, false);
  x = add(arch::OpKind::kConv, {x}, c4, c4, 3, 1, 1, false);
  x = add(arch::OpKind::kBatchNorm, {x}, c4, c4, 0, 1, 0, false);
  x = add(arch::OpKind::kRelu, {x}, c4, c4, 0, 1, 0, false);
  add(arch::OpKind::kFullyConnected, {x}, c4, {1, 1, 3}, 0, 1, 0, true);
  ExpectFoldedEqualsLayerByLayer<float>(g, "hand-built", 6, 2, 1);
  ExpectFoldedEqualsLayerByLayer<double>(g, "hand-built", 4, 2, 1);
}

}  // namespace
}  // namespace imcnas::nn
