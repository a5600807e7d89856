#include "nas/gp.h"

#include <cmath>
#include <iostream>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

namespace imcnas::nas {
namespace {

constexpr double kSqrt5 = 2.23606797749978969640917366873128;
constexpr double kLog2Pi = 1.83787706640934548356065947281123;

// Matérn 5/2 value and (d matern / d log l_d) / (dx_d / l_d)^2 (the common factor of its
// length-scale derivatives), from r.
inline void Matern(double r, double* value, double* gradient_factor) {
  const double s = kSqrt5 * r;
  const double e = std::exp(-s);
  *value = (1.0 + s + s * s / 3.0) * e;
  *gradient_factor = (5.0 / 3.0) * (1.0 + s) * e;
}

void CheckData(const Eigen::MatrixXd& c, const Eigen::MatrixXi& k, const KernelSpec& spec,
               const char* what) {
  if (c.cols() != spec.num_continuous || k.cols() != spec.num_categorical || c.rows() != k.rows()) {
    throw std::invalid_argument(std::string("GaussianProcess: ") + what + ": expected " +
                                std::to_string(spec.num_continuous) + " continuous and " +
                                std::to_string(spec.num_categorical) +
                                " categorical columns with equal row counts");
  }
  if (!c.allFinite()) {
    throw std::invalid_argument(std::string("GaussianProcess: ") + what + ": non-finite input");
  }
  if (k.size() > 0 && k.minCoeff() < 0) {
    throw std::invalid_argument(std::string("GaussianProcess: ") + what + ": negative category");
  }
}

}  // namespace

GaussianProcess::GaussianProcess(KernelSpec spec) : spec_(spec) {
  if (spec.num_continuous < 0 || spec.num_categorical < 0 ||
      spec.num_continuous + spec.num_categorical == 0) {
    throw std::invalid_argument("GaussianProcess: the kernel needs at least one input column");
  }
  theta_ = DefaultHyperparameters();
  xc_.resize(0, spec.num_continuous);
  xk_.resize(0, spec.num_categorical);
}

int GaussianProcess::num_hyperparameters() const {
  return 1 + spec_.num_continuous + (spec_.combination == KernelCombination::kSum ? 1 : 0) +
         spec_.num_categorical + 1;
}

Eigen::VectorXd GaussianProcess::DefaultHyperparameters() const {
  Eigen::VectorXd t(num_hyperparameters());
  int p = 0;
  t[p++] = 0.0;
  for (int d = 0; d < spec_.num_continuous; ++d) t[p++] = std::log(0.5);
  if (spec_.combination == KernelCombination::kSum) t[p++] = 0.0;
  for (int k = 0; k < spec_.num_categorical; ++k) t[p++] = 0.0;
  t[p++] = std::log(1e-3);
  return t;
}

void GaussianProcess::HyperparameterBounds(Eigen::VectorXd* lower, Eigen::VectorXd* upper) const {
  const int n = num_hyperparameters();
  lower->resize(n);
  upper->resize(n);
  int p = 0;
  auto set = [&](double lo, double hi) {
    (*lower)[p] = std::log(lo);
    (*upper)[p] = std::log(hi);
    ++p;
  };
  set(1e-2, 1e2);
  for (int d = 0; d < spec_.num_continuous; ++d) set(1e-2, 1e2);
  if (spec_.combination == KernelCombination::kSum) set(1e-2, 1e2);
  for (int k = 0; k < spec_.num_categorical; ++k) set(1e-3, 1e2);
  set(1e-6, 1.0);
}

GaussianProcess::Unpacked GaussianProcess::Unpack(const Eigen::VectorXd& theta) const {
  if (theta.size() != num_hyperparameters() || !theta.allFinite()) {
    throw std::invalid_argument("GaussianProcess: expected " +
                                std::to_string(num_hyperparameters()) +
                                " finite log hyperparameters");
  }
  Unpacked u;
  int p = 0;
  u.s2m = std::exp(theta[p++]);
  u.inv_length.resize(spec_.num_continuous);
  for (int d = 0; d < spec_.num_continuous; ++d) u.inv_length[d] = std::exp(-theta[p++]);
  u.s2h = spec_.combination == KernelCombination::kSum ? std::exp(theta[p++]) : u.s2m;
  u.weight.resize(spec_.num_categorical);
  for (int k = 0; k < spec_.num_categorical; ++k) u.weight[k] = std::exp(theta[p++]);
  u.noise = std::exp(theta[p++]);
  return u;
}

double GaussianProcess::PriorVariance(const Unpacked& u) const {
  if (spec_.combination == KernelCombination::kSum) {
    return (spec_.num_continuous > 0 ? u.s2m : 0.0) + (spec_.num_categorical > 0 ? u.s2h : 0.0);
  }
  return u.s2m;
}

Eigen::MatrixXd GaussianProcess::Kernel(const Eigen::MatrixXd& c1, const Eigen::MatrixXi& k1,
                                        const Eigen::MatrixXd& c2,
                                        const Eigen::MatrixXi& k2) const {
  CheckData(c1, k1, spec_, "Kernel");
  CheckData(c2, k2, spec_, "Kernel");
  const Unpacked u = Unpack(theta_);
  const Eigen::MatrixXd a = c1 * u.inv_length.asDiagonal();
  const Eigen::MatrixXd b = c2 * u.inv_length.asDiagonal();
  const bool product = spec_.combination == KernelCombination::kProduct;
  const bool has_c = spec_.num_continuous > 0, has_k = spec_.num_categorical > 0;
  Eigen::MatrixXd out(c1.rows(), c2.rows());
  for (Eigen::Index j = 0; j < c2.rows(); ++j) {
    for (Eigen::Index i = 0; i < c1.rows(); ++i) {
      double r2 = 0.0;
      for (int d = 0; d < spec_.num_continuous; ++d) {
        const double dx = a(i, d) - b(j, d);
        r2 += dx * dx;
      }
      double hs = 0.0;
      for (int k = 0; k < spec_.num_categorical; ++k) {
        if (k1(i, k) != k2(j, k)) hs += u.weight[k];
      }
      double m, g;
      Matern(std::sqrt(r2), &m, &g);
      const double h = std::exp(-hs);
      if (product) {
        out(i, j) = u.s2m * (has_c ? m : 1.0) * (has_k ? h : 1.0);
      } else {
        out(i, j) = (has_c ? u.s2m * m : 0.0) + (has_k ? u.s2h * h : 0.0);
      }
    }
  }
  return out;
}

void GaussianProcess::Factorise(Eigen::MatrixXd* chol, double* jitter, bool log_warning) const {
  const Unpacked u = Unpack(theta_);
  Eigen::MatrixXd k = Kernel(xc_, xk_, xc_, xk_);
  k.diagonal().array() += u.noise;
  const Eigen::Index n = k.rows();
  *jitter = 0.0;
  Eigen::LLT<Eigen::MatrixXd> llt(k);
  if (llt.info() == Eigen::Success && llt.matrixLLT().allFinite()) {
    *chol = llt.matrixL();
    return;
  }
  const double scale = n > 0 ? k.diagonal().mean() : 1.0;
  for (double j = 1e-10; j <= 1.0; j *= 10.0) {
    Eigen::MatrixXd kj = k;
    kj.diagonal().array() += j * scale;
    llt.compute(kj);
    if (llt.info() == Eigen::Success && llt.matrixLLT().allFinite()) {
      *jitter = j * scale;
      *chol = llt.matrixL();
      if (log_warning) {
        ++jitter_events_;
        std::cerr << "[nas] warning: GaussianProcess: kernel matrix (n=" << n
                  << ") not positive definite; added jitter " << *jitter << " to its diagonal\n";
      }
      return;
    }
  }
  throw std::runtime_error("GaussianProcess: Cholesky factorisation failed even with jitter");
}

void GaussianProcess::Refactorise() {
  if (y_.size() == 0) {
    chol_.resize(0, 0);
    alpha_.resize(0);
    return;
  }
  Factorise(&chol_, &jitter_, true);
  alpha_ = chol_.triangularView<Eigen::Lower>().solve(y_);
  chol_.triangularView<Eigen::Lower>().transpose().solveInPlace(alpha_);
}

void GaussianProcess::SetData(const Eigen::MatrixXd& continuous, const Eigen::MatrixXi& categorical,
                              const Eigen::VectorXd& y) {
  CheckData(continuous, categorical, spec_, "SetData");
  if (y.size() != continuous.rows()) {
    throw std::invalid_argument("GaussianProcess::SetData: " + std::to_string(y.size()) +
                                " outputs for " + std::to_string(continuous.rows()) + " inputs");
  }
  if (!y.allFinite()) throw std::invalid_argument("GaussianProcess::SetData: non-finite output");
  xc_ = continuous;
  xk_ = categorical;
  const Eigen::Index n = y.size();
  y_mean_ = n > 0 ? y.mean() : 0.0;
  y_scale_ = n > 0 ? std::sqrt((y.array() - y_mean_).square().sum() / static_cast<double>(n)) : 1.0;
  if (!(y_scale_ > 0.0)) y_scale_ = 1.0;  // constant outputs, as scikit-learn
  y_ = (y.array() - y_mean_) / y_scale_;
  Refactorise();
}

void GaussianProcess::SetHyperparameters(const Eigen::VectorXd& log_params) {
  Unpack(log_params);  // validates
  theta_ = log_params;
  Refactorise();
}

double GaussianProcess::LogMarginalLikelihood(Eigen::VectorXd* gradient) const {
  return Lml(theta_, gradient);
}

double GaussianProcess::Lml(const Eigen::VectorXd& theta, Eigen::VectorXd* gradient) const {
  const Unpacked u = Unpack(theta);
  const Eigen::Index n = y_.size();
  const int np = num_hyperparameters();
  if (n == 0) {
    if (gradient) gradient->setZero(np);
    return 0.0;
  }
  const bool product = spec_.combination == KernelCombination::kProduct;
  const bool has_c = spec_.num_continuous > 0, has_k = spec_.num_categorical > 0;
  const int dc = spec_.num_continuous, dk = spec_.num_categorical;
  // Points as columns, so one point's entries are contiguous.
  const Eigen::MatrixXd xt = (xc_ * u.inv_length.asDiagonal()).transpose();
  const Eigen::MatrixXi zt = xk_.transpose();
  Eigen::MatrixXd mat(n, n), gfac(n, n), ham(n, n), k(n, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index i = j; i < n; ++i) {
      const double r2 = has_c ? (xt.col(i) - xt.col(j)).squaredNorm() : 0.0;
      double hs = 0.0;
      for (int c = 0; c < dk; ++c) hs += zt(c, i) != zt(c, j) ? u.weight[c] : 0.0;
      double m = 1.0, g = 0.0;
      if (has_c) Matern(std::sqrt(r2), &m, &g);
      const double h = has_k ? std::exp(-hs) : 1.0;
      mat(i, j) = m;
      gfac(i, j) = g;
      ham(i, j) = h;
      const double v = product ? u.s2m * m * h
                               : (has_c ? u.s2m * m : 0.0) + (has_k ? u.s2h * h : 0.0);
      k(i, j) = k(j, i) = v;
    }
  }
  k.diagonal().array() += u.noise;
  Eigen::LLT<Eigen::MatrixXd> llt(k);
  if (llt.info() != Eigen::Success || !llt.matrixLLT().allFinite()) {
    // The same jitter ladder as Factorise; the gradient treats the jitter as a constant.
    const double scale = k.diagonal().mean();
    bool ok = false;
    for (double j = 1e-10; j <= 1.0 && !ok; j *= 10.0) {
      Eigen::MatrixXd kj = k;
      kj.diagonal().array() += j * scale;
      llt.compute(kj);
      ok = llt.info() == Eigen::Success && llt.matrixLLT().allFinite();
    }
    if (!ok) {
      if (gradient) gradient->setZero(np);
      return -std::numeric_limits<double>::infinity();
    }
  }
  const Eigen::MatrixXd& lmat = llt.matrixLLT();
  const Eigen::VectorXd alpha = llt.solve(y_);
  double log_det_half = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) log_det_half += std::log(lmat(i, i));
  const double lml = -0.5 * y_.dot(alpha) - log_det_half - 0.5 * static_cast<double>(n) * kLog2Pi;
  if (!gradient) return lml;

  // d lml / d p = 1/2 sum_ij W_ij dK_ij/dp with W = alpha alpha^T - K^-1. K^-1 comes from
  // triangular solves: Eigen runs general matrix products on OpenMP threads, which spin and
  // crawl on a busy machine, while its triangular solves stay on this thread.
  const Eigen::MatrixXd kinv = llt.solve(Eigen::MatrixXd::Identity(n, n));
  double g_s2m = 0.0, g_s2h = 0.0, w_trace = 0.0;
  Eigen::VectorXd g_len = Eigen::VectorXd::Zero(dc), g_w = Eigen::VectorXd::Zero(dk);
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index i = j; i < n; ++i) {
      // Off-diagonal pairs count twice (W and dK are symmetric).
      const double w = (alpha[i] * alpha[j] - kinv(i, j)) * (i == j ? 1.0 : 2.0);
      if (i == j) w_trace += w;
      const double m = mat(i, j), h = ham(i, j);
      if (product) {
        g_s2m += w * u.s2m * m * h;
      } else {
        g_s2m += has_c ? w * u.s2m * m : 0.0;
        g_s2h += has_k ? w * u.s2h * h : 0.0;
      }
      if (has_c && i != j) {
        // dk/dlog l_d = A (dx_d / l_d)^2, A = s2 h g (product) or s2m g (sum).
        const double a = w * u.s2m * gfac(i, j) * (product ? h : 1.0);
        g_len.array() += a * (xt.col(i) - xt.col(j)).array().square();
      }
      if (has_k && i != j) {
        // dk/dlog w_c = -B w_c [z_c != z'_c], B = s2 m h (product) or s2h h (sum).
        const double bfac = w * (product ? u.s2m * m * h : u.s2h * h);
        for (int c = 0; c < dk; ++c) {
          if (zt(c, i) != zt(c, j)) g_w[c] += bfac;
        }
      }
    }
  }
  gradient->setZero(np);
  int p = 0;
  (*gradient)[p++] = 0.5 * g_s2m;
  for (int d = 0; d < dc; ++d) (*gradient)[p++] = 0.5 * g_len[d];
  if (!product) (*gradient)[p++] = 0.5 * g_s2h;
  for (int c = 0; c < dk; ++c) (*gradient)[p++] = -0.5 * u.weight[c] * g_w[c];
  (*gradient)[p++] = 0.5 * u.noise * w_trace;
  return lml;
}

void GaussianProcess::FitHyperparameters(Rng& rng, const FitOptions& options) {
  if (y_.size() == 0) return;
  Eigen::VectorXd lo, hi;
  HyperparameterBounds(&lo, &hi);
  const int np = num_hyperparameters();
  Eigen::VectorXd best_theta = theta_;
  for (int i = 0; i < np; ++i) best_theta[i] = std::min(std::max(best_theta[i], lo[i]), hi[i]);
  double best = Lml(best_theta, nullptr);
  for (int start = 0; start < std::max(1, options.starts); ++start) {
    Eigen::VectorXd t = best_theta;
    if (start > 0) {
      // Random starts in a plausible sub-box: variances 0.3..3, length-scales 0.1..3,
      // category weights 0.1..3, noise 1e-4..1e-1.
      int p = 0;
      t[p++] = rng.Uniform(std::log(0.3), std::log(3.0));
      for (int d = 0; d < spec_.num_continuous; ++d) t[p++] = rng.Uniform(std::log(0.1), std::log(3.0));
      if (spec_.combination == KernelCombination::kSum) {
        t[p++] = rng.Uniform(std::log(0.3), std::log(3.0));
      }
      for (int c = 0; c < spec_.num_categorical; ++c) t[p++] = rng.Uniform(std::log(0.1), std::log(3.0));
      t[p++] = rng.Uniform(std::log(1e-4), std::log(1e-1));
    }
    Eigen::VectorXd step = Eigen::VectorXd::Constant(np, 0.1);
    Eigen::VectorXd previous = Eigen::VectorXd::Zero(np);
    Eigen::VectorXd grad;
    std::vector<double> history;
    double best_this_start = -std::numeric_limits<double>::infinity();
    for (int it = 0; it < options.iterations; ++it) {
      const double value = Lml(t, &grad);
      if (!std::isfinite(value)) break;
      if (value > best) {
        best = value;
        best_theta = t;
      }
      double largest = 0.0;
      for (int i = 0; i < np; ++i) {
        const double s = previous[i] * grad[i];
        if (s > 0) {
          step[i] = std::min(step[i] * 1.2, 1.0);
        } else if (s < 0) {
          step[i] = std::max(step[i] * 0.5, 1e-6);
          grad[i] = 0.0;  // iRprop-: no move after a sign change
        }
        if (grad[i] > 0) {
          t[i] = std::min(t[i] + step[i], hi[i]);
        } else if (grad[i] < 0) {
          t[i] = std::max(t[i] - step[i], lo[i]);
        }
        largest = std::max(largest, step[i]);
      }
      previous = grad;
      if (largest < 1e-5) break;
      // Converged: the best value has not moved by 1e-4 in the last 10 iterations.
      history.push_back(best_this_start = std::max(best_this_start, value));
      if (history.size() > 10 && history.back() - history[history.size() - 11] < 1e-4) break;
    }
    const double value = Lml(t, nullptr);
    if (value > best) {
      best = value;
      best_theta = t;
    }
  }
  SetHyperparameters(best_theta);
}

void GaussianProcess::AddPoint(const Eigen::VectorXd& continuous, const Eigen::VectorXi& categorical,
                               double y) {
  const Eigen::MatrixXd c = continuous.transpose();
  const Eigen::MatrixXi k = categorical.transpose();
  CheckData(c, k, spec_, "AddPoint");
  if (!std::isfinite(y)) throw std::invalid_argument("GaussianProcess::AddPoint: non-finite y");
  const Eigen::Index n = y_.size();
  const Eigen::VectorXd kx = Kernel(xc_, xk_, c, k).col(0);
  const double kxx = Kernel(c, k, c, k)(0, 0) + Unpack(theta_).noise + jitter_;
  xc_.conservativeResize(n + 1, Eigen::NoChange);
  xc_.row(n) = c.row(0);
  xk_.conservativeResize(n + 1, Eigen::NoChange);
  xk_.row(n) = k.row(0);
  y_.conservativeResize(n + 1);
  y_[n] = (y - y_mean_) / y_scale_;
  const Eigen::VectorXd l =
      n > 0 ? Eigen::VectorXd(chol_.triangularView<Eigen::Lower>().solve(kx)) : Eigen::VectorXd();
  const double d2 = kxx - l.squaredNorm();
  if (!(d2 > 1e-12 * kxx)) {
    Refactorise();  // the extended factor would not be positive definite: redo it with jitter
    return;
  }
  chol_.conservativeResize(n + 1, n + 1);
  chol_.col(n).setZero();
  chol_.row(n).head(n) = l.transpose();
  chol_(n, n) = std::sqrt(d2);
  alpha_ = chol_.triangularView<Eigen::Lower>().solve(y_);
  chol_.triangularView<Eigen::Lower>().transpose().solveInPlace(alpha_);
}

void GaussianProcess::Predict(const Eigen::MatrixXd& continuous, const Eigen::MatrixXi& categorical,
                              Eigen::VectorXd* mean, Eigen::VectorXd* variance) const {
  CheckData(continuous, categorical, spec_, "Predict");
  const Unpacked u = Unpack(theta_);
  const double prior = PriorVariance(u);
  const Eigen::Index m = continuous.rows();
  if (y_.size() == 0) {
    mean->setConstant(m, y_mean_);
    variance->setConstant(m, prior * y_scale_ * y_scale_);
    return;
  }
  const Eigen::MatrixXd ks = Kernel(continuous, categorical, xc_, xk_);  // m x n
  *mean = (ks * alpha_).array() * y_scale_ + y_mean_;
  const Eigen::MatrixXd v = chol_.triangularView<Eigen::Lower>().solve(ks.transpose());
  variance->resize(m);
  for (Eigen::Index i = 0; i < m; ++i) {
    (*variance)[i] = std::max(prior - v.col(i).squaredNorm(), 0.0) * (y_scale_ * y_scale_);
  }
}

}  // namespace imcnas::nas
