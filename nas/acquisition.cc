#include "nas/acquisition.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace imcnas::nas {
namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440084436210485;
constexpr double kSqrtPiOver2 = 1.25331413731550025120788264240552;
constexpr double kLogSqrt2Pi = 0.91893853320467274178032973640562;

double Phi(double z) { return 0.5 * std::erfc(-z * kInvSqrt2); }
double phi(double z) { return std::exp(-0.5 * z * z - kLogSqrt2Pi); }

// E[max(a - Y, 0)] for Y ~ N(m, s^2).
double Psi(double a, double m, double s) {
  if (std::isinf(a)) return a < 0 ? 0.0 : std::numeric_limits<double>::infinity();
  if (s <= 0) return std::max(a - m, 0.0);
  const double z = (a - m) / s;
  return s * (z * Phi(z) + phi(z));
}

}  // namespace

double Erfcx(double x) {
  if (x < 25.0) return std::exp(x * x) * std::erfc(x);
  // Asymptotic series; at x >= 25 the next term is below 1e-13 relative.
  const double inv2 = 1.0 / (x * x);
  return (1.0 / (x * 1.77245385090551602729816748334115)) *
         (1.0 + inv2 * (-0.5 + inv2 * (0.75 + inv2 * (-1.875 + inv2 * 6.5625))));
}

double LogNormalCdf(double z) {
  // For z > 0, log(1 - Phi(-z)) keeps the tail that log(Phi(z)) rounds away (exactly 0 from
  // z ~ 8.3 on, which would make every confident candidate tie).
  if (z > 0.0) return std::log1p(-0.5 * std::erfc(z * kInvSqrt2));
  if (z > -5.0) return std::log(Phi(z));
  // Phi(z) = 0.5 erfcx(-z / sqrt2) exp(-z^2 / 2)
  return std::log(0.5 * Erfcx(-z * kInvSqrt2)) - 0.5 * z * z;
}

double LogH(double z) {
  if (z > -1.0) return std::log(z * Phi(z) + phi(z));
  // h(z) = phi(z) (1 + z Phi(z) / phi(z)), Phi(z) / phi(z) = sqrt(pi / 2) erfcx(-z / sqrt2).
  const double log_phi = -0.5 * z * z - kLogSqrt2Pi;
  if (z > -1e6) {
    return log_phi + std::log1p(z * kSqrtPiOver2 * Erfcx(-z * kInvSqrt2));
  }
  // 1 + z R(z) = 1/z^2 - 3/z^4 + ...: the cancellation above would leave no digits.
  return log_phi - 2.0 * std::log(-z);
}

double LogExpectedImprovement(double mean, double sd, double best) {
  if (!(sd > 0.0)) {
    const double gain = best - mean;
    return gain > 0 ? std::log(gain) : -std::numeric_limits<double>::infinity();
  }
  return std::log(sd) + LogH((best - mean) / sd);
}

double LogProbabilityOfImprovement(double mean, double sd, double best) {
  if (!(sd > 0.0)) return mean < best ? 0.0 : -std::numeric_limits<double>::infinity();
  return LogNormalCdf((best - mean) / sd);
}

double UpperConfidenceBound(double mean, double sd, double kappa) { return -(mean - kappa * sd); }

double ExpectedHypervolumeImprovement2D(const std::array<double, 2>& mean,
                                        const std::array<double, 2>& sd,
                                        const std::vector<std::array<double, 2>>& front,
                                        const std::array<double, 2>& reference) {
  // Non-dominated points strictly inside the reference box, f1 ascending (f2 then descending).
  std::vector<std::array<double, 2>> pts;
  for (const auto& p : front) {
    if (p[0] < reference[0] && p[1] < reference[1]) pts.push_back(p);
  }
  std::sort(pts.begin(), pts.end());
  std::vector<std::array<double, 2>> nd;
  for (const auto& p : pts) {
    if (nd.empty() || p[1] < nd.back()[1]) {
      if (!nd.empty() && p[0] == nd.back()[0]) continue;  // same f1, worse f2: dominated
      nd.push_back(p);
    }
  }
  double total = 0.0;
  double lower = -std::numeric_limits<double>::infinity();
  double height = reference[1];
  for (std::size_t i = 0; i <= nd.size(); ++i) {
    const double upper = i < nd.size() ? nd[i][0] : reference[0];
    const double width = Psi(upper, mean[0], sd[0]) - Psi(lower, mean[0], sd[0]);
    total += std::max(width, 0.0) * Psi(height, mean[1], sd[1]);
    if (i < nd.size()) {
      lower = nd[i][0];
      height = nd[i][1];
    }
  }
  return total;
}

}  // namespace imcnas::nas
