// GCC 12 reports a false "may be used uninitialized" inside Eigen's AVX-512 reductions
// (_mm256_undefined_pd in predux; "is used" at -O1 under asan) when small products are
// inlined here; the code is Eigen's.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
// internal::Lanes (8 doubles) is passed by value between inline helpers: on a CPU without
// AVX-512 GCC warns that such an argument's ABI differs from an AVX-512 build's. Nothing here is
// an ABI boundary (the helpers are inline and internal).
#pragma GCC diagnostic ignored "-Wpsabi"

#include "nn/layers.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

#include "nn/internal/direct_conv.h"
#include "nn/internal/gemm.h"
#include "nn/internal/max_pool_rule.h"
#include "nn/internal/partition.h"
#include "nn/internal/winograd.h"
#include "nn/internal/winograd_f4.h"

namespace imcnas::nn {
namespace {

using Eigen::Index;
using Eigen::OuterStride;
using internal::GroupBegin;
using internal::kGroups;
using internal::LaneSum;
using internal::NumGroups;

// Columns of one im2col chunk: large enough for an efficient matrix product, small enough for
// the chunk to stay near the caches.
constexpr int kTargetColumns = 1024;
// Tiles of one Winograd F(2x2) chunk (4 output pixels each); the same trade-off. Chunks are
// whole images, so a map of more than 256 tiles makes chunks of one image, however many tiles.
// F(4x4) takes half as many (16 output pixels and 36 transformed values each): 1 thread,
// interleaved minima of 3, inference b01 66.9 ms against 70.0 with a quarter, b11 42.5 / 44.1.
constexpr int kWinogradTargetTiles = 256;

template <typename T>
void Require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument(what);
}

template <typename T>
void SameShape(const Tensor<T>& a, Tensor<T>& b) {
  EnsureShape(b, a.shape(0), a.shape(1), a.shape(2), a.shape(3));
}

// dst[i] = sum over groups g, in index order, of partials[g * slot + first + i], i < count:
// one pass per group over contiguous memory (vectorised), the same additions in the same order
// as summing each element over the groups.
template <typename T>
void AddGroupsInOrder(const T* partials, int groups, std::size_t slot, std::size_t first,
                      std::size_t count, T* dst) {
  const long long n = static_cast<long long>(count);
#pragma omp parallel for schedule(static)
  for (long long b = 0; b < n; b += 4096) {
    const long long e = std::min(n, b + 4096);
    std::copy(partials + first + b, partials + first + e, dst + b);
    for (int g = 1; g < groups; ++g) {
      const T* p = partials + g * slot + first;
      for (long long i = b; i < e; ++i) dst[i] += p[i];
    }
  }
}

// sums[r] += sum of rows[r * stride + i], i < count, for r < n_rows (a conv's bias gradient over
// one chunk: row r is output channel r's gradients), each in LaneSum's fixed order.
template <typename T>
void AddRowSums(const T* rows, int n_rows, std::size_t stride, std::size_t count, T* sums) {
  for (int r = 0; r < n_rows; ++r) {
    const T* row = rows + r * stride;
    sums[r] += static_cast<T>(LaneSum(count, [&](std::size_t i) { return double(row[i]); }));
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Workspace

template <typename T>
void Workspace<T>::Reserve(int threads) {
  if (static_cast<int>(thread_.size()) < threads) {
    thread_.resize(threads);
    thread2_.resize(threads);
  }
}

template <typename T>
T* Workspace<T>::Thread(int thread, std::size_t size) {
  auto& b = thread_[thread];
  if (b.size() < size) b.resize(size);
  return b.data();
}

template <typename T>
T* Workspace<T>::Thread2(int thread, std::size_t size) {
  auto& b = thread2_[thread];
  if (b.size() < size) b.resize(size);
  return b.data();
}

template <typename T>
T* Workspace<T>::Partials(std::size_t size) {
  const std::size_t total = size * kGroups;
  if (partials_.size() < total) partials_.resize(total);
  return partials_.data();
}

// ---------------------------------------------------------------------------------------------
// Conv2d

template <typename T>
WeightedLayer<T>::WeightedLayer(std::size_t weights, std::size_t biases, bool has_bias)
    : has_bias_(has_bias),
      weight_(xt::zeros<T>({weights})),
      bias_(xt::zeros<T>({has_bias ? biases : 0})),
      weight_grad_(xt::zeros<T>({weights})),
      bias_grad_(xt::zeros<T>({has_bias ? biases : 0})) {}

template <typename T>
std::vector<Parameter<T>> WeightedLayer<T>::Parameters() {
  std::vector<Parameter<T>> p = {{"weight", &weight_, &weight_grad_, false}};
  if (has_bias_) p.push_back({"bias", &bias_, &bias_grad_, true});
  return p;
}

namespace {
// Sizes checked while the base class's arguments are evaluated, before anything is allocated (a
// negative size would wrap around).
template <typename T>
std::size_t CheckedConvWeights(int in, int out, int k, int stride, int pad) {
  Require<T>(in > 0 && out > 0 && k > 0 && stride > 0 && pad >= 0,
             "Conv2d: channels, kernel and stride must be positive, padding non-negative");
  return static_cast<std::size_t>(out) * in * k * k;
}
}  // namespace

namespace {
// The shape Winograd F(2x2, 3x3) and the direct convolution take: 3x3, stride 1, padding 1.
bool SameSize3x3(int kernel, int stride, int padding) {
  return kernel == 3 && stride == 1 && padding == 1;
}
}  // namespace

template <typename T>
Conv2d<T>::Conv2d(int in_channels, int out_channels, int kernel, int stride, int padding, bool bias,
                  std::shared_ptr<Workspace<T>> workspace, ConvAlgorithm algorithm)
    : WeightedLayer<T>(CheckedConvWeights<T>(in_channels, out_channels, kernel, stride, padding),
                       static_cast<std::size_t>(out_channels), bias),
      in_(in_channels),
      out_(out_channels),
      k_(kernel),
      stride_(stride),
      pad_(padding),
      direct_(SameSize3x3(kernel, stride, padding) &&
              in_channels <= internal::direct::kMaxInputs &&
              (algorithm == ConvAlgorithm::kAuto || algorithm == ConvAlgorithm::kDirect)),
      winograd_(SameSize3x3(kernel, stride, padding) && !direct_ &&
                (algorithm == ConvAlgorithm::kAuto || algorithm == ConvAlgorithm::kWinograd ||
                 algorithm == ConvAlgorithm::kWinograd2)),
      algorithm_(algorithm),
      ws_(workspace ? std::move(workspace) : std::make_shared<Workspace<T>>()) {}

// Output columns [lo, hi) read input columns ix = ox*stride - pad + kx inside [0, w).
template <typename T>
int Conv2d<T>::LastColumn(int w, int kx, int lo, int ow) const {
  const int last = w - 1 + pad_ - kx;  // ox * stride <= last
  if (last < 0) return lo;
  return std::max(lo, std::min(ow, last / stride_ + 1));
}

template <typename T>
void Conv2d<T>::Im2Col(const Tensor<T>& x, int n0, int images, int oh, int ow, T* col) const {
  const int n = static_cast<int>(x.shape(1));
  const int h = static_cast<int>(x.shape(2));
  const int w = static_cast<int>(x.shape(3));
  const std::size_t p = static_cast<std::size_t>(oh) * ow;
  const std::size_t cols = p * images;
  for (int c = 0; c < in_; ++c) {
    for (int ky = 0; ky < k_; ++ky) {
      for (int kx = 0; kx < k_; ++kx) {
        T* row = col + ((static_cast<std::size_t>(c) * k_ + ky) * k_ + kx) * cols;
        // Output columns whose input column ix = ox*stride - pad + kx lies inside the image.
        const int lo = std::min(ow, std::max(0, (pad_ - kx + stride_ - 1) / stride_));
        const int hi = LastColumn(w, kx, lo, ow);
        for (int i = 0; i < images; ++i) {
          const T* plane = x.data() + (static_cast<std::size_t>(c) * n + n0 + i) * h * w;
          T* dst = row + i * p;
          for (int oy = 0; oy < oh; ++oy) {
            T* d = dst + static_cast<std::size_t>(oy) * ow;
            const int iy = oy * stride_ - pad_ + ky;
            if (iy < 0 || iy >= h) {
              std::fill(d, d + ow, T(0));
              continue;
            }
            const T* src = plane + static_cast<std::size_t>(iy) * w - pad_ + kx;
            std::fill(d, d + lo, T(0));
            if (stride_ == 1) {
              std::copy(src + lo, src + hi, d + lo);
            } else {
              for (int ox = lo; ox < hi; ++ox) d[ox] = src[ox * stride_];
            }
            std::fill(d + hi, d + ow, T(0));
          }
        }
      }
    }
  }
}

template <typename T>
void Conv2d<T>::Col2Im(const T* col, int n0, int images, int oh, int ow, Tensor<T>& dx) const {
  const int n = static_cast<int>(dx.shape(1));
  const int h = static_cast<int>(dx.shape(2));
  const int w = static_cast<int>(dx.shape(3));
  const std::size_t p = static_cast<std::size_t>(oh) * ow;
  const std::size_t cols = p * images;
  for (int c = 0; c < in_; ++c) {
    for (int i = 0; i < images; ++i) {
      T* plane = dx.data() + (static_cast<std::size_t>(c) * n + n0 + i) * h * w;
      std::fill(plane, plane + static_cast<std::size_t>(h) * w, T(0));
    }
    for (int ky = 0; ky < k_; ++ky) {
      for (int kx = 0; kx < k_; ++kx) {
        const T* row = col + ((static_cast<std::size_t>(c) * k_ + ky) * k_ + kx) * cols;
        const int lo = std::min(ow, std::max(0, (pad_ - kx + stride_ - 1) / stride_));
        const int hi = LastColumn(w, kx, lo, ow);
        for (int i = 0; i < images; ++i) {
          T* plane = dx.data() + (static_cast<std::size_t>(c) * n + n0 + i) * h * w;
          const T* src = row + i * p;
          for (int oy = 0; oy < oh; ++oy) {
            const int iy = oy * stride_ - pad_ + ky;
            if (iy < 0 || iy >= h) continue;
            const T* s = src + static_cast<std::size_t>(oy) * ow;
            T* d = plane + static_cast<std::size_t>(iy) * w - pad_ + kx;
            if (stride_ == 1) {
              for (int ox = lo; ox < hi; ++ox) d[ox] += s[ox];
            } else {
              for (int ox = lo; ox < hi; ++ox) d[ox * stride_] += s[ox];
            }
          }
        }
      }
    }
  }
}

template <typename T>
void Conv2d<T>::Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output,
                        bool training) {
  const Tensor<T>& x = *inputs.at(0);
  Require<T>(static_cast<int>(x.shape(0)) == in_, "Conv2d: input channel count mismatch");
  const int n = static_cast<int>(x.shape(1));
  const int h = static_cast<int>(x.shape(2));
  const int w = static_cast<int>(x.shape(3));
  const int oh = (h + 2 * pad_ - k_) / stride_ + 1;
  const int ow = (w + 2 * pad_ - k_) / stride_ + 1;
  Require<T>(oh > 0 && ow > 0, "Conv2d: kernel larger than the padded input");
  EnsureShape(output, out_, n, oh, ow);
  if (foldable()) {
    internal::winograd::OutputEpilogue<T> epilogue;
    epilogue.bias = has_bias_ ? bias_.data() : nullptr;
    FoldableForward(x, output, epilogue, training);
    return;
  }
  const int p = oh * ow;
  const int kk = in_ * k_ * k_;
  const int chunk = std::max(1, kTargetColumns / p);
  const int groups = NumGroups(n);
  ws_->Reserve(omp_get_max_threads());
  const ConstMatrixMap<T> wm(weight_.data(), out_, kk, OuterStride<>(kk));
#pragma omp parallel for schedule(dynamic, 1)
  for (int g = 0; g < groups; ++g) {
    const int gb = GroupBegin(g, groups, n);
    const int ge = GroupBegin(g + 1, groups, n);
    for (int n0 = gb; n0 < ge; n0 += chunk) {
      const int m = std::min(chunk, ge - n0);
      const T* col = x.data() + static_cast<std::size_t>(n0) * p;
      Index ld = static_cast<Index>(n) * p;
      if (!pointwise()) {
        T* buffer = ws_->Thread(omp_get_thread_num(), static_cast<std::size_t>(kk) * m * p);
        Im2Col(x, n0, m, oh, ow, buffer);
        col = buffer;
        ld = static_cast<Index>(m) * p;
      }
      const ConstMatrixMap<T> cm(col, kk, static_cast<Index>(m) * p, OuterStride<>(ld));
      MatrixMap<T> ym(output.data() + static_cast<std::size_t>(n0) * p, out_,
                      static_cast<Index>(m) * p, OuterStride<>(static_cast<Index>(n) * p));
      ym.noalias() = wm * cm;
      if (has_bias_) {
        for (int co = 0; co < out_; ++co) ym.row(co).array() += bias_(co);
      }
    }
  }
}

template <typename T>
void Conv2d<T>::Backward(const std::vector<const Tensor<T>*>& inputs, const Tensor<T>& output,
                         const Tensor<T>& output_grad, const std::vector<Tensor<T>*>& input_grads) {
  const Tensor<T>& x = *inputs.at(0);
  Tensor<T>* dx = input_grads.at(0);
  const int n = static_cast<int>(x.shape(1));
  const int oh = static_cast<int>(output.shape(2));
  const int ow = static_cast<int>(output.shape(3));
  if (dx) SameShape(x, *dx);
  if (winograd_) {
    WinogradBackward(x, output_grad, dx);
    return;
  }
  if (direct_) {
    DirectBackward(x, output_grad, dx);
    return;
  }
  const int p = oh * ow;
  const int kk = in_ * k_ * k_;
  const int chunk = std::max(1, kTargetColumns / p);
  const int groups = NumGroups(n);
  const std::size_t weights = static_cast<std::size_t>(out_) * kk;
  const std::size_t slot = weights + out_;  // one group's partial weight and bias gradients
  ws_->Reserve(omp_get_max_threads());
  T* partials = ws_->Partials(slot);
  const ConstMatrixMap<T> wm(weight_.data(), out_, kk, OuterStride<>(kk));
#pragma omp parallel for schedule(dynamic, 1)
  for (int g = 0; g < groups; ++g) {
    const int gb = GroupBegin(g, groups, n);
    const int ge = GroupBegin(g + 1, groups, n);
    std::fill(partials + g * slot, partials + (g + 1) * slot, T(0));  // in the group's thread
    MatrixMap<T> dwg(partials + g * slot, out_, kk, OuterStride<>(kk));
    T* dbg = partials + g * slot + weights;
    for (int n0 = gb; n0 < ge; n0 += chunk) {
      const int m = std::min(chunk, ge - n0);
      const Index cols = static_cast<Index>(m) * p;
      const T* col = x.data() + static_cast<std::size_t>(n0) * p;
      Index ld = static_cast<Index>(n) * p;
      if (!pointwise()) {
        T* buffer = ws_->Thread(omp_get_thread_num(), static_cast<std::size_t>(kk) * cols);
        Im2Col(x, n0, m, oh, ow, buffer);
        col = buffer;
        ld = cols;
      }
      const ConstMatrixMap<T> cm(col, kk, cols, OuterStride<>(ld));
      const ConstMatrixMap<T> dym(output_grad.data() + static_cast<std::size_t>(n0) * p, out_, cols,
                                  OuterStride<>(static_cast<Index>(n) * p));
      dwg.noalias() += dym * cm.transpose();
      if (has_bias_) AddRowSums(dym.data(), out_, static_cast<std::size_t>(n) * p, cols, dbg);
      if (!dx) continue;
      if (pointwise()) {
        MatrixMap<T> dxm(dx->data() + static_cast<std::size_t>(n0) * p, in_, cols,
                         OuterStride<>(static_cast<Index>(n) * p));
        dxm.noalias() = wm.transpose() * dym;
      } else {
        T* dcol = ws_->Thread2(omp_get_thread_num(), static_cast<std::size_t>(kk) * cols);
        MatrixMap<T> dcm(dcol, kk, cols, OuterStride<>(cols));
        dcm.noalias() = wm.transpose() * dym;
        Col2Im(dcol, n0, m, oh, ow, *dx);
      }
    }
  }
  // Groups are added in index order, whatever thread computed them.
  AddGroupsInOrder(partials, groups, slot, 0, weights, weight_grad_.data());
  if (has_bias_) AddGroupsInOrder(partials, groups, slot, weights, out_, bias_grad_.data());
}

namespace {
// The two Winograd algorithms as policies of the forward pass: F(2x2, 3x3) (internal/winograd.h,
// also the backward pass) and F(4x4, 3x3) (internal/winograd_f4.h, inference only).
template <typename T>
struct WinogradF2 {
  using Grid = internal::winograd::Grid;
  static constexpr int kElements = internal::winograd::kElements;
  static constexpr int kTargetTiles = kWinogradTargetTiles;
  static void TransformWeights(const T* w, int out, int in, T* u) {
    internal::winograd::TransformWeights(w, out, in, u);
  }
  static void TransformInput(const T* x, int channels, std::size_t channel_stride, int images,
                             const Grid& g, T* v, std::size_t tiles, T* scratch) {
    internal::winograd::TransformInput(x, channels, channel_stride, images, g, v, tiles, scratch);
  }
  static void TransformOutput(const T* m, int channels, std::size_t tiles, int images,
                              const Grid& g, T* y, std::size_t channel_stride,
                              const internal::winograd::OutputEpilogue<T>& ep, T* scratch) {
    internal::winograd::TransformOutput(m, channels, tiles, images, g, y, channel_stride, ep,
                                        scratch);
  }
  static std::size_t ScratchSize(const Grid& g, std::size_t tiles) {
    return internal::winograd::ScratchSize(g, tiles);
  }
};

template <typename T>
struct WinogradF4 {
  using Grid = internal::winograd4::Grid;
  static constexpr int kElements = internal::winograd4::kElements;
  // 16 outputs per tile: half F2's tiles per chunk keeps the transformed buffers (36 values per
  // tile) about as large as F2's.
  static constexpr int kTargetTiles = kWinogradTargetTiles / 2;
  static void TransformWeights(const T* w, int out, int in, T* u) {
    internal::winograd4::TransformWeights(w, out, in, u);
  }
  static void TransformInput(const T* x, int channels, std::size_t channel_stride, int images,
                             const Grid& g, T* v, std::size_t tiles, T* scratch) {
    internal::winograd4::TransformInput(x, channels, channel_stride, images, g, v, tiles,
                                        scratch);
  }
  static void TransformOutput(const T* m, int channels, std::size_t tiles, int images,
                              const Grid& g, T* y, std::size_t channel_stride,
                              const internal::winograd::OutputEpilogue<T>& ep, T* scratch) {
    internal::winograd4::TransformOutput(m, channels, tiles, images, g, y, channel_stride, ep,
                                         scratch);
  }
  static std::size_t ScratchSize(const Grid& g, std::size_t tiles) {
    return internal::winograd4::ScratchSize(g, tiles);
  }
};

// The partition of a Winograd pass over a C x N x H x W input: chunks of whole images of about
// Scheme::kTargetTiles tiles inside the fixed groups.
template <typename Scheme>
struct WinogradPlan {
  template <typename T>
  WinogradPlan(const Tensor<T>& x, int out, int in)
      : n(static_cast<int>(x.shape(1))),
        grid{static_cast<int>(x.shape(2)), static_cast<int>(x.shape(3))},
        per_image(grid.per_image()),
        chunk(std::max(1, Scheme::kTargetTiles / per_image)),
        groups(NumGroups(n)),
        plane(static_cast<std::size_t>(out) * in),
        x_stride(static_cast<std::size_t>(n) * grid.h * grid.w) {}
  int n;
  typename Scheme::Grid grid;
  int per_image, chunk, groups;
  std::size_t plane;     // out x in: one transformed weight matrix
  std::size_t x_stride;  // between channels of a C x N x H x W tensor
};
}  // namespace

// Training passes transform the weights afresh (they change every step). Inference passes
// reuse the last packing when the weights are bit-identical to those it was made from (one
// comparison of the 3x3 weights instead of transforming and packing Scheme::kElements
// matrices: ~4% of an inference pass of b01 or b06). Each matrix is packed for internal::gemm:
// as it is (out x in) for the forward product, transposed (in x out) for the input gradient.
template <typename T>
template <typename Scheme>
void Conv2d<T>::TransformWeights(bool transposed, bool reuse) {
  const int kind = 2 * Scheme::kElements + (transposed ? 1 : 0);
  const std::size_t bytes = weight_.size() * sizeof(T);
  if (reuse && packed_kind_ == kind && packed_from_.size() == weight_.size() &&
      std::memcmp(packed_from_.data(), weight_.data(), bytes) == 0) {
    ws_->Reserve(omp_get_max_threads());
    return;
  }
  packed_kind_ = -1;
  const std::size_t plane = static_cast<std::size_t>(out_) * in_;
  transformed_.resize(Scheme::kElements * plane);
  Scheme::TransformWeights(weight_.data(), out_, in_, transformed_.data());
  const int rows = transposed ? in_ : out_, depth = transposed ? out_ : in_;
  const std::size_t packed_plane =
      static_cast<std::size_t>(internal::gemm::PackedRows(rows)) * depth;
  packed_.resize(Scheme::kElements * packed_plane);
#pragma omp parallel for schedule(static) if (plane >= 4096)
  for (int e = 0; e < Scheme::kElements; ++e) {
    internal::gemm::Pack(transformed_.data() + e * plane, rows, depth,
                         transposed ? 1 : static_cast<std::size_t>(in_),
                         transposed ? static_cast<std::size_t>(in_) : 1,
                         packed_.data() + e * packed_plane);
  }
  if (reuse) {
    packed_from_.assign(weight_.begin(), weight_.end());
    packed_kind_ = kind;
  }
  ws_->Reserve(omp_get_max_threads());
}

namespace {
// Tiles rounded up to whole column blocks of internal::gemm (the columns the products compute),
// and the padding columns zeroed so that the product sees finite values there.
template <typename T>
std::size_t PaddedTiles(std::size_t tiles) {
  const std::size_t b = internal::gemm::ColumnPadding<T>();
  return (tiles + b - 1) / b * b;
}
// The row stride of the transformed buffers: the padded tiles plus one cache line. At exactly the
// padded tiles (256 floats on every map here: 1 KiB) the rows of a product's column panel fell
// in 8 of L1's 64 sets, so a panel of more than 32 rows (Cin > 32) missed L1 on every pass.
template <typename T>
std::size_t RowStride(std::size_t padded) {
  return padded + 64 / sizeof(T);
}
template <typename T>
void ZeroPadding(T* buffer, int elements, int channels, std::size_t tiles, std::size_t padded,
                 std::size_t stride) {
  if (padded == tiles) return;
  for (int e = 0; e < elements; ++e) {
    T* slice = buffer + e * internal::winograd::XiStride(channels, stride);
    for (int c = 0; c < channels; ++c) {
      std::fill(slice + c * stride + tiles, slice + c * stride + padded, T(0));
    }
  }
}
}  // namespace

template <typename T>
void Conv2d<T>::ForwardInference(const Tensor<T>& x, const BatchNorm<T>& bn, bool pool,
                                 Tensor<T>& output) {
  Require<T>(foldable(), "Conv2d: ForwardInference needs a Winograd or direct convolution");
  Require<T>(static_cast<int>(x.shape(0)) == in_, "Conv2d: input channel count mismatch");
  const std::size_t n = x.shape(1), h = x.shape(2), w = x.shape(3);
  Require<T>(!pool || (h % 2 == 0 && w % 2 == 0), "Conv2d: a folded pool needs an even map");
  std::vector<T> scale, shift;
  bn.InferenceAffine(&scale, &shift);
  Require<T>(static_cast<int>(scale.size()) == out_, "Conv2d: folded BatchNorm's channel count");
  EnsureShape(output, out_, n, pool ? h / 2 : h, pool ? w / 2 : w);
  internal::winograd::OutputEpilogue<T> epilogue;
  epilogue.bias = has_bias_ ? bias_.data() : nullptr;
  epilogue.scale = scale.data();
  epilogue.shift = shift.data();
  epilogue.relu = bn.fused_relu();
  epilogue.pool = pool;
  FoldableForward(x, output, epilogue, false);
}

template <typename T>
void Conv2d<T>::FoldableForward(const Tensor<T>& x, Tensor<T>& output,
                                const internal::winograd::OutputEpilogue<T>& epilogue,
                                bool training) {
  if (direct_) {
    DirectForward(x, output, epilogue);
  } else if (winograd4(static_cast<int>(x.shape(2)), static_cast<int>(x.shape(3)), training)) {
    WinogradForward<WinogradF4<T>>(x, output, epilogue, training);
  } else {
    WinogradForward<WinogradF2<T>>(x, output, epilogue, training);
  }
}

// F(4x4, 3x3) computes 36 products per 4x4 outputs against F(2x2, 3x3)'s 16 per 2x2: fewer
// wherever the tiles are not mostly outside the map (not on 1- and 2-pixel rows or columns, nor
// on 5x5, 6x6 or 6x5 maps, where the counts are equal). Training
// keeps F(2x2) so that the backward pass is the exact adjoint of the forward computation, and
// F(4x4)'s rounding (about 7x F(2x2)'s in rms, internal/winograd_f4.h) stays out of the weights.
template <typename T>
bool Conv2d<T>::winograd4(int h, int w, bool training) const {
  if (!winograd_ || training || algorithm_ == ConvAlgorithm::kWinograd2) return false;
  const long long f4 = 36LL * ((h + 3) / 4) * ((w + 3) / 4);
  const long long f2 = 16LL * ((h + 1) / 2) * ((w + 1) / 2);
  return f4 < f2;
}

// Direct 3x3 convolution (internal/direct_conv.h): one image at a time, images split over the
// fixed groups (no sum crosses an image in the forward pass and the input gradient).
template <typename T>
void Conv2d<T>::DirectForward(const Tensor<T>& x, Tensor<T>& output,
                              const internal::winograd::OutputEpilogue<T>& epilogue) {
  namespace dc = internal::direct;
  const int n = static_cast<int>(x.shape(1)), h = static_cast<int>(x.shape(2));
  const int w = static_cast<int>(x.shape(3));
  const int groups = NumGroups(n);
  const std::size_t x_stride = static_cast<std::size_t>(n) * h * w;
  const std::size_t y_stride = epilogue.pool ? x_stride / 4 : x_stride;
  ws_->Reserve(omp_get_max_threads());
#pragma omp parallel for schedule(dynamic, 1)
  for (int g = 0; g < groups; ++g) {
    const int gb = GroupBegin(g, groups, n);
    const int ge = GroupBegin(g + 1, groups, n);
    T* scratch = ws_->Thread(omp_get_thread_num(), dc::ScratchSize<T>(in_, out_, h, w));
    dc::Forward(x.data(), x_stride, gb, ge - gb, in_, out_, h, w, weight_.data(), epilogue,
                output.data(), y_stride, scratch);
  }
}

// The weight gradient per group as one partial sum per vector lane (reduced once per group),
// groups added in index order; the input gradient per image.
template <typename T>
void Conv2d<T>::DirectBackward(const Tensor<T>& x, const Tensor<T>& output_grad, Tensor<T>* dx) {
  namespace dc = internal::direct;
  const int n = static_cast<int>(x.shape(1)), h = static_cast<int>(x.shape(2));
  const int w = static_cast<int>(x.shape(3));
  const int groups = NumGroups(n);
  const std::size_t x_stride = static_cast<std::size_t>(n) * h * w;
  const std::size_t weights = weight_.size();
  const std::size_t lanes = weights * dc::Lanes<T>();
  const std::size_t slot = lanes + weights + out_;  // lanes, their sums, bias gradients
  ws_->Reserve(omp_get_max_threads());
  T* partials = ws_->Partials(slot);
  const std::size_t plane = static_cast<std::size_t>(h + 2) * dc::PaddedWidth<T>(w);
#pragma omp parallel for schedule(dynamic, 1)
  for (int g = 0; g < groups; ++g) {
    const int gb = GroupBegin(g, groups, n);
    const int ge = GroupBegin(g + 1, groups, n);
    T* lane_sums = partials + g * slot;
    std::fill(lane_sums, lane_sums + slot, T(0));  // in the group's thread
    T* scratch = ws_->Thread(omp_get_thread_num(), dc::ScratchSize<T>(in_, out_, h, w));
    T* p = scratch;
    T* dyp = p + in_ * plane;
    for (int i = gb; i < ge; ++i) {
      const std::size_t offset = static_cast<std::size_t>(i) * h * w;
      dc::PadImage(x.data() + offset, in_, x_stride, h, w, p);
      dc::PadImage(output_grad.data() + offset, out_, x_stride, h, w, dyp);
      dc::AccumulateWeightGradient(p, dyp, in_, out_, h, w, lane_sums);
      if (has_bias_) {
        AddRowSums(output_grad.data() + offset, out_, x_stride, static_cast<std::size_t>(h) * w,
                   lane_sums + lanes + weights);
      }
      if (dx) {
        dc::InputGradient(dyp, in_, out_, h, w, weight_.data(), dx->data() + offset, x_stride);
      }
    }
    dc::ReduceLanes(lane_sums, weights, lane_sums + lanes);
  }
  AddGroupsInOrder(partials, groups, slot, lanes, weights, weight_grad_.data());
  if (has_bias_) AddGroupsInOrder(partials, groups, slot, lanes + weights, out_, bias_grad_.data());
}

// Winograd F(2x2, 3x3) or F(4x4, 3x3) (Scheme): per chunk of images, transform the input tiles,
// one matrix product per tile element, transform back (internal/winograd.h, winograd_f4.h).
// Chunks stay inside the fixed groups, so the result does not depend on the thread count.
template <typename T>
template <typename Scheme>
void Conv2d<T>::WinogradForward(const Tensor<T>& x, Tensor<T>& output,
                                const internal::winograd::OutputEpilogue<T>& epilogue,
                                bool training) {
  constexpr int kElements = Scheme::kElements;
  const WinogradPlan<Scheme> plan(x, out_, in_);
  const int n = plan.n, per_image = plan.per_image, chunk = plan.chunk, groups = plan.groups;
  const typename Scheme::Grid grid = plan.grid;
  const std::size_t x_stride = plan.x_stride;
  TransformWeights<Scheme>(false, !training);
  const std::size_t packed_plane =
      static_cast<std::size_t>(internal::gemm::PackedRows(out_)) * in_;
  // Every chunk is independent here (no sum over the batch), so the chunks of all groups are
  // handed out one at a time to whichever thread is free: on this shared VM one core often runs
  // slower than the other for a while, and a static split waits for the slower one.
  std::vector<std::pair<int, int>> chunks;  // (first image, images)
  for (int g = 0; g < groups; ++g) {
    const int gb = GroupBegin(g, groups, n);
    const int ge = GroupBegin(g + 1, groups, n);
    for (int n0 = gb; n0 < ge; n0 += chunk) chunks.emplace_back(n0, std::min(chunk, ge - n0));
  }
  const int num_chunks = static_cast<int>(chunks.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (int ci = 0; ci < num_chunks; ++ci) {
    const int n0 = chunks[ci].first, m = chunks[ci].second;
    const std::size_t tiles = static_cast<std::size_t>(m) * per_image;
    const std::size_t tp = PaddedTiles<T>(tiles), ld = RowStride<T>(tp);
    const std::size_t xs_in = internal::winograd::XiStride(in_, ld);
    const std::size_t xs_out = internal::winograd::XiStride(out_, ld);
    T* v = ws_->Thread(omp_get_thread_num(), kElements * xs_in + Scheme::ScratchSize(grid, ld));
    T* mm = ws_->Thread2(omp_get_thread_num(), kElements * xs_out);
    const std::size_t offset = static_cast<std::size_t>(n0) * grid.h * grid.w;
    T* scratch = v + kElements * xs_in;
    Scheme::TransformInput(x.data() + offset, in_, x_stride, m, grid, v, ld, scratch);
    ZeroPadding(v, kElements, in_, tiles, tp, ld);
    for (int e = 0; e < kElements; ++e) {
      internal::gemm::Multiply(packed_.data() + e * packed_plane, out_, in_, v + e * xs_in, ld,
                               static_cast<int>(tp), mm + e * xs_out, ld);
    }
    // A pooled output has a quarter of the input's pixels per plane.
    const std::size_t out_offset = epilogue.pool ? offset / 4 : offset;
    const std::size_t out_stride = epilogue.pool ? x_stride / 4 : x_stride;
    Scheme::TransformOutput(mm, out_, ld, m, grid, output.data() + out_offset, out_stride, epilogue,
                            scratch);
  }
}

template <typename T>
void Conv2d<T>::WinogradBackward(const Tensor<T>& x, const Tensor<T>& output_grad, Tensor<T>* dx) {
  namespace wg = internal::winograd;
  const WinogradPlan<WinogradF2<T>> plan(x, out_, in_);
  const int n = plan.n, per_image = plan.per_image, chunk = plan.chunk, groups = plan.groups;
  const wg::Grid grid = plan.grid;
  const std::size_t plane = plan.plane, x_stride = plan.x_stride;
  if (dx) {
    TransformWeights<WinogradF2<T>>(true, false);  // only the input gradient needs them
  } else {
    ws_->Reserve(omp_get_max_threads());
  }
  const std::size_t packed_plane =
      static_cast<std::size_t>(internal::gemm::PackedRows(in_)) * out_;
  const std::size_t grads = wg::kElements * plane;
  const std::size_t slot = grads + out_;  // one group's partial transformed-weight and bias grads
  T* partials = ws_->Partials(slot);
#pragma omp parallel for schedule(dynamic, 1)
  for (int g = 0; g < groups; ++g) {
    const int gb = GroupBegin(g, groups, n);
    const int ge = GroupBegin(g + 1, groups, n);
    T* dug = partials + g * slot;
    T* dbg = dug + grads;
    std::fill(dug, dug + slot, T(0));  // in the group's thread
    for (int n0 = gb; n0 < ge; n0 += chunk) {
      const int m = std::min(chunk, ge - n0);
      const std::size_t tiles = static_cast<std::size_t>(m) * per_image;
      const std::size_t tp = PaddedTiles<T>(tiles), ld = RowStride<T>(tp);
      const Index t = static_cast<Index>(tiles);
      const std::size_t xs_in = wg::XiStride(in_, ld), xs_out = wg::XiStride(out_, ld);
      T* v = ws_->Thread(omp_get_thread_num(), wg::kElements * xs_in + wg::ScratchSize(grid, ld));
      T* scratch = v + wg::kElements * xs_in;
      T* dm = ws_->Thread2(omp_get_thread_num(), wg::kElements * (xs_out + xs_in));
      T* dv = dm + wg::kElements * xs_out;
      const std::size_t offset = static_cast<std::size_t>(n0) * grid.h * grid.w;
      wg::TransformInput(x.data() + offset, in_, x_stride, m, grid, v, ld, scratch);
      wg::TransformOutputGradient(output_grad.data() + offset, out_, x_stride, m, grid, dm, ld,
                                  scratch);
      if (dx) ZeroPadding(dm, wg::kElements, out_, tiles, tp, ld);
      for (int e = 0; e < wg::kElements; ++e) {
        const ConstMatrixMap<T> vm(v + e * xs_in, in_, t, OuterStride<>(static_cast<Index>(ld)));
        const ConstMatrixMap<T> dmm(dm + e * xs_out, out_, t,
                                    OuterStride<>(static_cast<Index>(ld)));
        MatrixMap<T> dum(dug + e * plane, out_, in_, OuterStride<>(in_));
        dum.noalias() += dmm * vm.transpose();
        if (dx) {
          internal::gemm::Multiply(packed_.data() + e * packed_plane, in_, out_, dm + e * xs_out,
                                   ld, static_cast<int>(tp), dv + e * xs_in, ld);
        }
      }
      if (has_bias_) {
        AddRowSums(output_grad.data() + offset, out_, x_stride,
                   static_cast<std::size_t>(m) * grid.h * grid.w, dbg);
      }
      if (dx) {
        wg::ScatterInputGradient(dv, in_, ld, m, grid, dx->data() + offset, x_stride, scratch);
      }
    }
  }
  // Groups are added in index order, whatever thread computed them; then back to 3x3 kernels.
  transformed_grad_.resize(grads);
  AddGroupsInOrder(partials, groups, slot, 0, grads, transformed_grad_.data());
  if (has_bias_) AddGroupsInOrder(partials, groups, slot, grads, out_, bias_grad_.data());
  wg::TransformWeightGradient(transformed_grad_.data(), out_, in_, weight_grad_.data());
}

// ---------------------------------------------------------------------------------------------
// BatchNorm

template <typename T>
BatchNorm<T>::BatchNorm(int channels, double momentum, double eps)
    : channels_(channels), momentum_(momentum), eps_(eps) {
  Require<T>(channels > 0, "BatchNorm: channels must be positive");
  const std::size_t c = channels;
  gamma_ = xt::ones<T>({c});
  beta_ = xt::zeros<T>({c});
  gamma_grad_ = xt::zeros<T>({c});
  beta_grad_ = xt::zeros<T>({c});
  running_mean_ = xt::zeros<T>({c});
  running_var_ = xt::ones<T>({c});
  mean_.assign(c, 0);
  inv_std_.assign(c, 1);
}

template <typename T>
std::vector<Parameter<T>> BatchNorm<T>::Parameters() {
  return {{"gamma", &gamma_, &gamma_grad_, true}, {"beta", &beta_, &beta_grad_, true}};
}

template <typename T>
void BatchNorm<T>::Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output,
                           bool training) {
  const Tensor<T>& x = *inputs.at(0);
  Require<T>(static_cast<int>(x.shape(0)) == channels_, "BatchNorm: channel count mismatch");
  SameShape(x, output);
  const std::size_t m = x.size() / channels_;
  Require<T>(!training || m > 1, "BatchNorm: training needs more than one value per channel");
  last_training_ = training;
  last_forward_pooled_ = false;
#pragma omp parallel for schedule(dynamic, 1)
  for (int c = 0; c < channels_; ++c) {
    ForwardChannel(c, x.data() + c * m, m, training, output.data() + c * m);
  }
}

template <typename T>
void BatchNorm<T>::ForwardChannel(int c, const T* xc, std::size_t m, bool training, T* yc) {
  double mean, inv_std;
  if (training) {
    TrainingStatistics(c, xc, m, &mean, &inv_std);
  } else {
    InferenceStatistics(c, &mean, &inv_std);
  }
  mean_[c] = mean;
  inv_std_[c] = inv_std;
  T scale, shift;
  Affine(c, mean, inv_std, &scale, &shift);
  if (fused_relu_) {
    for (std::size_t i = 0; i < m; ++i) yc[i] = std::max(xc[i] * scale + shift, T(0));
  } else {
    for (std::size_t i = 0; i < m; ++i) yc[i] = xc[i] * scale + shift;
  }
}

template <typename T>
void BatchNorm<T>::TrainingStatistics(int c, const T* xc, std::size_t m, double* mean_out,
                                      double* inv_std_out) {
  // One pass over the data for both moments, shifted by the first value so that the
  // subtraction in the variance does not cancel for large means.
  const double shift = xc[0];
  double s1 = 0, s2 = 0;
  {
    internal::Lanes a1 = {}, a2 = {};
    std::size_t i = 0;
    for (; i + 8 <= m; i += 8) {
      const internal::Lanes d = internal::Load8(xc + i) - shift;
      a1 += d;
      a2 += d * d;
    }
    for (int l = 0; i < m; ++i, ++l) {
      const double d = xc[i] - shift;
      a1[l] += d;
      a2[l] += d * d;
    }
    s1 = internal::Combine(a1);
    s2 = internal::Combine(a2);
  }
  const double mean = shift + s1 / m;
  const double var = std::max(0.0, s2 / m - (s1 / m) * (s1 / m));
  *mean_out = mean;
  *inv_std_out = 1.0 / std::sqrt(var + eps_);
  running_mean_(c) = static_cast<T>((1 - momentum_) * running_mean_(c) + momentum_ * mean);
  running_var_(c) =
      static_cast<T>((1 - momentum_) * running_var_(c) + momentum_ * var * m / (m - 1));
}

template <typename T>
void BatchNorm<T>::InferenceAffine(std::vector<T>* scale, std::vector<T>* shift) const {
  scale->resize(channels_);
  shift->resize(channels_);
  for (int c = 0; c < channels_; ++c) {
    double mean, inv_std;
    InferenceStatistics(c, &mean, &inv_std);
    Affine(c, mean, inv_std, &(*scale)[c], &(*shift)[c]);
  }
}

// Forward(..., false) and InferenceAffine share these two, so that a folded BN gives the same
// bits as the layer.
template <typename T>
void BatchNorm<T>::InferenceStatistics(int c, double* mean, double* inv_std) const {
  *mean = running_mean_(c);
  *inv_std = 1.0 / std::sqrt(static_cast<double>(running_var_(c)) + eps_);
}

template <typename T>
void BatchNorm<T>::Affine(int c, double mean, double inv_std, T* scale, T* shift) const {
  *scale = static_cast<T>(gamma_(c) * inv_std);
  *shift = static_cast<T>(beta_(c) - mean * gamma_(c) * inv_std);
}

template <typename T>
void BatchNorm<T>::Backward(const std::vector<const Tensor<T>*>& inputs,
                            const Tensor<T>& /*output*/, const Tensor<T>& output_grad,
                            const std::vector<Tensor<T>*>& input_grads) {
  const Tensor<T>& x = *inputs.at(0);
  Tensor<T>* dx = input_grads.at(0);
  if (dx) SameShape(x, *dx);
  const std::size_t m = x.size() / channels_;
#pragma omp parallel for schedule(dynamic, 1)
  for (int c = 0; c < channels_; ++c) {
    // The gradient at BN's own output: through the fused ReLU's mask if there is one.
    BackwardChannel(c, x.data() + c * m, m, output_grad.data() + c * m, fused_relu_,
                    dx ? dx->data() + c * m : nullptr);
  }
}

namespace {
// x * scale + shift for x[0..7], rounded in T as Forward's loop rounds it, as doubles (their
// signs are the fused ReLU's mask).
inline internal::Lanes Preactivation8(const float* x, float scale, float shift) {
  using Floats = float __attribute__((vector_size(32)));
  Floats v;
  __builtin_memcpy(&v, x, sizeof v);
  return __builtin_convertvector(v * scale + shift, internal::Lanes);
}
inline internal::Lanes Preactivation8(const double* x, double scale, double shift) {
  return internal::Load8(x) * scale + shift;
}
}  // namespace

template <typename T>
void BatchNorm<T>::BackwardChannel(int c, const T* xc, std::size_t m, const T* dyc, bool relu_mask,
                                   T* dxc) {
  // dy counts where the fused ReLU passed its input, x * scale + shift > 0 as Forward computed
  // it (the same factors from the same statistics, the same rounding: so the ReLU's output need
  // not be read), or everywhere without the mask.
  T scale = 0, shift = 0;
  Affine(c, mean_[c], inv_std_[c], &scale, &shift);
  auto dy = [&](std::size_t i) {
    return relu_mask && !(xc[i] * scale + shift > T(0)) ? T(0) : dyc[i];
  };
  const double mean = mean_[c];
  const double inv_std = inv_std_[c];
  double dbeta = 0, dy_x = 0;  // sum(dy), sum(dy * (x - mean))
  {
    internal::Lanes a1 = {}, a2 = {};
    std::size_t i = 0;
    for (; i + 8 <= m; i += 8) {
      internal::Lanes g = internal::Load8(dyc + i);
      if (relu_mask) g = Preactivation8(xc + i, scale, shift) > 0.0 ? g : 0.0;
      a1 += g;
      a2 += g * (internal::Load8(xc + i) - mean);
    }
    for (int l = 0; i < m; ++i, ++l) {
      a1[l] += dy(i);
      a2[l] += static_cast<double>(dy(i)) * (xc[i] - mean);
    }
    dbeta = internal::Combine(a1);
    dy_x = internal::Combine(a2);
  }
  const double dgamma = dy_x * inv_std;
  gamma_grad_(c) = static_cast<T>(dgamma);
  beta_grad_(c) = static_cast<T>(dbeta);
  if (!dxc) return;
  const T k = static_cast<T>(gamma_(c) * inv_std);
  if (!last_training_) {  // statistics are constants in inference mode
    for (std::size_t i = 0; i < m; ++i) dxc[i] = k * dy(i);
    return;
  }
  const T mean_t = static_cast<T>(mean);
  const T inv_std_t = static_cast<T>(inv_std);
  const T mean_dy = static_cast<T>(dbeta / m);
  const T mean_dy_xhat = static_cast<T>(dgamma / m);
  for (std::size_t i = 0; i < m; ++i) {
    dxc[i] = k * (dy(i) - mean_dy - (xc[i] - mean_t) * inv_std_t * mean_dy_xhat);
  }
}

namespace {
// A thread's buffer of at least n values, kept for the thread's life (OpenMP reuses its
// threads), so that the passes below neither allocate nor zero it each time. It keeps the
// largest size asked for (one channel of the largest map and batch the thread has seen).
template <typename T>
T* ChannelBuffer(std::size_t n) {
  static thread_local std::vector<T> buffer;
  if (buffer.size() < n) buffer.resize(n);
  return buffer.data();
}
}  // namespace

// Both passes go through a buffer of one channel per thread (400-520 KB for the reference
// networks at batch 128, so it stays in the core's L2): the full-size output and its gradient
// are made there and never reach memory.
template <typename T>
void BatchNorm<T>::ForwardMaxPool2(const Tensor<T>& x, Tensor<T>& pooled, bool training) {
  Require<T>(static_cast<int>(x.shape(0)) == channels_, "BatchNorm: channel count mismatch");
  const std::size_t images = x.shape(1), h = x.shape(2), w = x.shape(3);
  Require<T>(h % 2 == 0 && w % 2 == 0 && h > 0 && w > 0,
             "BatchNorm: a fused 2x2 max-pool needs a map of even height and width");
  const std::size_t m = x.size() / channels_;
  Require<T>(!training || m > 1, "BatchNorm: training needs more than one value per channel");
  last_training_ = training;
  last_forward_pooled_ = true;
  EnsureShape(pooled, channels_, images, h / 2, w / 2);
  const std::size_t ow = w / 2, rows = images * (h / 2), outputs = rows * ow;
  pool_winner_.resize(pooled.size());
#pragma omp parallel
  {
    T* buffer = ChannelBuffer<T>(m);
    T* yc = buffer;
#pragma omp for schedule(dynamic, 1)
    for (int c = 0; c < channels_; ++c) {
      // Forward's pass into the buffer, then MaxPool<T>::Forward's over it.
      ForwardChannel(c, x.data() + c * m, m, training, yc);
      T* out = pooled.data() + c * outputs;
      std::int32_t* win = pool_winner_.data() + c * outputs;
      for (std::size_t r = 0; r < rows; ++r) {  // output rows of all the channel's images
        internal::MaxPool2x2Row(yc + 2 * r * w, static_cast<int>(w), static_cast<int>(ow), 0,
                                out + r * ow, win + r * ow);
      }
    }
  }
}

template <typename T>
void BatchNorm<T>::BackwardMaxPool2(const Tensor<T>& x, const Tensor<T>& pooled,
                                    const Tensor<T>& pooled_grad, Tensor<T>* dx) {
  Require<T>(static_cast<int>(x.shape(0)) == channels_, "BatchNorm: channel count mismatch");
  const std::size_t images = x.shape(1), h = x.shape(2), w = x.shape(3);
  Require<T>(h % 2 == 0 && w % 2 == 0, "BatchNorm: a fused 2x2 max-pool needs an even map");
  const std::size_t ow = w / 2, rows = images * (h / 2), outputs = rows * ow;
  Require<T>(last_forward_pooled_ && pooled.size() == channels_ * outputs &&
                 pooled_grad.shape() == pooled.shape() && pool_winner_.size() == pooled.size(),
             "BatchNorm: BackwardMaxPool2 needs the pooled output of ForwardMaxPool2");
  if (dx) SameShape(x, *dx);
  const std::size_t m = x.size() / channels_;
#pragma omp parallel
  {
    T* buffer = ChannelBuffer<T>(m);
    T* dy = buffer;
#pragma omp for schedule(dynamic, 1)
    for (int c = 0; c < channels_; ++c) {
      const T* out = pooled.data() + c * outputs;
      const T* g = pooled_grad.data() + c * outputs;
      const std::int32_t* win = pool_winner_.data() + c * outputs;
      // MaxPool<T>::Backward's gradient (0, and 0 + g at the window's winner), then the ReLU's
      // mask, which at the winner is the pooled value's sign and elsewhere meets a zero.
      std::fill(dy, dy + m, T(0));
      for (std::size_t r = 0; r < rows; ++r) {
        T* d = dy + 2 * r * w;
        for (std::size_t ox = 0; ox < ow; ++ox) {
          const std::size_t o = r * ow + ox;
          T* at = d + win[o];
          *at += g[o];
          if (fused_relu_ && !(out[o] > T(0))) *at = T(0);
        }
      }
      BackwardChannel(c, x.data() + c * m, m, dy, false, dx ? dx->data() + c * m : nullptr);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Relu

template <typename T>
void Relu<T>::Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output, bool) {
  const Tensor<T>& x = *inputs.at(0);
  SameShape(x, output);
  const long long size = static_cast<long long>(x.size());
  const T* xd = x.data();
  T* yd = output.data();
#pragma omp parallel for schedule(static)
  // NaN passes through, as in PyTorch (a ReLU that zeroed it would hide a diverged run from
  // the loss check); finite values are unchanged bit for bit.
  for (long long i = 0; i < size; ++i) yd[i] = xd[i] > T(0) || xd[i] != xd[i] ? xd[i] : T(0);
}

template <typename T>
void Relu<T>::Backward(const std::vector<const Tensor<T>*>&, const Tensor<T>& output,
                       const Tensor<T>& output_grad, const std::vector<Tensor<T>*>& input_grads) {
  Tensor<T>* dx = input_grads.at(0);
  if (!dx) return;
  SameShape(output, *dx);
  const long long size = static_cast<long long>(output.size());
  const T* y = output.data();
  const T* dy = output_grad.data();
  T* d = dx->data();
#pragma omp parallel for schedule(static)
  // PyTorch zeroes the gradient where the output is <= 0 (a NaN output passes it on).
  for (long long i = 0; i < size; ++i) d[i] = y[i] <= T(0) ? T(0) : dy[i];
}

// ---------------------------------------------------------------------------------------------
// MaxPool

template <typename T>
MaxPool<T>::MaxPool(int window) : window_(window) {
  Require<T>(window > 0, "MaxPool: window must be positive");
}

template <typename T>
void MaxPool<T>::Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output, bool) {
  const Tensor<T>& x = *inputs.at(0);
  const int h = static_cast<int>(x.shape(2));
  const int w = static_cast<int>(x.shape(3));
  const int oh = h / window_;
  const int ow = w / window_;
  Require<T>(oh > 0 && ow > 0, "MaxPool: window larger than the input");
  EnsureShape(output, x.shape(0), x.shape(1), oh, ow);
  const long long planes = static_cast<long long>(x.shape(0)) * x.shape(1);
  argmax_.resize(output.size());
#pragma omp parallel for schedule(static)
  for (long long pl = 0; pl < planes; ++pl) {
    const T* in = x.data() + pl * h * w;
    T* out = output.data() + pl * oh * ow;
    std::int32_t* arg = argmax_.data() + pl * oh * ow;
    if (window_ == 2) {  // the blocks' pool: the same rule as below, branch-free and vectorised
      for (int oy = 0; oy < oh; ++oy) {
        internal::MaxPool2x2Row(in + 2 * oy * w, w, ow, 2 * oy * w, out + oy * ow, arg + oy * ow);
      }
      continue;
    }
    for (int oy = 0; oy < oh; ++oy) {
      for (int ox = 0; ox < ow; ++ox) {
        int best = oy * window_ * w + ox * window_;
        T value = in[best];
        for (int dy = 0; dy < window_; ++dy) {
          const T* row = in + (oy * window_ + dy) * w + ox * window_;
          for (int dx = 0; dx < window_; ++dx) {
            if (internal::MaxPoolTakes(row[dx], value)) {
              value = row[dx];
              best = static_cast<int>(row - in) + dx;
            }
          }
        }
        out[oy * ow + ox] = value;
        arg[oy * ow + ox] = best;
      }
    }
  }
}

template <typename T>
void MaxPool<T>::Backward(const std::vector<const Tensor<T>*>& inputs, const Tensor<T>& output,
                          const Tensor<T>& output_grad,
                          const std::vector<Tensor<T>*>& input_grads) {
  Tensor<T>* dx = input_grads.at(0);
  if (!dx) return;
  const Tensor<T>& x = *inputs.at(0);
  SameShape(x, *dx);
  const long long hw = static_cast<long long>(x.shape(2)) * x.shape(3);
  const long long ohw = static_cast<long long>(output.shape(2)) * output.shape(3);
  const long long planes = static_cast<long long>(x.shape(0)) * x.shape(1);
#pragma omp parallel for schedule(static)
  for (long long pl = 0; pl < planes; ++pl) {
    T* d = dx->data() + pl * hw;
    std::fill(d, d + hw, T(0));
    const T* g = output_grad.data() + pl * ohw;
    const std::int32_t* arg = argmax_.data() + pl * ohw;
    for (long long i = 0; i < ohw; ++i) d[arg[i]] += g[i];
  }
}

// ---------------------------------------------------------------------------------------------
// GlobalAvgPool

template <typename T>
void GlobalAvgPool<T>::Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output,
                               bool) {
  const Tensor<T>& x = *inputs.at(0);
  EnsureShape(output, x.shape(0), x.shape(1), 1, 1);
  const std::size_t hw = x.shape(2) * x.shape(3);
  const long long planes = static_cast<long long>(x.shape(0)) * x.shape(1);
#pragma omp parallel for schedule(static)
  for (long long pl = 0; pl < planes; ++pl) {
    const T* in = x.data() + pl * hw;
    output.data()[pl] =
        static_cast<T>(LaneSum(hw, [&](std::size_t i) { return double(in[i]); }) / hw);
  }
}

template <typename T>
void GlobalAvgPool<T>::Backward(const std::vector<const Tensor<T>*>& inputs, const Tensor<T>&,
                                const Tensor<T>& output_grad,
                                const std::vector<Tensor<T>*>& input_grads) {
  Tensor<T>* dx = input_grads.at(0);
  if (!dx) return;
  const Tensor<T>& x = *inputs.at(0);
  SameShape(x, *dx);
  const std::size_t hw = x.shape(2) * x.shape(3);
  const long long planes = static_cast<long long>(x.shape(0)) * x.shape(1);
#pragma omp parallel for schedule(static)
  for (long long pl = 0; pl < planes; ++pl) {
    const T g = output_grad.data()[pl] / static_cast<T>(hw);
    std::fill(dx->data() + pl * hw, dx->data() + (pl + 1) * hw, g);
  }
}

// ---------------------------------------------------------------------------------------------
// FullyConnected

namespace {
template <typename T>
std::size_t CheckedFcWeights(int inputs, int outputs) {
  Require<T>(inputs > 0 && outputs > 0, "FullyConnected: sizes must be positive");
  return static_cast<std::size_t>(inputs) * outputs;
}
}  // namespace

template <typename T>
FullyConnected<T>::FullyConnected(int inputs, int outputs, bool bias)
    : WeightedLayer<T>(CheckedFcWeights<T>(inputs, outputs), static_cast<std::size_t>(outputs),
                       bias),
      in_(inputs),
      out_(outputs) {}

template <typename T>
const T* FullyConnected<T>::Flatten(const Tensor<T>& x) {
  const std::size_t hw = x.shape(2) * x.shape(3);
  if (hw == 1) return x.data();
  const std::size_t c = x.shape(0), n = x.shape(1);
  flat_.resize(c * hw * n);
  for (std::size_t ci = 0; ci < c; ++ci) {
    for (std::size_t ni = 0; ni < n; ++ni) {
      const T* src = x.data() + (ci * n + ni) * hw;
      for (std::size_t i = 0; i < hw; ++i) flat_[(ci * hw + i) * n + ni] = src[i];
    }
  }
  return flat_.data();
}

template <typename T>
void FullyConnected<T>::Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output,
                                bool) {
  const Tensor<T>& x = *inputs.at(0);
  const Index n = static_cast<Index>(x.shape(1));
  Require<T>(static_cast<long long>(x.size()) == static_cast<long long>(in_) * n,
             "FullyConnected: input feature count mismatch");
  EnsureShape(output, out_, n, 1, 1);
  const ConstMatrixMap<T> xm(Flatten(x), in_, n, OuterStride<>(n));
  const ConstMatrixMap<T> wm(weight_.data(), out_, in_, OuterStride<>(in_));
  MatrixMap<T> ym(output.data(), out_, n, OuterStride<>(n));
  const int groups = NumGroups(out_);
#pragma omp parallel for schedule(dynamic, 1)
  for (int g = 0; g < groups; ++g) {
    const int rb = GroupBegin(g, groups, out_);
    const int rows = GroupBegin(g + 1, groups, out_) - rb;
    ym.middleRows(rb, rows).noalias() = wm.middleRows(rb, rows) * xm;
    if (has_bias_) {
      for (int r = rb; r < rb + rows; ++r) ym.row(r).array() += bias_(r);
    }
  }
}

template <typename T>
void FullyConnected<T>::Backward(const std::vector<const Tensor<T>*>& inputs, const Tensor<T>&,
                                 const Tensor<T>& output_grad,
                                 const std::vector<Tensor<T>*>& input_grads) {
  const Tensor<T>& x = *inputs.at(0);
  Tensor<T>* dx = input_grads.at(0);
  const Index n = static_cast<Index>(x.shape(1));
  const std::size_t hw = x.shape(2) * x.shape(3);
  const ConstMatrixMap<T> xm(Flatten(x), in_, n, OuterStride<>(n));
  const ConstMatrixMap<T> wm(weight_.data(), out_, in_, OuterStride<>(in_));
  const ConstMatrixMap<T> dym(output_grad.data(), out_, n, OuterStride<>(n));
  MatrixMap<T> dwm(weight_grad_.data(), out_, in_, OuterStride<>(in_));
  T* dflat = nullptr;
  if (dx) {
    SameShape(x, *dx);
    if (hw == 1) {
      dflat = dx->data();
    } else {
      flat_grad_.resize(static_cast<std::size_t>(in_) * n);
      dflat = flat_grad_.data();
    }
  }
  const int out_groups = NumGroups(out_);
  const int in_groups = NumGroups(in_);
#pragma omp parallel for schedule(dynamic, 1)
  for (int g = 0; g < out_groups + in_groups; ++g) {
    if (g < out_groups) {  // rows of the weight gradient: one dot product over the batch each
      const int rb = GroupBegin(g, out_groups, out_);
      const int rows = GroupBegin(g + 1, out_groups, out_) - rb;
      dwm.middleRows(rb, rows).noalias() = dym.middleRows(rb, rows) * xm.transpose();
      if (has_bias_) {
        for (int r = rb; r < rb + rows; ++r) {
          const T* row = dym.row(r).data();
          bias_grad_(r) = static_cast<T>(LaneSum(n, [&](std::size_t i) { return double(row[i]); }));
        }
      }
    } else if (dflat) {  // rows of the input gradient
      const int gi = g - out_groups;
      const int rb = GroupBegin(gi, in_groups, in_);
      const int rows = GroupBegin(gi + 1, in_groups, in_) - rb;
      MatrixMap<T> dxm(dflat, in_, n, OuterStride<>(n));
      dxm.middleRows(rb, rows).noalias() = wm.middleCols(rb, rows).transpose() * dym;
    }
  }
  if (dx && hw != 1) {
    const std::size_t c = x.shape(0);
    for (std::size_t ci = 0; ci < c; ++ci) {
      for (Index ni = 0; ni < n; ++ni) {
        T* d = dx->data() + (ci * n + ni) * hw;
        for (std::size_t i = 0; i < hw; ++i) d[i] = flat_grad_[(ci * hw + i) * n + ni];
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Dropout

namespace {
std::uint64_t SplitMix64(std::uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

template <typename T>
Dropout<T>::Dropout(double p, std::uint64_t seed) : p_(p), seed_(seed) {
  Require<T>(p >= 0 && p < 1, "Dropout: p must be in [0, 1)");
}

template <typename T>
void Dropout<T>::Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output,
                         bool training) {
  const Tensor<T>& x = *inputs.at(0);
  SameShape(x, output);
  last_training_ = training;
  const long long size = static_cast<long long>(x.size());
  if (!training) {
    std::copy(x.data(), x.data() + size, output.data());
    return;
  }
  mask_.resize(size);
  const std::uint64_t stream = SplitMix64(seed_ ^ SplitMix64(calls_++));
  const T scale = static_cast<T>(1.0 / (1.0 - p_));
#pragma omp parallel for schedule(static)
  for (long long i = 0; i < size; ++i) {
    const double u = (SplitMix64(stream + static_cast<std::uint64_t>(i)) >> 11) * 0x1.0p-53;
    mask_[i] = u >= p_;
    output.data()[i] = mask_[i] ? x.data()[i] * scale : T(0);
  }
}

template <typename T>
void Dropout<T>::Backward(const std::vector<const Tensor<T>*>&, const Tensor<T>& output,
                          const Tensor<T>& output_grad,
                          const std::vector<Tensor<T>*>& input_grads) {
  Tensor<T>* dx = input_grads.at(0);
  if (!dx) return;
  SameShape(output, *dx);
  const long long size = static_cast<long long>(output.size());
  if (!last_training_) {
    std::copy(output_grad.data(), output_grad.data() + size, dx->data());
    return;
  }
  const T scale = static_cast<T>(1.0 / (1.0 - p_));
#pragma omp parallel for schedule(static)
  for (long long i = 0; i < size; ++i) {
    dx->data()[i] = mask_[i] ? output_grad.data()[i] * scale : T(0);
  }
}

// ---------------------------------------------------------------------------------------------
// Add

template <typename T>
void Add<T>::Forward(const std::vector<const Tensor<T>*>& inputs, Tensor<T>& output, bool) {
  const Tensor<T>& a = *inputs.at(0);
  const Tensor<T>& b = *inputs.at(1);
  Require<T>(a.shape() == b.shape(), "Add: input shapes differ");
  SameShape(a, output);
  const long long size = static_cast<long long>(a.size());
#pragma omp parallel for schedule(static)
  for (long long i = 0; i < size; ++i) output.data()[i] = a.data()[i] + b.data()[i];
}

template <typename T>
void Add<T>::Backward(const std::vector<const Tensor<T>*>&, const Tensor<T>& output,
                      const Tensor<T>& output_grad, const std::vector<Tensor<T>*>& input_grads) {
  for (Tensor<T>* dx : input_grads) {
    if (!dx) continue;
    SameShape(output, *dx);
    std::copy(output_grad.data(), output_grad.data() + output_grad.size(), dx->data());
  }
}

// ---------------------------------------------------------------------------------------------
// Loss

template <typename T>
LossResult SoftmaxCrossEntropy(const Tensor<T>& logits, const std::int32_t* labels,
                               double label_smoothing, Tensor<T>* logits_grad) {
  const int k = static_cast<int>(logits.shape(0));
  const int n = static_cast<int>(logits.shape(1));
  Require<T>(logits.shape(2) == 1 && logits.shape(3) == 1, "loss: logits must be K x N x 1 x 1");
  Require<T>(label_smoothing >= 0 && label_smoothing <= 1, "loss: label smoothing not in [0,1]");
  if (logits_grad) EnsureShape(*logits_grad, k, n, 1, 1);
  LossResult result;
  const T* z = logits.data();
  std::vector<double> prob(k);
  double total = 0;
  for (int j = 0; j < n; ++j) {
    const int label = labels[j];
    Require<T>(label >= 0 && label < k,
               "loss: label " + std::to_string(label) + " outside [0, " + std::to_string(k) + ")");
    int best = 0;
    double max = z[j];
    for (int c = 1; c < k; ++c) {
      if (z[c * n + j] > max) {
        max = z[c * n + j];
        best = c;
      }
    }
    if (best == label) ++result.correct;
    double sum = 0, sum_z = 0;
    for (int c = 0; c < k; ++c) {
      prob[c] = std::exp(z[c * n + j] - max);
      sum += prob[c];
      sum_z += z[c * n + j];
    }
    const double lse = max + std::log(sum);
    total += lse - (1 - label_smoothing) * z[label * n + j] - label_smoothing / k * sum_z;
    if (logits_grad) {
      for (int c = 0; c < k; ++c) {
        const double target = (c == label ? 1 - label_smoothing : 0) + label_smoothing / k;
        logits_grad->data()[c * n + j] = static_cast<T>((prob[c] / sum - target) / n);
      }
    }
  }
  result.loss = total / n;
  return result;
}

// ---------------------------------------------------------------------------------------------
// Explicit instantiations.

#define IMCNAS_NN_INSTANTIATE(T)                                                            \
  template class Workspace<T>;                                                              \
  template class WeightedLayer<T>;                                                          \
  template class Conv2d<T>;                                                                 \
  template class BatchNorm<T>;                                                              \
  template class Relu<T>;                                                                   \
  template class MaxPool<T>;                                                                \
  template class GlobalAvgPool<T>;                                                          \
  template class FullyConnected<T>;                                                         \
  template class Dropout<T>;                                                                \
  template class Add<T>;                                                                    \
  template LossResult SoftmaxCrossEntropy<T>(const Tensor<T>&, const std::int32_t*, double, \
                                             Tensor<T>*);

IMCNAS_NN_INSTANTIATE(float)
IMCNAS_NN_INSTANTIATE(double)
#undef IMCNAS_NN_INSTANTIATE

}  // namespace imcnas::nn
