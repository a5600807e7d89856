// Exact Gaussian-process regression on Eigen, written for the search space's mixed encoding
// (search_space.h: continuous entries in [0, 1] and categorical block kinds).
//
// Kernel: Matérn 5/2 with automatic relevance determination (one length-scale per continuous
// entry) and an overlap (Hamming) kernel over the categorical entries, multiplied or added:
//   matern(x, x')  = (1 + sqrt5 r + 5 r^2 / 3) exp(-sqrt5 r),   r^2 = sum_d ((x_d - x'_d) / l_d)^2
//   hamming(z, z') = exp(-sum_k w_k [z_k != z'_k])
//   product: k = s2 * matern * hamming          sum: k = s2m * matern + s2h * hamming
// The Hamming kernel is positive definite for every w_k >= 0: per entry its Gram matrix is
// (1 - e^-w) I + e^-w 11^T on the categories. It equals an RBF on one-hot columns with
// length-scale 1 / sqrt(w_k), which is how the scikit-learn fixtures express it.
//
// Hyperparameters are natural logarithms, in this order:
//   product: [log s2, log l_1..l_Dc, log w_1..w_Dk, log noise]
//   sum:     [log s2m, log l_1..l_Dc, log s2h, log w_1..w_Dk, log noise]
// Outputs are standardised (y - mean) / std (population std; 1 if the outputs are constant),
// as scikit-learn's normalize_y, and the noise variance is in standardised units. Predictions are
// of the latent function, in the original units.
#ifndef IMCNAS_NAS_GP_H_
#define IMCNAS_NAS_GP_H_

#include <Eigen/Dense>

#include "nas/random.h"

namespace imcnas::nas {

enum class KernelCombination { kProduct, kSum };

struct KernelSpec {
  int num_continuous = 0;
  int num_categorical = 0;
  KernelCombination combination = KernelCombination::kProduct;
};

struct FitOptions {
  int starts = 3;         // the current hyperparameters plus (starts - 1) seeded random ones
  int iterations = 60;    // Rprop iterations per start
};

class GaussianProcess {
 public:
  explicit GaussianProcess(KernelSpec spec);

  const KernelSpec& spec() const { return spec_; }
  int num_hyperparameters() const;
  // A neutral starting point: unit variances, length-scales 0.5, weights 1, noise 1e-3.
  Eigen::VectorXd DefaultHyperparameters() const;
  // Box in which fitting keeps the hyperparameters (log space).
  void HyperparameterBounds(Eigen::VectorXd* lower, Eigen::VectorXd* upper) const;

  // Replaces the training data and standardises y. Throws std::invalid_argument on shape
  // mismatch, non-finite values or negative categories. Refactorises with the current
  // hyperparameters.
  void SetData(const Eigen::MatrixXd& continuous, const Eigen::MatrixXi& categorical,
               const Eigen::VectorXd& y);
  // Sets the hyperparameters and refactorises.
  void SetHyperparameters(const Eigen::VectorXd& log_params);
  const Eigen::VectorXd& hyperparameters() const { return theta_; }

  // Log marginal likelihood of the standardised outputs at the current hyperparameters, and its
  // gradient with respect to the log hyperparameters when `gradient` is not null.
  double LogMarginalLikelihood(Eigen::VectorXd* gradient = nullptr) const;

  // Maximises the log marginal likelihood by iRprop- from several starts (the current
  // hyperparameters first, then seeded random ones) and keeps the best.
  void FitHyperparameters(Rng& rng, const FitOptions& options = {});

  // Adds one observation in O(n^2): extends the Cholesky factor by one row, keeps the
  // hyperparameters and the output standardisation of the last SetData.
  void AddPoint(const Eigen::VectorXd& continuous, const Eigen::VectorXi& categorical, double y);

  // Latent predictive mean and variance at m points, in the original output units.
  void Predict(const Eigen::MatrixXd& continuous, const Eigen::MatrixXi& categorical,
               Eigen::VectorXd* mean, Eigen::VectorXd* variance) const;

  // Kernel matrix between two point sets at the current hyperparameters (no noise).
  Eigen::MatrixXd Kernel(const Eigen::MatrixXd& c1, const Eigen::MatrixXi& k1,
                         const Eigen::MatrixXd& c2, const Eigen::MatrixXi& k2) const;

  int size() const { return static_cast<int>(y_.size()); }
  double y_mean() const { return y_mean_; }
  double y_scale() const { return y_scale_; }
  // Diagonal jitter added to the last factorisation (0 normally).
  double jitter() const { return jitter_; }
  int jitter_events() const { return jitter_events_; }

 private:
  struct Unpacked {
    double s2m, s2h, noise;
    Eigen::VectorXd inv_length;  // 1 / l_d
    Eigen::VectorXd weight;      // w_k
  };
  Unpacked Unpack(const Eigen::VectorXd& theta) const;
  double PriorVariance(const Unpacked& u) const;
  // Computes K (with noise) at the current hyperparameters and factorises it into `chol`,
  // adding jitter if needed.
  void Factorise(Eigen::MatrixXd* chol, double* jitter, bool log_warning) const;
  double Lml(const Eigen::VectorXd& theta, Eigen::VectorXd* gradient) const;
  void Refactorise();

  KernelSpec spec_;
  Eigen::VectorXd theta_;
  Eigen::MatrixXd xc_;
  Eigen::MatrixXi xk_;
  Eigen::VectorXd y_;  // standardised
  double y_mean_ = 0.0;
  double y_scale_ = 1.0;
  Eigen::MatrixXd chol_;  // lower-triangular factor of K + (noise + jitter) I
  Eigen::VectorXd alpha_;
  double jitter_ = 0.0;
  mutable int jitter_events_ = 0;
};

}  // namespace imcnas::nas

#endif  // IMCNAS_NAS_GP_H_
