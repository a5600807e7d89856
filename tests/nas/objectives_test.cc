#include "nas/objectives.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include <gtest/gtest.h>

#include "nas/acquisition.h"
#include "nas/random.h"

namespace imcnas::nas {
namespace {

// Brute force: compress coordinates into a grid and add up every grid cell whose lower corner
// is dominated by some point. Exact for any dimension.
double BruteForceHypervolume(const std::vector<std::vector<double>>& pts,
                             const std::vector<double>& ref) {
  const std::size_t m = ref.size();
  std::vector<std::vector<double>> axis(m);
  for (std::size_t k = 0; k < m; ++k) {
    std::set<double> s{ref[k]};
    for (const auto& p : pts) {
      if (p[k] < ref[k]) s.insert(p[k]);
    }
    axis[k].assign(s.begin(), s.end());
  }
  double total = 0;
  std::vector<std::size_t> cell(m, 0);
  for (;;) {
    bool valid = true;
    for (std::size_t k = 0; k < m; ++k) valid = valid && cell[k] + 1 < axis[k].size();
    if (valid) {
      bool dominated = false;
      for (const auto& p : pts) {
        bool all = true;
        for (std::size_t k = 0; k < m && all; ++k) all = p[k] <= axis[k][cell[k]];
        if (all) {
          dominated = true;
          break;
        }
      }
      if (dominated) {
        double v = 1;
        for (std::size_t k = 0; k < m; ++k) v *= axis[k][cell[k] + 1] - axis[k][cell[k]];
        total += v;
      }
    }
    std::size_t k = 0;
    while (k < m && ++cell[k] >= axis[k].size()) cell[k++] = 0;
    if (k == m) break;
  }
  return total;
}

TEST(HypervolumeTest, KnownValues) {
  EXPECT_DOUBLE_EQ(Hypervolume({{1, 2}, {2, 1}}, {3, 3}), 3.0);
  EXPECT_DOUBLE_EQ(Hypervolume({{1, 1, 1}}, {2, 3, 4}), 6.0);
  EXPECT_DOUBLE_EQ(Hypervolume({{5, 0}}, {3, 3}), 0.0);  // outside the box
  EXPECT_DOUBLE_EQ(Hypervolume({}, {3, 3}), 0.0);
  EXPECT_DOUBLE_EQ(Hypervolume({{0.5}}, {2}), 1.5);
  EXPECT_THROW(Hypervolume({{1, 2, 3, 4}}, {5, 5, 5, 5}), std::invalid_argument);
  EXPECT_THROW(Hypervolume({{1, 2}}, {5, 5, 5}), std::invalid_argument);
}

TEST(HypervolumeTest, MatchesBruteForceOnRandomSets) {
  Rng rng(2024);
  for (int m = 2; m <= 3; ++m) {
    for (int trial = 0; trial < 300; ++trial) {
      const int n = 1 + static_cast<int>(rng.UniformInt(m == 2 ? 40 : 15));
      std::vector<std::vector<double>> pts(n, std::vector<double>(m));
      for (auto& p : pts) {
        for (double& x : p) {
          // Some ties and some points outside the box.
          x = trial % 3 == 0 ? static_cast<double>(rng.UniformInt(6)) : rng.Uniform(0.0, 1.1);
        }
      }
      const std::vector<double> ref(m, trial % 3 == 0 ? 5.0 : 1.0);
      const double expected = BruteForceHypervolume(pts, ref);
      ASSERT_NEAR(Hypervolume(pts, ref), expected, 1e-12 * std::max(1.0, expected))
          << "m=" << m << " trial=" << trial;
    }
  }
}

TEST(ParetoTest, FrontAndRanks) {
  const std::vector<std::vector<double>> pts = {{1, 5}, {2, 2}, {3, 3}, {5, 1}, {2, 2}, {4, 4}};
  EXPECT_EQ(ParetoFront(pts), (std::vector<std::size_t>{0, 1, 3}));
  EXPECT_EQ(ParetoRanks(pts), (std::vector<int>{0, 0, 1, 0, 0, 2}));
  // A NaN would never be dominated: refused, not silently put on the front.
  EXPECT_THROW(ParetoFront({{1, 2}, {NAN, 0}}), std::invalid_argument);
  EXPECT_THROW(ParetoRanks({{1, 2}, {0, INFINITY}}), std::invalid_argument);
  Rng rng(1);
  std::vector<std::vector<double>> r(200, std::vector<double>(3));
  for (auto& p : r) for (double& x : p) x = rng.Uniform();
  const auto front = ParetoFront(r);
  // Removing dominated points does not change the hypervolume; removing a front point does.
  std::vector<std::vector<double>> only;
  for (std::size_t i : front) only.push_back(r[i]);
  EXPECT_DOUBLE_EQ(Hypervolume(only, {1, 1, 1}), Hypervolume(r, {1, 1, 1}));
  only.pop_back();
  EXPECT_LT(Hypervolume(only, {1, 1, 1}), Hypervolume(r, {1, 1, 1}));
}

TEST(ScalarizationTest, FormulaAndValidation) {
  const ScalarizationConfig c{0.5, 1.0, 100.0};
  EXPECT_DOUBLE_EQ(ScalarizedCost(0.9, 10.0, c), 0.5 * 0.1 + 0.5 * 0.5);
  EXPECT_DOUBLE_EQ(ScalarizedCost(1.0, 1.0, c), 0.0);
  EXPECT_DOUBLE_EQ(ScalarizedCost(0.0, 100.0, c), 1.0);
  EXPECT_THROW(ScalarizedCost(0.5, 0.0, c), std::invalid_argument);
  EXPECT_THROW(ScalarizedCost(1.5, 1.0, c), std::invalid_argument);
  EXPECT_THROW(ScalarizedCost(0.5, 1.0, {2.0, 1.0, 100.0}), std::invalid_argument);
  EXPECT_DOUBLE_EQ(AugmentedTchebycheff({0.2, 0.8}, {0.5, 0.5}), 0.4 + 0.05 * 0.5);
}

// ---- acquisition functions -------------------------------------------------------------------

TEST(AcquisitionTest, LogEiMatchesDirectFormulaAndStaysFiniteInTheTail) {
  for (double z = -8; z <= 8; z += 0.25) {
    const double phi = std::exp(-0.5 * z * z) / std::sqrt(2 * M_PI);
    const double Phi = 0.5 * std::erfc(-z / std::sqrt(2.0));
    EXPECT_NEAR(LogH(z), std::log(z * Phi + phi), 1e-9 * std::abs(std::log(z * Phi + phi)) + 1e-12)
        << z;
  }
  // Asymptotics: h(z) ~ phi(z) / z^2 for z -> -inf.
  for (double z : {-40.0, -1e3, -1e5, -1e7}) {
    const double approx = -0.5 * z * z - 0.5 * std::log(2 * M_PI) - 2 * std::log(-z);
    EXPECT_TRUE(std::isfinite(LogH(z)));
    EXPECT_NEAR(LogH(z), approx, 3.0 / (z * z) + 1e-12 * std::abs(approx)) << z;
  }
  // Monotone in z, even far out.
  double previous = -INFINITY;
  for (double z = -1e4; z < 10; z = z < -10 ? z / 1.5 : z + 0.5) {
    ASSERT_GT(LogH(z), previous) << z;
    previous = LogH(z);
  }
  EXPECT_NEAR(LogExpectedImprovement(1.0, 2.0, 1.0), std::log(2.0 / std::sqrt(2 * M_PI)), 1e-14);
  EXPECT_EQ(LogExpectedImprovement(1.0, 0.0, 0.5), -INFINITY);
  EXPECT_NEAR(LogExpectedImprovement(0.25, 0.0, 0.5), std::log(0.25), 1e-15);
}

TEST(AcquisitionTest, LogPiAndUcb) {
  EXPECT_NEAR(LogProbabilityOfImprovement(0.0, 1.0, 0.0), std::log(0.5), 1e-15);
  for (double z = -30; z < 5; z += 0.5) {
    const double direct = std::log(0.5 * std::erfc(-z / std::sqrt(2.0)));
    EXPECT_NEAR(LogNormalCdf(z), direct, 1e-10 * std::abs(direct) + 1e-15) << z;
  }
  EXPECT_TRUE(std::isfinite(LogNormalCdf(-1e4)));
  // The upper tail: log Phi(z) ~ -Phi(-z) stays below 0 and strictly increasing (log(Phi(z))
  // rounds to exactly 0 from z ~ 8.3, where every confident candidate would tie).
  double previous = LogNormalCdf(0.0);
  for (double z = 0.5; z <= 30; z += 0.5) {
    const double tail = 0.5 * std::erfc(z / std::sqrt(2.0));  // Phi(-z)
    // log(1 - t) = -t - t^2/2 - t^3/3 - ...; from z = 4 on (t < 3.2e-5) three terms are exact
    // to 1e-14 relative.
    const double want = z < 4 ? std::log(0.5 * std::erfc(-z / std::sqrt(2.0)))
                              : -tail * (1 + tail * (0.5 + tail / 3));
    EXPECT_NEAR(LogNormalCdf(z), want, 1e-12 * std::abs(want) + 1e-300) << z;
    ASSERT_LT(LogNormalCdf(z), 0.0) << z;
    ASSERT_GT(LogNormalCdf(z), previous) << z;
    previous = LogNormalCdf(z);
  }
  EXPECT_DOUBLE_EQ(UpperConfidenceBound(1.0, 0.5, 2.0), 0.0);
}

TEST(AcquisitionTest, EhviMatchesMonteCarloAndExactHvi) {
  const std::vector<std::array<double, 2>> front = {{0.2, 0.8}, {0.5, 0.4}, {0.7, 0.3}, {0.9, 0.9}};
  const std::array<double, 2> ref{1.0, 1.0};
  std::vector<std::vector<double>> base;
  for (const auto& p : front) base.push_back({p[0], p[1]});
  const double hv0 = Hypervolume(base, {1.0, 1.0});
  // Zero variance: EHVI is the exact improvement.
  for (const std::array<double, 2> y : {std::array<double, 2>{0.3, 0.3},
                                        std::array<double, 2>{0.1, 0.95},
                                        std::array<double, 2>{0.95, 0.95}}) {
    auto with = base;
    with.push_back({y[0], y[1]});
    EXPECT_NEAR(ExpectedHypervolumeImprovement2D(y, {0, 0}, front, ref),
                Hypervolume(with, {1.0, 1.0}) - hv0, 1e-14);
  }
  Rng rng(99);
  const std::array<double, 2> mu{0.45, 0.5}, sd{0.2, 0.15};
  const int n = 400000;
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    auto with = base;
    with.push_back({mu[0] + sd[0] * rng.Normal(), mu[1] + sd[1] * rng.Normal()});
    const double v = Hypervolume(with, {1.0, 1.0}) - hv0;
    sum += v;
    sum2 += v * v;
  }
  const double mean = sum / n, se = std::sqrt((sum2 / n - mean * mean) / n);
  EXPECT_NEAR(ExpectedHypervolumeImprovement2D(mu, sd, front, ref), mean, 4 * se);
}

}  // namespace
}  // namespace imcnas::nas
