#include "nn/sgd.h"

#include <stdexcept>

namespace imcnas::nn {

template <typename T>
Sgd<T>::Sgd(std::vector<Parameter<T>> parameters, const SgdOptions& options)
    : params_(std::move(parameters)), options_(options) {
  if (options.momentum < 0 || options.weight_decay < 0) {
    throw std::invalid_argument("SGD: momentum and weight decay must be non-negative");
  }
  if (options.nesterov && options.momentum <= 0) {
    throw std::invalid_argument("SGD: Nesterov needs a positive momentum");
  }
  for (const Parameter<T>& p : params_) velocity_.push_back(xt::zeros<T>({p.value->size()}));
}

template <typename T>
void Sgd<T>::Step(double lr) {
  const T lr_t = static_cast<T>(lr);
  const T momentum = static_cast<T>(options_.momentum);
  for (std::size_t k = 0; k < params_.size(); ++k) {
    const Parameter<T>& p = params_[k];
    const bool decay = !p.is_bn_or_bias || options_.decay_bn_and_bias;
    const T wd = decay ? static_cast<T>(options_.weight_decay) : T(0);
    T* w = p.value->data();
    const T* grad = p.grad->data();
    T* v = velocity_[k].data();
    const long long size = static_cast<long long>(p.value->size());
    const bool first = first_;
    const bool use_momentum = options_.momentum != 0;
    const bool nesterov = options_.nesterov;
#pragma omp parallel for schedule(static) if (size > 65536)
    for (long long i = 0; i < size; ++i) {
      T g = grad[i];
      if (wd != T(0)) g += wd * w[i];
      if (use_momentum) {
        v[i] = first ? g : momentum * v[i] + g;
        g = nesterov ? g + momentum * v[i] : v[i];
      }
      w[i] -= lr_t * g;
    }
  }
  first_ = false;
}

template class Sgd<float>;
template class Sgd<double>;

}  // namespace imcnas::nn
