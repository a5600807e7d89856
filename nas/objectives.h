// Objective handling shared by optimisers and benchmarks: the paper's scalarised cost functions,
// ParEGO's augmented Tchebycheff scalarisation, Pareto fronts and exact hypervolume.
// Every objective is minimised.
#ifndef IMCNAS_NAS_OBJECTIVES_H_
#define IMCNAS_NAS_OBJECTIVES_H_

#include <cstddef>
#include <vector>

namespace imcnas::nas {

// The paper (ISVLSI 2024) names two scalarised cost functions, accuracy against latency and
// accuracy against energy, without a formula. Ours, with a in [0, 1] the accuracy, c > 0 the
// latency or energy, and the cost normalised on a log scale between two reference costs:
//
//   c_hat = (ln c - ln cost_low) / (ln cost_high - ln cost_low)
//   J     = (1 - cost_weight) * (1 - a) + cost_weight * c_hat            (minimised)
//
// Error and normalised log cost are both about 0..1 over the space when cost_low / cost_high
// are the cheapest and dearest networks' costs, so cost_weight = 0.5 weighs them equally. The log
// makes a halving of latency worth the same anywhere on the scale (costs span orders of
// magnitude over the space). c_hat is not clipped, so J orders networks correctly outside the
// reference range too.
struct ScalarizationConfig {
  double cost_weight = 0.5;
  double cost_low = 1.0;
  double cost_high = 10.0;
};

// Throws std::invalid_argument for a weight outside [0, 1], non-positive or non-increasing
// reference costs, a non-positive cost or an accuracy outside [0, 1].
double ScalarizedCost(double accuracy, double cost, const ScalarizationConfig& config);

// ParEGO (Knowles 2006): objectives f already normalised to [0, 1], weights on the simplex:
//   max_i (w_i f_i) + rho * sum_i w_i f_i,   rho = 0.05.
double AugmentedTchebycheff(const std::vector<double>& normalised, const std::vector<double>& weights,
                            double rho = 0.05);

// Indices of the non-dominated points (minimisation), in increasing index order. Of several
// identical points only the first is kept. Throws std::invalid_argument on a NaN or infinite
// objective (a NaN would never be dominated).
std::vector<std::size_t> ParetoFront(const std::vector<std::vector<double>>& points);

// Pareto rank of every point (0 = non-dominated, 1 = non-dominated after removing rank 0, ...),
// as NSGA-II's fast non-dominated sort. Throws like ParetoFront.
std::vector<int> ParetoRanks(const std::vector<std::vector<double>>& points);

// Exact hypervolume dominated by `points` and bounded by `reference` (minimisation), for 1, 2 or
// 3 objectives; points not strictly better than the reference in every objective add nothing.
// Throws std::invalid_argument on dimension mismatch or more than 3 objectives.
double Hypervolume(const std::vector<std::vector<double>>& points,
                   const std::vector<double>& reference);

}  // namespace imcnas::nas

#endif  // IMCNAS_NAS_OBJECTIVES_H_
