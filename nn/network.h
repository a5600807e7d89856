// A network built from an architecture's lowered graph (arch/graph.h): one layer per op, the
// activations of the ops kept for the backward pass (but those a fused pass skips: a BN's
// ReLU, a BN run with its pool, and in inference the layers folded into a convolution),
// gradients summed where a tensor feeds two ops (the input of a RES block).
#ifndef IMCNAS_NN_NETWORK_H_
#define IMCNAS_NN_NETWORK_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "arch/graph.h"
#include "nn/layers.h"
#include "nn/tensor.h"

namespace imcnas::nn {

template <typename T>
class Network {
 public:
  // Builds the layers and He-initialises them from `seed` (conv and fc weights ~ N(0, 2/fan_in),
  // biases 0, BN gamma 1, beta 0).
  Network(const arch::Graph& graph, std::uint64_t seed);

  const arch::Graph& graph() const { return graph_; }

  // Re-draws all weights (as the constructor) and resets BN running statistics.
  void InitializeHe(std::uint64_t seed);

  // images: batch x C x H x W (NCHW, as datasets::BatchIterator writes them). Returns the
  // logits, classes x batch x 1 x 1.
  const Tensor<T>& Forward(const float* images_nchw, int batch, bool training);
  // The same from a C x N x H x W tensor.
  const Tensor<T>& Forward(const Tensor<T>& input, bool training);

  // Inference (training = false) folds each Winograd convolution with the BN (and ReLU) after it
  // and a 2x2 max-pool after those into one pass (Conv2d::ForwardInference): the same values,
  // but the activations of the folded layers are then not kept.

  // On by default; off, inference runs every layer on its own and keeps every activation.
  void set_inference_folding(bool on) { inference_folding_ = on; }
  // A BN (with its fused ReLU) read only by a 2x2 max-pool of stride 2, on a map of even size,
  // runs with that pool in one pass (BatchNorm::ForwardMaxPool2) in the passes the inference
  // folds do not cover, training included, and back-propagates through both in one pass: the
  // same bits, a third of the memory traffic. The BN's activation is then not kept; false runs
  // the layers one by one.
  void set_pool_fusion(bool on) { pool_fusion_ = on; }
  int fused_pools() const;

  // Back-propagates d(loss)/d(logits) of the last Forward, which must have been a training one;
  // fills every parameter gradient.
  void Backward(const Tensor<T>& logits_grad);

  // Every trainable tensor in graph order, named "<op name>.<weight|bias|gamma|beta>".
  std::vector<Parameter<T>> Parameters();
  // BN running means and variances in graph order (state that is not trained by gradients).
  std::vector<Vector<T>*> Buffers();

  Layer<T>& layer(int op) { return *layers_.at(op); }
  // Throws std::logic_error for an op whose output the last pass skipped (a folded inference
  // pass, or a BN run with its pool: set_pool_fusion).
  const Tensor<T>& activation(int op) const;
  // Ops that inference runs inside a convolution: BNs (with their ReLUs) and 2x2 max-pools.
  int folded_batch_norms() const;
  int folded_pools() const;
  const Tensor<T>& input() const { return input_; }

 private:
  // A ReLU whose input is a BN read by nothing else runs inside that BN (BatchNorm::
  // set_fused_relu); its op then shares the BN's activation and gradient tensors.
  int Resolve(int op) const { return alias_[op] >= 0 ? alias_[op] : op; }

  // Inference folds (see Forward): on a convolution, the BN and pool it absorbs; on those, the
  // convolution that runs them.
  struct Fold {
    int bn = -1, pool = -1, into = -1;
  };

  arch::Graph graph_;
  std::vector<int> alias_;
  std::vector<Fold> folds_;
  bool inference_folding_ = true;
  bool last_forward_folded_ = false;
  // set_pool_fusion: on a BN, the pool it runs with; on that pool, the BN; else -1.
  std::vector<int> pool_fused_with_;
  bool pool_fusion_ = true;
  bool last_forward_pool_fused_ = false;
  std::shared_ptr<Workspace<T>> workspace_;
  std::vector<std::unique_ptr<Layer<T>>> layers_;
  Tensor<T> input_;
  std::vector<Tensor<T>> activations_, grads_;
  Tensor<T> scratch_;
};

}  // namespace imcnas::nn

#endif  // IMCNAS_NN_NETWORK_H_
