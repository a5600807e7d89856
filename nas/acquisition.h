// Acquisition functions for minimisation, from a Gaussian predictive distribution N(mean, sd^2).
// Larger is better for every function here.
#ifndef IMCNAS_NAS_ACQUISITION_H_
#define IMCNAS_NAS_ACQUISITION_H_

#include <array>
#include <vector>

namespace imcnas::nas {

// log EI with EI = E[max(best - Y, 0)] = sd * h(z), z = (best - mean) / sd,
// h(z) = z Phi(z) + phi(z). log h is evaluated without underflow for very negative z (via the
// scaled complementary error function), so candidates far from the incumbent still rank
// correctly instead of all tying at log 0 = -inf. sd = 0 gives log(max(best - mean, 0)).
double LogExpectedImprovement(double mean, double sd, double best);

// log PI = log Phi((best - mean) / sd), accurate in the far tail.
double LogProbabilityOfImprovement(double mean, double sd, double best);

// Negative lower confidence bound: -(mean - kappa * sd).
double UpperConfidenceBound(double mean, double sd, double kappa);

// log h(z) as above (exposed for tests).
double LogH(double z);
// log Phi(z) (exposed for tests).
double LogNormalCdf(double z);
// exp(x^2) erfc(x), for any x (exposed for tests).
double Erfcx(double x);

// Exact expected hypervolume improvement in two objectives (minimisation) for independent
// Gaussian predictions, over the current front (any points; dominated ones are ignored) and the
// reference point. Decomposes the non-dominated region into vertical stripes
// [l_i, u_i] x (-inf, h_i]; with psi(a) = E[max(a - Y, 0)],
//   EHVI = sum_i (psi_1(u_i) - psi_1(l_i)) * psi_2(h_i).
double ExpectedHypervolumeImprovement2D(const std::array<double, 2>& mean,
                                        const std::array<double, 2>& sd,
                                        const std::vector<std::array<double, 2>>& front,
                                        const std::array<double, 2>& reference);

}  // namespace imcnas::nas

#endif  // IMCNAS_NAS_ACQUISITION_H_
