// Stochastic gradient descent with momentum, optional Nesterov, and L2 weight decay, exactly as
// torch.optim.SGD (dampening 0): g = grad + wd * w; v = g on the first step, else
// v = momentum * v + g; w -= lr * (nesterov ? g + momentum * v : v).
#ifndef IMCNAS_NN_SGD_H_
#define IMCNAS_NN_SGD_H_

#include <vector>

#include "nn/tensor.h"

namespace imcnas::nn {

struct SgdOptions {
  double momentum = 0.9;
  bool nesterov = true;
  double weight_decay = 5e-4;
  bool decay_bn_and_bias = false;  // PyTorch recipes usually exempt BN and bias from decay
};

template <typename T>
class Sgd {
 public:
  Sgd(std::vector<Parameter<T>> parameters, const SgdOptions& options);
  // One update with learning rate `lr` from the gradients currently stored.
  void Step(double lr);

 private:
  std::vector<Parameter<T>> params_;
  SgdOptions options_;
  std::vector<Vector<T>> velocity_;
  bool first_ = true;
};

}  // namespace imcnas::nn

#endif  // IMCNAS_NN_SGD_H_
