#include "nn/network.h"

#include <Eigen/Core>

#include <cmath>
#include <random>
#include <stdexcept>
#include <string>

namespace imcnas::nn {
namespace {

// Standard normal draws from the 64-bit Mersenne Twister via Box-Muller: unlike
// std::normal_distribution the sequence is the same with every standard library.
class NormalSource {
 public:
  explicit NormalSource(std::uint64_t seed) : engine_(seed) {}
  double Next() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1;
    do {
      u1 = (engine_() >> 11) * 0x1.0p-53;
    } while (u1 <= 0);
    const double u2 = (engine_() >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2 * M_PI * u2);
    has_spare_ = true;
    return r * std::cos(2 * M_PI * u2);
  }

 private:
  std::mt19937_64 engine_;
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace

template <typename T>
Network<T>::Network(const arch::Graph& graph, std::uint64_t seed)
    : graph_(graph), workspace_(std::make_shared<Workspace<T>>()) {
  // Eigen must never thread a product itself: its blocking (and so the summation order) would
  // then depend on the thread count. Parallelism comes from our fixed partitions.
  Eigen::setNbThreads(1);
  if (graph_.ops.empty()) throw std::invalid_argument("network: the graph has no ops");
  for (const arch::Op& op : graph_.ops) {
    switch (op.kind) {
      case arch::OpKind::kConv:
        layers_.push_back(std::make_unique<Conv2d<T>>(op.in.channels, op.out.channels, op.kernel,
                                                      op.stride, op.padding, op.bias,
                                                      workspace_));
        break;
      case arch::OpKind::kBatchNorm:
        layers_.push_back(std::make_unique<BatchNorm<T>>(op.out.channels));
        break;
      case arch::OpKind::kRelu:
        layers_.push_back(std::make_unique<Relu<T>>());
        break;
      case arch::OpKind::kMaxPool:
        layers_.push_back(std::make_unique<MaxPool<T>>(op.kernel));
        break;
      case arch::OpKind::kGlobalAvgPool:
        layers_.push_back(std::make_unique<GlobalAvgPool<T>>());
        break;
      case arch::OpKind::kFullyConnected:
        layers_.push_back(std::make_unique<FullyConnected<T>>(
            static_cast<int>(op.in.size()), op.out.channels, op.bias));
        break;
      case arch::OpKind::kAdd:
        layers_.push_back(std::make_unique<Add<T>>());
        break;
    }
    for (int in : op.inputs) {
      if (in != arch::kNetworkInput && (in < 0 || in >= static_cast<int>(layers_.size()) - 1)) {
        throw std::invalid_argument("network: op " + op.name + " reads a later op");
      }
    }
  }
  std::vector<int> consumers(graph_.ops.size(), 0);
  for (const arch::Op& op : graph_.ops) {
    for (int in : op.inputs) {
      if (in != arch::kNetworkInput) ++consumers[in];
    }
  }
  alias_.assign(graph_.ops.size(), -1);
  for (std::size_t i = 0; i < graph_.ops.size(); ++i) {
    const arch::Op& op = graph_.ops[i];
    if (op.kind != arch::OpKind::kRelu || op.inputs.size() != 1) continue;
    const int from = op.inputs[0];
    if (from == arch::kNetworkInput || consumers[from] != 1 ||
        graph_.ops[from].kind != arch::OpKind::kBatchNorm) {
      continue;
    }
    static_cast<BatchNorm<T>*>(layers_[from].get())->set_fused_relu(true);
    alias_[i] = from;
  }
  // Inference folds: a Winograd or direct convolution read only by a BN, and that BN's (or its
  // fused ReLU's) output read only by a 2x2 max-pool.
  std::vector<int> only_reader(graph_.ops.size(), -1);
  for (std::size_t i = 0; i < graph_.ops.size(); ++i) {
    for (int in : graph_.ops[i].inputs) {
      if (in != arch::kNetworkInput && consumers[in] == 1) only_reader[in] = static_cast<int>(i);
    }
  }
  // The pool a BN (or its fused ReLU) is read by (see set_pool_fusion).
  auto pool_after = [&](int bn) {
    const auto* norm = static_cast<BatchNorm<T>*>(layers_[bn].get());
    const int last = norm->fused_relu() ? only_reader[bn] : bn;  // the op the pool would read
    const int pool = last >= 0 ? only_reader[last] : -1;
    const arch::Op& b = graph_.ops[bn];
    // The BN's input read by it alone, so that its gradient is summed where the separate
    // layers would sum it.
    const bool fits = pool >= 0 && b.inputs.size() == 1 && b.inputs[0] != arch::kNetworkInput &&
                      consumers[b.inputs[0]] == 1 &&
                      graph_.ops[pool].kind == arch::OpKind::kMaxPool &&
                      graph_.ops[pool].kernel == 2 && graph_.ops[pool].stride == 2 &&
                      b.out.height % 2 == 0 && b.out.width % 2 == 0;
    return fits ? pool : -1;
  };
  pool_fused_with_.assign(graph_.ops.size(), -1);
  for (std::size_t i = 0; i < graph_.ops.size(); ++i) {
    if (graph_.ops[i].kind != arch::OpKind::kBatchNorm) continue;
    const int pool = pool_after(static_cast<int>(i));
    if (pool < 0) continue;
    pool_fused_with_[i] = pool;
    pool_fused_with_[pool] = static_cast<int>(i);
  }
  folds_.assign(graph_.ops.size(), Fold{});
  for (std::size_t i = 0; i < graph_.ops.size(); ++i) {
    auto* conv = dynamic_cast<Conv2d<T>*>(layers_[i].get());
    const int bn = only_reader[i];
    if (!conv || !conv->foldable() || bn < 0 ||
        graph_.ops[bn].kind != arch::OpKind::kBatchNorm) {
      continue;
    }
    folds_[i].bn = bn;
    folds_[bn].into = static_cast<int>(i);
    const int pool = pool_after(bn);
    if (pool >= 0) {
      folds_[i].pool = pool;
      folds_[pool].into = static_cast<int>(i);
    }
  }
  activations_.resize(graph_.ops.size());
  grads_.resize(graph_.ops.size());
  InitializeHe(seed);
}

template <typename T>
void Network<T>::InitializeHe(std::uint64_t seed) {
  NormalSource normal(seed);
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const arch::Op& op = graph_.ops[i];
    Vector<T>* weight = nullptr;
    Vector<T>* bias = nullptr;
    double fan_in = 0;
    if (auto* conv = dynamic_cast<Conv2d<T>*>(layers_[i].get())) {
      weight = &conv->weight();
      bias = &conv->bias();
      fan_in = static_cast<double>(op.in.channels) * op.kernel * op.kernel;
    } else if (auto* fc = dynamic_cast<FullyConnected<T>*>(layers_[i].get())) {
      weight = &fc->weight();
      bias = &fc->bias();
      fan_in = static_cast<double>(op.in.size());
    } else if (auto* bn = dynamic_cast<BatchNorm<T>*>(layers_[i].get())) {
      bn->gamma().fill(T(1));
      bn->beta().fill(T(0));
      bn->running_mean().fill(T(0));
      bn->running_var().fill(T(1));
    }
    if (weight) {
      const double std = std::sqrt(2.0 / fan_in);
      for (auto& w : *weight) w = static_cast<T>(std * normal.Next());
      bias->fill(T(0));
    }
  }
}

template <typename T>
const Tensor<T>& Network<T>::Forward(const float* images_nchw, int batch, bool training) {
  const arch::Shape& s = graph_.input;
  if (batch <= 0) throw std::invalid_argument("network: batch must be positive");
  EnsureShape(input_, s.channels, batch, s.height, s.width);
  const std::size_t plane = static_cast<std::size_t>(s.height) * s.width;
  for (int c = 0; c < s.channels; ++c) {
    for (int n = 0; n < batch; ++n) {
      const float* src = images_nchw + (static_cast<std::size_t>(n) * s.channels + c) * plane;
      T* dst = input_.data() + (static_cast<std::size_t>(c) * batch + n) * plane;
      for (std::size_t i = 0; i < plane; ++i) dst[i] = static_cast<T>(src[i]);
    }
  }
  return Forward(input_, training);
}

template <typename T>
const Tensor<T>& Network<T>::Forward(const Tensor<T>& input, bool training) {
  const arch::Shape& s = graph_.input;
  if (input.shape(0) != static_cast<std::size_t>(s.channels) ||
      input.shape(2) != static_cast<std::size_t>(s.height) ||
      input.shape(3) != static_cast<std::size_t>(s.width)) {
    throw std::invalid_argument("network: input shape does not match the architecture");
  }
  if (&input != &input_) input_ = input;
  last_forward_folded_ = false;
  last_forward_pool_fused_ = pool_fusion_;
  const bool fold = !training && inference_folding_;
  std::vector<const Tensor<T>*> in;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (alias_[i] >= 0) continue;  // runs inside its BN
    if (fold && folds_[i].into >= 0) continue;  // ran inside its convolution
    const int fused = pool_fusion_ ? pool_fused_with_[i] : -1;
    if (fused >= 0 && graph_.ops[i].kind == arch::OpKind::kMaxPool) continue;  // ran in its BN
    in.clear();
    for (int from : graph_.ops[i].inputs) {
      in.push_back(from == arch::kNetworkInput ? &input_ : &activations_[Resolve(from)]);
    }
    if (fold && folds_[i].bn >= 0) {
      // The convolution, its BN (and ReLU) and pool in one pass; the result lands where the
      // last of them would have put it.
      const Fold& f = folds_[i];
      static_cast<Conv2d<T>*>(layers_[i].get())
          ->ForwardInference(*in[0], static_cast<const BatchNorm<T>&>(*layers_[f.bn]),
                             f.pool >= 0, activations_[f.pool >= 0 ? f.pool : f.bn]);
      last_forward_folded_ = true;
      continue;
    }
    if (fused >= 0) {  // a BN and its pool: the result lands where the pool would put it
      static_cast<BatchNorm<T>*>(layers_[i].get())
          ->ForwardMaxPool2(*in[0], activations_[fused], training);
      continue;
    }
    layers_[i]->Forward(in, activations_[i], training);
  }
  return activations_[Resolve(static_cast<int>(layers_.size()) - 1)];
}

template <typename T>
const Tensor<T>& Network<T>::activation(int op) const {
  const int r = Resolve(op);
  const Fold& f = folds_.at(r);
  if (last_forward_pool_fused_ && pool_fused_with_[r] >= 0 &&
      graph_.ops[r].kind == arch::OpKind::kBatchNorm &&
      !(last_forward_folded_ && f.into >= 0)) {  // (else reported below)
    throw std::logic_error("network: op " + graph_.ops.at(op).name +
                           " ran with its max-pool in one pass in the last Forward; its "
                           "activation was not kept (set_pool_fusion(false) keeps it)");
  }
  if (last_forward_folded_) {
    // Current after a folded pass: the op each fold's result lands in, and unfolded ops.
    bool stale = f.bn >= 0;  // a folded convolution's own output
    if (f.into >= 0) {
      const Fold& conv = folds_[f.into];
      stale = r != (conv.pool >= 0 ? conv.pool : conv.bn);
    }
    if (stale) {
      throw std::logic_error("network: op " + graph_.ops.at(op).name +
                             " was folded into a convolution by the last inference pass; its "
                             "activation was not kept (set_inference_folding(false) keeps it)");
    }
  }
  return activations_.at(r);
}

template <typename T>
int Network<T>::folded_batch_norms() const {
  int n = 0;
  for (const Fold& f : folds_) n += f.bn >= 0;
  return n;
}

template <typename T>
int Network<T>::fused_pools() const {
  int n = 0;
  for (std::size_t i = 0; i < graph_.ops.size(); ++i) {
    n += pool_fused_with_[i] >= 0 && graph_.ops[i].kind == arch::OpKind::kMaxPool;
  }
  return n;
}

template <typename T>
int Network<T>::folded_pools() const {
  int n = 0;
  for (const Fold& f : folds_) n += f.pool >= 0;
  return n;
}

template <typename T>
void Network<T>::Backward(const Tensor<T>& logits_grad) {
  if (last_forward_folded_) {
    throw std::logic_error(
        "network: Backward() after an inference Forward() (layers were folded; run Forward "
        "with training = true first)");
  }
  const std::size_t ops = layers_.size();
  const int last = Resolve(static_cast<int>(ops) - 1);
  if (logits_grad.shape() != activations_[last].shape()) {
    throw std::invalid_argument("network: logits gradient shape mismatch");
  }
  std::vector<bool> has_grad(ops, false);
  grads_[last] = logits_grad;
  has_grad[last] = true;
  std::vector<const Tensor<T>*> in;
  std::vector<Tensor<T>*> din;
  std::vector<int> pending;  // inputs whose gradient lands in scratch_ and is added afterwards
  for (std::size_t i = ops; i-- > 0;) {
    if (alias_[i] >= 0 || !has_grad[i]) continue;  // fused, or nothing downstream needs it
    // A pool that ran in its BN: both back-propagate here, from the BN's input.
    const int bn = last_forward_pool_fused_ && graph_.ops[i].kind == arch::OpKind::kMaxPool
                       ? pool_fused_with_[i]
                       : -1;
    const arch::Op& op = graph_.ops[bn >= 0 ? bn : static_cast<int>(i)];
    in.clear();
    din.clear();
    int to_add = -1;
    for (int input : op.inputs) {
      const int from = input == arch::kNetworkInput ? input : Resolve(input);
      in.push_back(from == arch::kNetworkInput ? &input_ : &activations_[from]);
      if (from == arch::kNetworkInput) {
        din.push_back(nullptr);
      } else if (!has_grad[from]) {
        din.push_back(&grads_[from]);
        has_grad[from] = true;
      } else {
        // A second consumer: compute into scratch, then add (never both inputs of one op, as
        // the graph's only two-input op, add, takes two different tensors).
        din.push_back(&scratch_);
        to_add = from;
      }
    }
    if (bn >= 0) {
      static_cast<BatchNorm<T>*>(layers_[bn].get())
          ->BackwardMaxPool2(*in[0], activations_[i], grads_[i], din[0]);
    } else {
      layers_[i]->Backward(in, activations_[i], grads_[i], din);
    }
    if (to_add >= 0) {
      Tensor<T>& g = grads_[to_add];
      const long long size = static_cast<long long>(g.size());
#pragma omp parallel for schedule(static)
      for (long long j = 0; j < size; ++j) g.data()[j] += scratch_.data()[j];
    }
  }
}

template <typename T>
std::vector<Parameter<T>> Network<T>::Parameters() {
  std::vector<Parameter<T>> all;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    for (Parameter<T>& p : layers_[i]->Parameters()) {
      p.name = graph_.ops[i].name + "." + p.name;
      all.push_back(p);
    }
  }
  return all;
}

template <typename T>
std::vector<Vector<T>*> Network<T>::Buffers() {
  std::vector<Vector<T>*> all;
  for (auto& layer : layers_) {
    if (auto* bn = dynamic_cast<BatchNorm<T>*>(layer.get())) {
      all.push_back(&bn->running_mean());
      all.push_back(&bn->running_var());
    }
  }
  return all;
}

template class Network<float>;
template class Network<double>;

}  // namespace imcnas::nn
