// Tensor storage of the trainer. Activations and their gradients live in xtensor buffers laid
// out channel-major over the whole batch, C x N x H x W ("CNHW"): a convolution over the batch is
// then one matrix product per chunk of images whose result rows are the output channels, and
// batch normalisation reduces over one contiguous row per channel. Matrix products map Eigen
// over the same buffers (no copies).
#ifndef IMCNAS_NN_TENSOR_H_
#define IMCNAS_NN_TENSOR_H_

#include <array>
#include <cstddef>
#include <string>

#include <Eigen/Core>
#include <xtensor/xtensor.hpp>

namespace imcnas::nn {

// C x N x H x W.
template <typename T>
using Tensor = xt::xtensor<T, 4>;

// Flat parameter storage (weights keep PyTorch's element order, see each layer).
template <typename T>
using Vector = xt::xtensor<T, 1>;

template <typename T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using MatrixMap = Eigen::Map<RowMatrix<T>, Eigen::Unaligned, Eigen::OuterStride<>>;
template <typename T>
using ConstMatrixMap = Eigen::Map<const RowMatrix<T>, Eigen::Unaligned, Eigen::OuterStride<>>;

// Resizes only when the shape changes, so steady-state training allocates nothing.
template <typename T>
void EnsureShape(Tensor<T>& t, std::size_t c, std::size_t n, std::size_t h, std::size_t w) {
  const std::array<std::size_t, 4> shape = {c, n, h, w};
  if (t.shape(0) != c || t.shape(1) != n || t.shape(2) != h || t.shape(3) != w) t.resize(shape);
}

// One trainable tensor and its gradient, as the optimiser sees it.
template <typename T>
struct Parameter {
  std::string name;
  Vector<T>* value = nullptr;
  Vector<T>* grad = nullptr;
  bool is_bn_or_bias = false;  // excluded from weight decay unless configured otherwise
};

}  // namespace imcnas::nn

#endif  // IMCNAS_NN_TENSOR_H_
