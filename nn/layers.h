// The trainer's layers, each with its forward pass and the gradient of that pass side by side.
// Templated on the scalar type: float for training, double for finite-difference gradient
// checks. Explicitly instantiated for float and double in layers.cc.
//
// Every tensor is C x N x H x W (see tensor.h). Backward() overwrites the gradients it writes
// (input gradients and parameter gradients); a null input-gradient pointer means "not needed"
// (the network input), which lets the first convolution skip that work.
#ifndef IMCNAS_NN_LAYERS_H_
#define IMCNAS_NN_LAYERS_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "nn/tensor.h"

namespace imcnas::nn {

// Scratch memory shared by the layers of one network (only one layer runs at a time): per-thread
// buffers for im2col, and per-group partial sums of parameter gradients.
template <typename T>
class Workspace {
 public:
  // Sizes the per-thread tables for `threads` OpenMP threads; call before a parallel region.
  void Reserve(int threads);
  // Two independent buffers of at least `size` elements for OpenMP thread `thread`.
  T* Thread(int thread, std::size_t size);
  T* Thread2(int thread, std::size_t size);
  // internal::kGroups x `size` partial sums, not zeroed: each group zeroes its own slot, in the
  // thread that fills it (a serial fill of up to 8 MB per layer showed at 1-2% of a step).
  T* Partials(std::size_t size);

 private:
  std::vector<std::vector<T>> thread_, thread2_;
  std::vector<T> partials_;
};

template <typename T>
class BatchNorm;
namespace internal::winograd {
template <typename T>
struct OutputEpilogue;
}  // namespace internal::winograd

template <typename T>
class Layer {
 public:
  virtual ~Layer() = default;
  virtual void Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output,
                       bool training) = 0;
  virtual void Backward(const std::vector<const Tensor<T>*>& inputs, const Tensor<T>& output,
                        const Tensor<T>& output_grad,
                        const std::vector<Tensor<T>*>& input_grads) = 0;
  virtual std::vector<Parameter<T>> Parameters() { return {}; }
};

// A layer that learns a weight vector and, optionally, a bias vector (Conv2d, FullyConnected):
// the vectors, their gradients and the optimiser's view of them, kept in one place. Biases are
// exempt from weight decay by default.
template <typename T>
class WeightedLayer : public Layer<T> {
 public:
  std::vector<Parameter<T>> Parameters() override;

  bool has_bias() const { return has_bias_; }
  Vector<T>& weight() { return weight_; }
  Vector<T>& bias() { return bias_; }
  Vector<T>& weight_grad() { return weight_grad_; }
  Vector<T>& bias_grad() { return bias_grad_; }

 protected:
  // Zero weights and, if `has_bias`, zero biases, with zero gradients.
  WeightedLayer(std::size_t weights, std::size_t biases, bool has_bias);

  bool has_bias_;
  Vector<T> weight_, bias_, weight_grad_, bias_grad_;
};

// How a convolution is computed. kAuto: for 3x3 kernels with stride 1 and padding 1, directly
// (internal/direct_conv.h) with at most internal::direct::kMaxInputs input channels, else by
// Winograd: F(2x2, 3x3) (internal/winograd.h) for training and for both passes' products, and
// F(4x4, 3x3) (internal/winograd_f4.h) for inference where it needs fewer products (see
// Conv2d::winograd4); im2col and matrix products for every other shape. kIm2col, kWinograd (as
// kAuto but never direct), kWinograd2 (F(2x2) only) and kDirect force one (tests compare them); a
// shape the forced one cannot take falls back to im2col.
enum class ConvAlgorithm { kAuto, kIm2col, kWinograd, kWinograd2, kDirect };

// k x k convolution, stride s, zero padding p, optional bias. Weight element order is PyTorch's
// [out][in][ky][kx]; bias [out]. Computed as ConvAlgorithm says: for 3x3 / stride 1 / padding 1,
// directly (at most 4 input channels) or by Winograd (F(2x2, 3x3) for training, F(4x4, 3x3) for
// inference where it needs fewer products); otherwise im2col and matrix products per chunk of
// images (1x1 stride-1 convs need no im2col).
template <typename T>
class Conv2d : public WeightedLayer<T> {
 public:
  Conv2d(int in_channels, int out_channels, int kernel, int stride, int padding, bool bias,
         std::shared_ptr<Workspace<T>> workspace = nullptr,
         ConvAlgorithm algorithm = ConvAlgorithm::kAuto);
  void Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output,
               bool training) override;
  void Backward(const std::vector<const Tensor<T>*>& inputs, const Tensor<T>& output,
                const Tensor<T>& output_grad, const std::vector<Tensor<T>*>& input_grads) override;

  // Inference of this convolution followed by `bn` (and its fused ReLU, if set) and, if `pool`,
  // a 2x2 max-pool, in one pass over the output: the same values as running the layers one by
  // one in inference mode. Only for foldable() convolutions; `pool` needs an even map. Nothing
  // is kept for Backward().
  void ForwardInference(const Tensor<T>& x, const BatchNorm<T>& bn, bool pool, Tensor<T>& output);

  int in_channels() const { return in_; }
  int out_channels() const { return out_; }
  int kernel() const { return k_; }
  bool winograd() const { return winograd_; }
  // Whether a forward pass over h x w maps uses F(4x4, 3x3) (else F(2x2, 3x3)). Backward()
  // is F(2x2)'s adjoint: after an inference pass (F(4x4)) it is the exact convolution's gradient
  // to rounding, not the adjoint of what ran (the network refuses it after folded passes anyway).
  bool winograd4(int h, int w, bool training) const;
  bool direct() const { return direct_; }
  bool foldable() const { return winograd_ || direct_; }

 private:
  using WeightedLayer<T>::has_bias_;
  using WeightedLayer<T>::weight_;
  using WeightedLayer<T>::bias_;
  using WeightedLayer<T>::weight_grad_;
  using WeightedLayer<T>::bias_grad_;

  bool pointwise() const { return k_ == 1 && stride_ == 1 && pad_ == 0; }
  int LastColumn(int w, int kx, int lo, int ow) const;
  void Im2Col(const Tensor<T>& x, int n0, int images, int oh, int ow, T* col) const;
  void Col2Im(const T* col, int n0, int images, int oh, int ow, Tensor<T>& dx) const;
  // Into transformed_ and, packed for internal::gemm (transposed for the input gradient), into
  // packed_; sizes the workspace for this pass. With `reuse` (inference), skipped when packed_
  // already holds this scheme's packing of bit-identical weights.
  template <typename Scheme>
  void TransformWeights(bool transposed, bool reuse);
  template <typename Scheme>
  void WinogradForward(const Tensor<T>& x, Tensor<T>& output,
                       const internal::winograd::OutputEpilogue<T>& epilogue, bool training);
  void WinogradBackward(const Tensor<T>& x, const Tensor<T>& output_grad, Tensor<T>* dx);
  // Forward of a foldable() convolution with `epilogue` (see ForwardInference).
  void FoldableForward(const Tensor<T>& x, Tensor<T>& output,
                       const internal::winograd::OutputEpilogue<T>& epilogue, bool training);
  void DirectForward(const Tensor<T>& x, Tensor<T>& output,
                     const internal::winograd::OutputEpilogue<T>& epilogue);
  void DirectBackward(const Tensor<T>& x, const Tensor<T>& output_grad, Tensor<T>* dx);

  int in_, out_, k_, stride_, pad_;
  bool direct_;
  bool winograd_;
  ConvAlgorithm algorithm_;
  std::shared_ptr<Workspace<T>> ws_;
  std::vector<T> transformed_;  // Winograd: the weights as 16 (or 36) x out x in matrices
  std::vector<T> packed_;  // Winograd: the same, packed for internal::gemm
  // The weights packed_ was last made from by an inference pass, and which packing it holds
  // (-1: none reusable).
  std::vector<T> packed_from_;
  int packed_kind_ = -1;
  std::vector<T> transformed_grad_;  // Winograd: their gradient summed over the groups
};

// Batch normalisation over N, H, W per channel, as PyTorch's BatchNorm2d (and BatchNorm1d on
// N x C): biased variance for normalising, unbiased for the running variance, momentum 0.1,
// eps 1e-5. Parameters gamma [C] (init 1) and beta [C] (init 0).
template <typename T>
class BatchNorm : public Layer<T> {
 public:
  explicit BatchNorm(int channels, double momentum = 0.1, double eps = 1e-5);
  void Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output,
               bool training) override;
  void Backward(const std::vector<const Tensor<T>*>& inputs, const Tensor<T>& output,
                const Tensor<T>& output_grad, const std::vector<Tensor<T>*>& input_grads) override;
  std::vector<Parameter<T>> Parameters() override;

  Vector<T>& gamma() { return gamma_; }
  Vector<T>& beta() { return beta_; }
  Vector<T>& gamma_grad() { return gamma_grad_; }
  Vector<T>& beta_grad() { return beta_grad_; }
  Vector<T>& running_mean() { return running_mean_; }
  Vector<T>& running_var() { return running_var_; }

  // Fuses a following ReLU: the output is max(0, BN(x)) and Backward() takes the gradient with
  // respect to that output (one pass and one stored tensor fewer; the network sets this).
  // Backward() then masks by the sign of x * scale + shift recomputed from the statistics of the
  // last Forward() and the current gamma and beta (it does not read the output), so the
  // parameters must not change between the two, as they do not in a training step.
  void set_fused_relu(bool fused) { fused_relu_ = fused; }
  bool fused_relu() const { return fused_relu_; }

  // The inference pass as y = x * scale[c] + shift[c] (then the fused ReLU): the factors
  // Forward(..., false) uses, for a convolution that folds this layer in.
  void InferenceAffine(std::vector<T>* scale, std::vector<T>* shift) const;

  // This layer (with its fused ReLU, if any) and a following 2x2 max-pool of stride 2 in one pass
  // over maps of even height and width (the network uses them where the pool is the only
  // reader): `pooled` gets MaxPool's output, and BackwardMaxPool2 takes the gradient with
  // respect to it (after ForwardMaxPool2, on the same x). The full-size output and its gradient
  // live only in a per-thread buffer of one channel, not in memory, which saves writing and
  // reading them twice over. The same bits as Forward then MaxPool<T>::Forward, and as
  // MaxPool<T>::Backward then Backward: the same operations on each value in the same order
  // (the ReLU's mask at a window's winner is the pooled value's sign, i.e. that of
  // x * scale + shift, which Backward recomputes).
  void ForwardMaxPool2(const Tensor<T>& x, Tensor<T>& pooled, bool training);
  void BackwardMaxPool2(const Tensor<T>& x, const Tensor<T>& pooled, const Tensor<T>& pooled_grad,
                        Tensor<T>* dx);

 private:
  // Mean and 1/std of channel c (values xc[0 .. m-1]) of a training pass; updates the running
  // statistics.
  void TrainingStatistics(int c, const T* xc, std::size_t m, double* mean, double* inv_std);
  void InferenceStatistics(int c, double* mean, double* inv_std) const;
  // The forward pass of channel c (values xc[0 .. m-1]) into yc, keeping its statistics.
  void ForwardChannel(int c, const T* xc, std::size_t m, bool training, T* yc);
  // The backward pass of channel c (values xc[0 .. m-1]) from the gradient at this layer's
  // output dyc, counted where the fused ReLU passed (with relu_mask) or everywhere: the
  // parameter gradients and, unless dxc is null, the input gradient.
  void BackwardChannel(int c, const T* xc, std::size_t m, const T* dyc, bool relu_mask, T* dxc);
  void Affine(int c, double mean, double inv_std, T* scale, T* shift) const;

  bool fused_relu_ = false;
  int channels_;
  double momentum_, eps_;
  bool last_training_ = true;
  Vector<T> gamma_, beta_, gamma_grad_, beta_grad_, running_mean_, running_var_;
  std::vector<double> mean_, inv_std_;  // of the last forward pass
  // ForwardMaxPool2: each window's winner as its offset from its first value's row pair.
  std::vector<std::int32_t> pool_winner_;
  bool last_forward_pooled_ = false;  // whether pool_winner_ is the last Forward's
};

template <typename T>
class Relu : public Layer<T> {
 public:
  void Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output,
               bool training) override;
  void Backward(const std::vector<const Tensor<T>*>& inputs, const Tensor<T>& output,
                const Tensor<T>& output_grad, const std::vector<Tensor<T>*>& input_grads) override;
};

// p x p max-pool with stride p (no padding; rows/columns beyond a multiple of p are dropped, as
// PyTorch's floor mode). Ties go to the first maximum in row-major window order.
template <typename T>
class MaxPool : public Layer<T> {
 public:
  explicit MaxPool(int window);
  void Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output,
               bool training) override;
  void Backward(const std::vector<const Tensor<T>*>& inputs, const Tensor<T>& output,
                const Tensor<T>& output_grad, const std::vector<Tensor<T>*>& input_grads) override;

 private:
  int window_;
  std::vector<std::int32_t> argmax_;  // per output element: offset in its input H x W plane
};

// H x W x C -> 1 x 1 x C mean.
template <typename T>
class GlobalAvgPool : public Layer<T> {
 public:
  void Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output,
               bool training) override;
  void Backward(const std::vector<const Tensor<T>*>& inputs, const Tensor<T>& output,
                const Tensor<T>& output_grad, const std::vector<Tensor<T>*>& input_grads) override;
};

// Fully connected with bias. Flattens its input as PyTorch flattens NCHW (feature index
// c*H*W + h*W + w). Weight [out][in], bias [out]. Output is outputs x N x 1 x 1.
template <typename T>
class FullyConnected : public WeightedLayer<T> {
 public:
  FullyConnected(int inputs, int outputs, bool bias = true);
  void Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output,
               bool training) override;
  void Backward(const std::vector<const Tensor<T>*>& inputs, const Tensor<T>& output,
                const Tensor<T>& output_grad, const std::vector<Tensor<T>*>& input_grads) override;

 private:
  using WeightedLayer<T>::has_bias_;
  using WeightedLayer<T>::weight_;
  using WeightedLayer<T>::bias_;
  using WeightedLayer<T>::weight_grad_;
  using WeightedLayer<T>::bias_grad_;

  // Features x N view of x (gathered into flat_ when H*W > 1).
  const T* Flatten(const Tensor<T>& x);
  int in_, out_;
  std::vector<T> flat_, flat_grad_;
};

// Inverted dropout: in training each element is kept with probability 1-p and scaled by
// 1/(1-p); identity in inference. The mask is a counter-based hash of (seed, call, element), so
// it does not depend on the thread count.
template <typename T>
class Dropout : public Layer<T> {
 public:
  Dropout(double p, std::uint64_t seed);
  void Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output,
               bool training) override;
  void Backward(const std::vector<const Tensor<T>*>& inputs, const Tensor<T>& output,
                const Tensor<T>& output_grad, const std::vector<Tensor<T>*>& input_grads) override;

 private:
  double p_;
  std::uint64_t seed_;
  std::uint64_t calls_ = 0;
  bool last_training_ = false;
  std::vector<std::uint8_t> mask_;
};

// Element-wise sum of two inputs of equal shape (residual connection).
template <typename T>
class Add : public Layer<T> {
 public:
  void Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output,
               bool training) override;
  void Backward(const std::vector<const Tensor<T>*>& inputs, const Tensor<T>& output,
                const Tensor<T>& output_grad, const std::vector<Tensor<T>*>& input_grads) override;
};

// Softmax cross-entropy averaged over the batch, with PyTorch's label smoothing (target
// (1-s) * one_hot + s / classes). logits: classes x N x 1 x 1. Writes d(loss)/d(logits) when
// `logits_grad` is not null. `correct` counts arg-max hits (first maximum wins).
struct LossResult {
  double loss = 0;
  int correct = 0;
};
template <typename T>
LossResult SoftmaxCrossEntropy(const Tensor<T>& logits, const std::int32_t* labels,
                               double label_smoothing, Tensor<T>* logits_grad);

}  // namespace imcnas::nn

#endif  // IMCNAS_NN_LAYERS_H_
