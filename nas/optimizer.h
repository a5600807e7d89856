// Optimisers over the search space: they propose network indices and learn from evaluations of
// a black box (nas knows nothing of data sets or training). Every objective is minimised; pass
// objectives on the scale you want modelled (e.g. error rate, log latency, log energy).
//
// Kinds (OptimizerConfig::kind):
//   "gp"        Gaussian-process BO on one objective (e.g. ScalarizedCost), acquisition EI/UCB/PI
//   "gp_parego" ParEGO: random augmented-Tchebycheff scalarisation (rho = 0.05) per proposal round
//               of the min/max-normalised objectives, then GP-BO on it (any number of objectives)
//   "gp_ehvi"   one GP per objective, exact expected hypervolume improvement (two objectives)
//   "tpe"       Tree-structured Parzen estimator as Hyperopt does it (one objective)
//   "evolution" regularised evolution (Real et al. 2019): aging population, tournament, mutation
//   "nsga2"     NSGA-II: non-dominated sorting, crowding distance, crossover, mutation
//   "random"    uniform over the space
// All kinds: deterministic for (seed, sequence of Propose/Observe calls); never propose an index
// already evaluated or pending; failed evaluations are never re-proposed.
#ifndef IMCNAS_NAS_OPTIMIZER_H_
#define IMCNAS_NAS_OPTIMIZER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nas/gp.h"
#include "nas/search_space.h"

namespace imcnas::nas {

struct Evaluation {
  std::uint64_t index = 0;
  std::vector<double> objectives;  // minimised; ignored when failed
  bool failed = false;             // e.g. training diverged; the network is not proposed again
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // q >= 1 distinct indices, none evaluated or pending; they become pending. Fewer than q only
  // when the space has fewer unevaluated networks left (none at all: std::runtime_error).
  virtual std::vector<std::uint64_t> Propose(int q) = 0;
  // Records a result. Throws std::invalid_argument for an index outside the space, one already
  // observed, or objectives of the wrong count / not finite (unless failed).
  virtual void Observe(const Evaluation& evaluation) = 0;
  // Everything needed to continue bit-identically (configuration, history, pending, RNG, model
  // warm starts), as JSON.
  virtual nlohmann::json SaveState() const = 0;
  // Throws std::invalid_argument if the state is malformed or was saved by a different kind,
  // objective count or search space size.
  virtual void RestoreState(const nlohmann::json& state) = 0;
  virtual std::string name() const = 0;
  virtual const std::vector<Evaluation>& history() const = 0;
};

struct OptimizerConfig {
  std::string kind = "gp";
  int num_objectives = 1;
  std::uint64_t seed = 0;
  // Model-free proposals before any model is used (GP kinds). Latin-hypercube-like over depth:
  // each depth appears once per cycle of (max_depth - min_depth + 1) proposals, blocks uniform.
  int initial_design = 10;

  // GP kinds.
  std::string acquisition = "ei";                  // "ei" (log EI), "ucb", "pi" (log PI)
  double ucb_kappa = 2.0;
  // PI asks for an improvement of at least pi_margin output standard deviations (the plain
  // "any improvement" form keeps sampling next to the incumbent).
  double pi_margin = 0.1;
  std::string batch_strategy = "kriging_believer";  // or "constant_liar" (CL-min)
  KernelCombination kernel = KernelCombination::kProduct;
  // Hyperparameter fit: Rprop from the previous optimum (warm start) and, on the first model
  // fit and then on every fit_restart_every-th proposal round, also from fit_starts - 1 seeded
  // random points (escapes local optima without paying for restarts on every proposal). With
  // several GPs (gp_ehvi), model m restarts in rounds r with (r + m) % fit_restart_every == 0.
  int fit_starts = 2;
  int fit_iterations = 50;  // Rprop iterations per start
  int fit_restart_every = 5;
  int acquisition_samples = 1000;  // random candidates (half uniform, half uniform depth)
  int local_search_starts = 5;     // best candidates refined by first-improvement-free hill climbing
  int local_search_steps = 8;      // over the one-edit neighbourhood

  // TPE (Hyperopt defaults).
  double tpe_gamma = 0.25;
  int tpe_startup = 20;
  int tpe_candidates = 24;
  double tpe_prior_weight = 1.0;
  int tpe_linear_forgetting = 25;

  // Evolution / NSGA-II.
  int population = 20;
  int tournament = 5;                   // regularised evolution's sample size
  double crossover_probability = 0.9;   // NSGA-II
};

// Throws std::invalid_argument on an unknown kind or an invalid setting (naming it).
std::unique_ptr<Optimizer> MakeOptimizer(const SearchSpace& space, const OptimizerConfig& config);

}  // namespace imcnas::nas

#endif  // IMCNAS_NAS_OPTIMIZER_H_
