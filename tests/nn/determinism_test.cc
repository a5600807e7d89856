// Bit-identical forward and backward passes whatever the OpenMP thread count: every reduction
// over the batch combines partial sums in a fixed order (nn/internal/partition.h).
#include <omp.h>

#include <cstring>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "arch/architecture.h"
#include "arch/graph.h"
#include "nn/layers.h"
#include "nn/network.h"

namespace imcnas::nn {
namespace {

struct Pass {
  std::vector<float> logits;
  std::vector<std::vector<float>> grads;
};

Pass RunWithThreads(int threads, const arch::Graph& graph, const std::vector<float>& images, int batch) {
  omp_set_num_threads(threads);
  Network<float> net(graph, 5);
  std::vector<std::int32_t> labels(batch);
  for (int i = 0; i < batch; ++i) labels[i] = (i * 7) % graph.classes;
  Tensor<float> dlogits;
  Pass p;
  const Tensor<float>& logits = net.Forward(images.data(), batch, true);
  p.logits.assign(logits.begin(), logits.end());
  SoftmaxCrossEntropy(logits, labels.data(), 0.1, &dlogits);
  net.Backward(dlogits);
  for (auto& param : net.Parameters()) p.grads.emplace_back(param.grad->begin(), param.grad->end());
  return p;
}

bool BitEqual(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(Determinism, SameBitsWithOneTwoAndThreeThreads) {
  // 37 images: uneven groups of 4-5. 24x24 maps: Winograd chunks of one image (144 tiles), so
  // several chunks per group; 12x12 after the pool: several images per Winograd chunk (36 tiles
  // each) and per im2col chunk of the RES block's 1x1 shortcut.
  const arch::Graph graph = arch::Lower(arch::ParseArchitecture(
      R"({"input": [24, 24, 3], "classes": 5,
          "blocks": [["VGG", 8], ["RES", 16], ["MVGG", 8]]})"));
  const int batch = 37;
  std::vector<float> images(static_cast<std::size_t>(batch) * 24 * 24 * 3);
  std::mt19937_64 g(3);
  std::normal_distribution<float> normal;
  for (auto& v : images) v = normal(g);
  const int saved = omp_get_max_threads();
  const Pass one = RunWithThreads(1, graph, images, batch);
  const Pass two = RunWithThreads(2, graph, images, batch);
  const Pass three = RunWithThreads(3, graph, images, batch);
  omp_set_num_threads(saved);
  for (const Pass* other : {&two, &three}) {
    EXPECT_TRUE(BitEqual(one.logits, other->logits));
    ASSERT_EQ(one.grads.size(), other->grads.size());
    for (std::size_t k = 0; k < one.grads.size(); ++k) {
      EXPECT_TRUE(BitEqual(one.grads[k], other->grads[k])) << "parameter " << k;
    }
  }
}

}  // namespace
}  // namespace imcnas::nn
