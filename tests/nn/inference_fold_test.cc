// Inference folds each Winograd convolution with its BN, ReLU and 2x2 pool (Network::Forward,
// Conv2d::ForwardInference): the logits must be bit-identical to running the layers one by one,
// on VGG, MVGG and RES blocks, even and odd maps, with non-trivial BN statistics; and Backward()
// must refuse to follow a folded pass.
#include <cmath>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "arch/architecture.h"
#include "arch/graph.h"
#include "nn/layers.h"
#include "nn/network.h"

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
void ExpectFoldedEqualsLayerByLayer(const std::string& json, int batch) {
  const arch::Graph graph = arch::Lower(arch::ParseArchitecture(json));
  std::vector<float> images(static_cast<std::size_t>(batch) * graph.input.size());
  std::mt19937_64 g(11);
  std::normal_distribution<float> normal;
  for (auto& x : images) x = normal(g);
  Network<T> folded(graph, 3), plain(graph, 3);
  RandomiseBatchNorm(folded, 5);
  RandomiseBatchNorm(plain, 5);
  plain.set_inference_folding(false);
  const Tensor<T>& a = folded.Forward(images.data(), batch, false);
  const Tensor<T>& b = plain.Forward(images.data(), batch, false);
  ASSERT_EQ(a.shape(), b.shape());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_TRUE(std::isfinite(a.data()[i])) << json << ": logit " << i;
    ASSERT_EQ(std::memcmp(&a.data()[i], &b.data()[i], sizeof(T)), 0)
        << json << ": logit " << i << " folded " << a.data()[i] << " vs " << b.data()[i];
  }
  // A folded pass keeps no activations for the backward pass.
  Tensor<T> dlogits = a;
  EXPECT_THROW(folded.Backward(dlogits), std::logic_error);
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
  };
  for (const auto& net : nets) {
    ExpectFoldedEqualsLayerByLayer<float>(net, 9);
    ExpectFoldedEqualsLayerByLayer<double>(net, 5);
  }
}

}  // namespace
}  // namespace imcnas::nn
