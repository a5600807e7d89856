// Shared bookkeeping of every optimiser: history, pending proposals, RNG, state files.
#ifndef IMCNAS_NAS_INTERNAL_OPTIMIZER_BASE_H_
#define IMCNAS_NAS_INTERNAL_OPTIMIZER_BASE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "nas/optimizer.h"
#include "nas/random.h"
#include "nas/search_space.h"

namespace imcnas::nas::internal {

class OptimizerBase : public Optimizer {
 public:
  OptimizerBase(const SearchSpace& space, const OptimizerConfig& config);

  std::vector<std::uint64_t> Propose(int q) final;
  void Observe(const Evaluation& evaluation) final;
  nlohmann::json SaveState() const final;
  void RestoreState(const nlohmann::json& state) final;
  std::string name() const final { return config_.kind; }
  const std::vector<Evaluation>& history() const final { return history_; }

 protected:
  // Appends up to q indices that are not taken (see Taken) to `batch`, in proposal order; must
  // call Reserve on each before choosing the next.
  virtual void ProposeInto(int q, std::vector<std::uint64_t>& batch) = 0;
  virtual nlohmann::json SaveExtra() const { return nlohmann::json::object(); }
  virtual void RestoreExtra(const nlohmann::json& /*extra*/) {}

  bool Taken(std::uint64_t index) const { return taken_.count(index) > 0; }
  void Reserve(std::uint64_t index, std::vector<std::uint64_t>& batch);
  // Uniform over the untaken networks.
  std::uint64_t RandomUntaken();
  // Uniform depth, then uniform blocks, untaken.
  std::uint64_t RandomUntakenByDepth();
  // The k-th proposal of the Latin-hypercube-like initial design (depth strata), untaken.
  std::uint64_t InitialDesignPoint(std::uint64_t k);
  // Successful evaluations, and failed ones with every objective imputed as the worst
  // successful value (so the models learn to avoid them); empty objectives if nothing succeeded.
  std::vector<Evaluation> ModelData() const;
  std::uint64_t untaken_count() const { return space_.size() - taken_.size(); }

  const SearchSpace space_;
  const OptimizerConfig config_;
  Rng rng_;
  std::vector<Evaluation> history_;
  std::vector<std::uint64_t> pending_;
  std::uint64_t proposed_ = 0;  // proposals made so far (drives the initial design)

 private:
  std::unordered_set<std::uint64_t> taken_;  // evaluated or pending; membership only
};

std::unique_ptr<Optimizer> MakeGpOptimizer(const SearchSpace& space, const OptimizerConfig& config);
std::unique_ptr<Optimizer> MakeTpeOptimizer(const SearchSpace& space,
                                            const OptimizerConfig& config);
std::unique_ptr<Optimizer> MakeEvolutionOptimizer(const SearchSpace& space,
                                                  const OptimizerConfig& config);
std::unique_ptr<Optimizer> MakeNsga2Optimizer(const SearchSpace& space,
                                              const OptimizerConfig& config);
std::unique_ptr<Optimizer> MakeRandomOptimizer(const SearchSpace& space,
                                               const OptimizerConfig& config);

}  // namespace imcnas::nas::internal

#endif  // IMCNAS_NAS_INTERNAL_OPTIMIZER_BASE_H_
