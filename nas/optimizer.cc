#include "nas/optimizer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "nas/internal/optimizer_base.h"

namespace imcnas::nas {
namespace internal {
namespace {

void Require(bool ok, const std::string& message) {
  if (!ok) throw std::invalid_argument("OptimizerConfig: " + message);
}

}  // namespace

OptimizerBase::OptimizerBase(const SearchSpace& space, const OptimizerConfig& config)
    : space_(space), config_(config), rng_(config.seed) {}

void OptimizerBase::Reserve(std::uint64_t index, std::vector<std::uint64_t>& batch) {
  if (Taken(index)) throw std::logic_error("optimizer proposed a taken index");
  taken_.insert(index);
  batch.push_back(index);
}

std::vector<std::uint64_t> OptimizerBase::Propose(int q) {
  if (q < 1) throw std::invalid_argument("Propose: q must be at least 1, got " + std::to_string(q));
  if (untaken_count() == 0) {
    throw std::runtime_error("Propose: every network of the search space is evaluated or pending");
  }
  const int n = static_cast<int>(std::min<std::uint64_t>(q, untaken_count()));
  std::vector<std::uint64_t> batch;
  try {
    ProposeInto(n, batch);
  } catch (...) {
    for (std::uint64_t i : batch) taken_.erase(i);
    throw;
  }
  for (std::uint64_t i : batch) pending_.push_back(i);
  proposed_ += batch.size();
  return batch;
}

void OptimizerBase::Observe(const Evaluation& evaluation) {
  if (evaluation.index >= space_.size()) {
    throw std::invalid_argument("Observe: index " + std::to_string(evaluation.index) +
                                " is outside the search space");
  }
  for (const Evaluation& e : history_) {
    if (e.index == evaluation.index) {
      throw std::invalid_argument("Observe: index " + std::to_string(evaluation.index) +
                                  " was already observed");
    }
  }
  if (!evaluation.failed) {
    if (static_cast<int>(evaluation.objectives.size()) != config_.num_objectives) {
      throw std::invalid_argument("Observe: expected " + std::to_string(config_.num_objectives) +
                                  " objectives, got " +
                                  std::to_string(evaluation.objectives.size()));
    }
    for (double v : evaluation.objectives) {
      if (!std::isfinite(v)) {
        throw std::invalid_argument("Observe: non-finite objective for index " +
                                    std::to_string(evaluation.index) + " (mark it failed)");
      }
    }
  }
  const auto it = std::find(pending_.begin(), pending_.end(), evaluation.index);
  if (it != pending_.end()) pending_.erase(it);
  taken_.insert(evaluation.index);
  Evaluation e = evaluation;
  if (e.failed) e.objectives.clear();
  history_.push_back(std::move(e));
}

nlohmann::json OptimizerBase::SaveState() const {
  nlohmann::json s;
  s["format"] = "imcnas.nas.optimizer_state.v1";
  s["kind"] = config_.kind;
  s["num_objectives"] = config_.num_objectives;
  s["seed"] = config_.seed;
  s["space_size"] = space_.size();
  const auto st = rng_.state();
  s["rng"] = {st[0], st[1], st[2], st[3]};
  nlohmann::json h = nlohmann::json::array();
  for (const Evaluation& e : history_) {
    h.push_back({{"index", e.index}, {"objectives", e.objectives}, {"failed", e.failed}});
  }
  s["history"] = h;
  s["pending"] = pending_;
  s["proposed"] = proposed_;
  s["extra"] = SaveExtra();
  return s;
}

void OptimizerBase::RestoreState(const nlohmann::json& state) {
  try {
    if (state.at("format").get<std::string>() != "imcnas.nas.optimizer_state.v1") {
      throw std::invalid_argument("unknown state format");
    }
    if (state.at("kind").get<std::string>() != config_.kind) {
      throw std::invalid_argument("state was saved by kind '" +
                                  state.at("kind").get<std::string>() + "', this is '" +
                                  config_.kind + "'");
    }
    if (state.at("num_objectives").get<int>() != config_.num_objectives) {
      throw std::invalid_argument("state has a different number of objectives");
    }
    if (state.at("seed").get<std::uint64_t>() != config_.seed) {
      throw std::invalid_argument("state has a different seed");
    }
    if (state.at("space_size").get<std::uint64_t>() != space_.size()) {
      throw std::invalid_argument("state belongs to a search space of a different size");
    }
    std::vector<Evaluation> history;
    std::unordered_set<std::uint64_t> taken;
    for (const auto& j : state.at("history")) {
      Evaluation e;
      e.index = j.at("index").get<std::uint64_t>();
      e.objectives = j.at("objectives").get<std::vector<double>>();
      e.failed = j.at("failed").get<bool>();
      if (e.index >= space_.size() || !taken.insert(e.index).second) {
        throw std::invalid_argument("history has an invalid or repeated index");
      }
      if (!e.failed && static_cast<int>(e.objectives.size()) != config_.num_objectives) {
        throw std::invalid_argument("history entry with the wrong number of objectives");
      }
      history.push_back(std::move(e));
    }
    std::vector<std::uint64_t> pending = state.at("pending").get<std::vector<std::uint64_t>>();
    for (std::uint64_t p : pending) {
      if (p >= space_.size() || !taken.insert(p).second) {
        throw std::invalid_argument("pending has an invalid or repeated index");
      }
    }
    const auto r = state.at("rng").get<std::vector<std::uint64_t>>();
    if (r.size() != 4) throw std::invalid_argument("rng state must have 4 words");
    const std::uint64_t proposed = state.at("proposed").get<std::uint64_t>();
    RestoreExtra(state.at("extra"));
    rng_.set_state({r[0], r[1], r[2], r[3]});
    history_ = std::move(history);
    pending_ = std::move(pending);
    taken_ = std::move(taken);
    proposed_ = proposed;
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(std::string("RestoreState: malformed state: ") + e.what());
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string("RestoreState: ") + e.what());
  }
}

std::uint64_t OptimizerBase::RandomUntaken() {
  // Rejection while most of the space is free; enumeration when it is nearly exhausted (only
  // possible for small spaces), so the draw stays uniform and terminates.
  if (taken_.size() * 2 < space_.size()) {
    for (;;) {
      const std::uint64_t i = space_.Sample(rng_);
      if (!Taken(i)) return i;
    }
  }
  std::vector<std::uint64_t> free;
  for (std::uint64_t i = 0; i < space_.size(); ++i) {
    if (!Taken(i)) free.push_back(i);
  }
  if (free.empty()) throw std::runtime_error("no untaken network left");
  return free[rng_.UniformInt(free.size())];
}

std::uint64_t OptimizerBase::RandomUntakenByDepth() {
  const auto& o = space_.options();
  for (int attempt = 0; attempt < 64; ++attempt) {
    const int depth = o.min_depth + static_cast<int>(rng_.UniformInt(o.max_depth - o.min_depth + 1));
    const std::uint64_t i = space_.SampleAtDepth(depth, rng_);
    if (!Taken(i)) return i;
  }
  return RandomUntaken();
}

std::uint64_t OptimizerBase::InitialDesignPoint(std::uint64_t k) {
  // Depth strata: proposal k falls in cycle k / D, where each cycle visits every depth once in
  // an order shuffled by a generator seeded from (seed, cycle) - a function of k alone, so a
  // restored optimiser continues the same design.
  const auto& o = space_.options();
  const int depths = o.max_depth - o.min_depth + 1;
  std::uint64_t mix = config_.seed ^ (0x5bd1e995ULL * (k / depths + 1));
  Rng cycle_rng(Rng::SplitMix64(mix));
  std::vector<int> order(depths);
  for (int d = 0; d < depths; ++d) order[d] = o.min_depth + d;
  cycle_rng.Shuffle(order);
  const int depth = order[k % depths];
  for (int attempt = 0; attempt < 64; ++attempt) {
    const std::uint64_t i = space_.SampleAtDepth(depth, rng_);
    if (!Taken(i)) return i;
  }
  return RandomUntaken();
}

std::vector<Evaluation> OptimizerBase::ModelData() const {
  std::vector<double> worst(config_.num_objectives, -std::numeric_limits<double>::infinity());
  bool any = false;
  for (const Evaluation& e : history_) {
    if (e.failed) continue;
    any = true;
    for (int i = 0; i < config_.num_objectives; ++i) worst[i] = std::max(worst[i], e.objectives[i]);
  }
  std::vector<Evaluation> out;
  if (!any) return out;
  for (const Evaluation& e : history_) {
    out.push_back(e);
    if (e.failed) out.back().objectives = worst;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
class RandomOptimizer : public OptimizerBase {
 public:
  using OptimizerBase::OptimizerBase;

 protected:
  void ProposeInto(int q, std::vector<std::uint64_t>& batch) override {
    for (int j = 0; j < q; ++j) Reserve(RandomUntaken(), batch);
  }
};

std::unique_ptr<Optimizer> MakeRandomOptimizer(const SearchSpace& space,
                                               const OptimizerConfig& config) {
  return std::make_unique<RandomOptimizer>(space, config);
}

void ValidateConfig(const OptimizerConfig& c) {
  static const char* kKinds[] = {"gp", "gp_parego", "gp_ehvi", "tpe", "evolution", "nsga2",
                                 "random"};
  Require(std::find(std::begin(kKinds), std::end(kKinds), c.kind) != std::end(kKinds),
          "unknown optimizer kind '" + c.kind +
              "' (known: gp, gp_parego, gp_ehvi, tpe, evolution, nsga2, random)");
  Require(c.num_objectives >= 1, "num_objectives must be at least 1");
  Require(c.initial_design >= 0, "initial_design must be non-negative");
  Require(c.acquisition == "ei" || c.acquisition == "ucb" || c.acquisition == "pi",
          "acquisition must be ei, ucb or pi, got '" + c.acquisition + "'");
  Require(c.batch_strategy == "kriging_believer" || c.batch_strategy == "constant_liar",
          "batch_strategy must be kriging_believer or constant_liar, got '" + c.batch_strategy +
              "'");
  Require(c.ucb_kappa >= 0, "ucb_kappa must be non-negative");
  Require(c.pi_margin >= 0, "pi_margin must be non-negative");
  Require(c.fit_starts >= 1 && c.fit_iterations >= 0 && c.fit_restart_every >= 1,
          "fit_starts >= 1, fit_iterations >= 0, fit_restart_every >= 1");
  Require(c.acquisition_samples >= 1 && c.local_search_starts >= 0 && c.local_search_steps >= 0,
          "acquisition_samples >= 1, local search settings non-negative");
  Require(c.tpe_gamma > 0 && c.tpe_gamma <= 1, "tpe_gamma must be in (0, 1]");
  Require(c.tpe_startup >= 0 && c.tpe_candidates >= 1 && c.tpe_prior_weight > 0 &&
              c.tpe_linear_forgetting >= 1,
          "invalid TPE setting");
  Require(c.population >= 2 && c.tournament >= 1 && c.tournament <= c.population,
          "population >= 2 and 1 <= tournament <= population");
  Require(c.crossover_probability >= 0 && c.crossover_probability <= 1,
          "crossover_probability must be in [0, 1]");
  if (c.kind == "gp" || c.kind == "tpe") {
    Require(c.num_objectives == 1, c.kind + " optimises one objective (scalarise first, e.g. "
                                            "ScalarizedCost), got " +
                                       std::to_string(c.num_objectives));
  }
  if (c.kind == "gp_ehvi") {
    Require(c.num_objectives == 2, "gp_ehvi needs exactly 2 objectives, got " +
                                       std::to_string(c.num_objectives));
  }
  if (c.kind == "gp_parego") {
    Require(c.num_objectives >= 2, "gp_parego needs at least 2 objectives");
  }
}

}  // namespace internal

std::unique_ptr<Optimizer> MakeOptimizer(const SearchSpace& space, const OptimizerConfig& config) {
  internal::ValidateConfig(config);
  if (config.kind == "random") return internal::MakeRandomOptimizer(space, config);
  if (config.kind == "tpe") return internal::MakeTpeOptimizer(space, config);
  if (config.kind == "evolution") return internal::MakeEvolutionOptimizer(space, config);
  if (config.kind == "nsga2") return internal::MakeNsga2Optimizer(space, config);
  return internal::MakeGpOptimizer(space, config);
}

}  // namespace imcnas::nas
