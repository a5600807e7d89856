#include "nas/gp.h"

#include <cmath>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace imcnas::nas {
namespace {

struct Case {
  KernelSpec spec;
  Eigen::MatrixXd xc, tc;
  Eigen::MatrixXi xk, tk;
  Eigen::VectorXd y, theta, mean, variance;
  double lml = 0;
};

Eigen::MatrixXd ToMatrix(const nlohmann::json& j) {
  Eigen::MatrixXd m(j.size(), j.at(0).size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    for (std::size_t k = 0; k < j[i].size(); ++k) m(i, k) = j[i][k].get<double>();
  }
  return m;
}
Eigen::MatrixXi ToIntMatrix(const nlohmann::json& j) {
  Eigen::MatrixXi m(j.size(), j.at(0).size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    for (std::size_t k = 0; k < j[i].size(); ++k) m(i, k) = j[i][k].get<int>();
  }
  return m;
}
Eigen::VectorXd ToVector(const nlohmann::json& j) {
  const auto v = j.get<std::vector<double>>();
  return Eigen::Map<const Eigen::VectorXd>(v.data(), v.size());
}

std::vector<Case> LoadCases() {
  std::ifstream in("testdata/nas/gp_fixtures.json");
  EXPECT_TRUE(in.good()) << "missing testdata/nas/gp_fixtures.json";
  const nlohmann::json j = nlohmann::json::parse(in);
  std::vector<Case> cases;
  for (const auto& c : j.at("cases")) {
    Case k;
    k.xc = ToMatrix(c.at("train_continuous"));
    k.xk = ToIntMatrix(c.at("train_categorical"));
    k.tc = ToMatrix(c.at("test_continuous"));
    k.tk = ToIntMatrix(c.at("test_categorical"));
    k.y = ToVector(c.at("y"));
    k.theta = ToVector(c.at("log_hyperparameters"));
    k.mean = ToVector(c.at("mean"));
    k.variance = ToVector(c.at("variance"));
    k.lml = c.at("log_marginal_likelihood").get<double>();
    k.spec.num_continuous = static_cast<int>(k.xc.cols());
    k.spec.num_categorical = static_cast<int>(k.xk.cols());
    k.spec.combination = c.at("combination") == "sum" ? KernelCombination::kSum
                                                       : KernelCombination::kProduct;
    cases.push_back(k);
  }
  return cases;
}

void ExpectRelative(double actual, double expected, double tolerance, const std::string& what) {
  EXPECT_LE(std::abs(actual - expected), tolerance * std::abs(expected))
      << what << ": " << actual << " vs " << expected;
}

TEST(GaussianProcessTest, MatchesScikitLearnFixtures) {
  const auto cases = LoadCases();
  ASSERT_EQ(cases.size(), 2u);
  for (const Case& c : cases) {
    GaussianProcess gp(c.spec);
    gp.SetHyperparameters(c.theta);
    gp.SetData(c.xc, c.xk, c.y);
    Eigen::VectorXd mean, variance;
    gp.Predict(c.tc, c.tk, &mean, &variance);
    for (Eigen::Index i = 0; i < mean.size(); ++i) {
      ExpectRelative(mean[i], c.mean[i], 1e-8, "mean " + std::to_string(i));
      ExpectRelative(variance[i], c.variance[i], 1e-8, "variance " + std::to_string(i));
    }
    ExpectRelative(gp.LogMarginalLikelihood(), c.lml, 1e-8, "log marginal likelihood");
    EXPECT_EQ(gp.jitter_events(), 0);
  }
}

TEST(GaussianProcessTest, GradientMatchesFiniteDifferences) {
  for (const Case& c : LoadCases()) {
    GaussianProcess gp(c.spec);
    gp.SetData(c.xc, c.xk, c.y);
    // Away from the fixture's point, with different values per entry.
    Eigen::VectorXd theta = c.theta;
    for (Eigen::Index i = 0; i < theta.size(); ++i) theta[i] += 0.1 * std::sin(1.0 + i);
    gp.SetHyperparameters(theta);
    Eigen::VectorXd grad;
    gp.LogMarginalLikelihood(&grad);
    ASSERT_EQ(grad.size(), theta.size());
    for (Eigen::Index i = 0; i < theta.size(); ++i) {
      const double h = 1e-5;
      Eigen::VectorXd tp = theta, tm = theta;
      tp[i] += h;
      tm[i] -= h;
      gp.SetHyperparameters(tp);
      const double fp = gp.LogMarginalLikelihood();
      gp.SetHyperparameters(tm);
      const double fm = gp.LogMarginalLikelihood();
      const double fd = (fp - fm) / (2 * h);
      EXPECT_NEAR(grad[i], fd, 1e-6 * std::max(1.0, std::abs(fd))) << "parameter " << i;
    }
  }
}

TEST(GaussianProcessTest, IncrementalUpdateEqualsDirectSolve) {
  const Case c = LoadCases()[0];
  const int n0 = 20;
  GaussianProcess gp(c.spec);
  gp.SetHyperparameters(c.theta);
  gp.SetData(c.xc.topRows(n0), c.xk.topRows(n0), c.y.head(n0));
  for (Eigen::Index i = n0; i < c.xc.rows(); ++i) {
    gp.AddPoint(c.xc.row(i).transpose(), c.xk.row(i).transpose(), c.y[i]);
  }
  ASSERT_EQ(gp.size(), c.xc.rows());
  // Reference: dense solve with the standardisation of the first n0 outputs.
  const double noise = std::exp(c.theta[c.theta.size() - 1]);
  Eigen::MatrixXd k = gp.Kernel(c.xc, c.xk, c.xc, c.xk);
  k.diagonal().array() += noise;
  const Eigen::VectorXd ys = (c.y.array() - gp.y_mean()) / gp.y_scale();
  const Eigen::MatrixXd ks = gp.Kernel(c.tc, c.tk, c.xc, c.xk);
  const Eigen::MatrixXd kss = gp.Kernel(c.tc, c.tk, c.tc, c.tk);
  const Eigen::FullPivLU<Eigen::MatrixXd> lu(k);
  const Eigen::VectorXd ref_mean = (ks * lu.solve(ys)).array() * gp.y_scale() + gp.y_mean();
  const Eigen::MatrixXd cov = kss - ks * lu.solve(ks.transpose());
  Eigen::VectorXd mean, variance;
  gp.Predict(c.tc, c.tk, &mean, &variance);
  for (Eigen::Index i = 0; i < mean.size(); ++i) {
    ExpectRelative(mean[i], ref_mean[i], 1e-9, "mean");
    ExpectRelative(variance[i], cov(i, i) * gp.y_scale() * gp.y_scale(), 1e-8, "variance");
  }
  EXPECT_NEAR(gp.y_mean(), c.y.head(n0).mean(), 1e-12 * std::abs(gp.y_mean()));
}

TEST(GaussianProcessTest, FittingRaisesLikelihoodAndIsSeeded) {
  const Case c = LoadCases()[0];
  GaussianProcess a(c.spec), b(c.spec);
  a.SetData(c.xc, c.xk, c.y);
  b.SetData(c.xc, c.xk, c.y);
  const double before = a.LogMarginalLikelihood();
  Rng ra(5), rb(5);
  a.FitHyperparameters(ra, {4, 60});
  b.FitHyperparameters(rb, {4, 60});
  EXPECT_GT(a.LogMarginalLikelihood(), before + 1.0);
  EXPECT_EQ(a.hyperparameters(), b.hyperparameters());
  // Near a stationary point: the gradient is small compared to where we started.
  Eigen::VectorXd g0, g1;
  GaussianProcess fresh(c.spec);
  fresh.SetData(c.xc, c.xk, c.y);
  fresh.LogMarginalLikelihood(&g0);
  a.LogMarginalLikelihood(&g1);
  Eigen::VectorXd lo, hi;
  a.HyperparameterBounds(&lo, &hi);
  double free_norm = 0;
  for (Eigen::Index i = 0; i < g1.size(); ++i) {
    const double t = a.hyperparameters()[i];
    if (t > lo[i] + 1e-9 && t < hi[i] - 1e-9) free_norm += g1[i] * g1[i];
  }
  EXPECT_LT(std::sqrt(free_norm), 0.1 * g0.norm());
}

TEST(GaussianProcessTest, JitterOnSingularKernelWithWarning) {
  KernelSpec spec{2, 1, KernelCombination::kProduct};
  GaussianProcess gp(spec);
  Eigen::VectorXd theta = gp.DefaultHyperparameters();
  theta[theta.size() - 1] = -700.0;  // noise exp(-700): numerically zero
  gp.SetHyperparameters(theta);
  Eigen::MatrixXd xc(3, 2);
  xc << 0.1, 0.2, 0.1, 0.2, 0.7, 0.9;  // a repeated point makes K singular
  Eigen::MatrixXi xk(3, 1);
  xk << 0, 0, 1;
  gp.SetData(xc, xk, Eigen::Vector3d(1.0, 1.1, 3.0));
  EXPECT_EQ(gp.jitter_events(), 1);
  EXPECT_GT(gp.jitter(), 0.0);
  Eigen::VectorXd mean, variance;
  gp.Predict(xc, xk, &mean, &variance);
  EXPECT_TRUE(mean.allFinite());
  EXPECT_NEAR(mean[2], 3.0, 1e-3);
}

TEST(GaussianProcessTest, RejectsBadInput) {
  GaussianProcess gp(KernelSpec{2, 1, KernelCombination::kProduct});
  Eigen::MatrixXd xc(2, 3);
  xc.setZero();
  Eigen::MatrixXi xk(2, 1);
  xk.setZero();
  EXPECT_THROW(gp.SetData(xc, xk, Eigen::Vector2d(1, 2)), std::invalid_argument);
  Eigen::MatrixXd ok(2, 2);
  ok << 0, 0, 1, std::nan("");
  EXPECT_THROW(gp.SetData(ok, xk, Eigen::Vector2d(1, 2)), std::invalid_argument);
  EXPECT_THROW(gp.SetHyperparameters(Eigen::VectorXd::Zero(2)), std::invalid_argument);
}

}  // namespace
}  // namespace imcnas::nas
