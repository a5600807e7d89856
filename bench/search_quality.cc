// Search quality without training: every optimiser of nas/ on the same synthetic
// multi-objective problem over the paper's search space, same budget, many seeds.
//
//   bazel run //bench:search_quality -- [--seeds K] [--evaluations N] [--cost latency|energy]
//       [--methods gp,gp_parego,...] [--timing-only]
//
// Problem (no data, no training; everything is a deterministic function of the network):
// - Accuracy stand-in, a fixed smooth saturating function of capacity and depth. With P the
//   trainable parameters, M the multiply-accumulates per image (arch::Graph, 32x32x3 input,
//   10 classes) and D the number of blocks:
//     s_P = 1 - exp(-sqrt(P / 2e5)),  s_M = 1 - exp(-sqrt(M / 2e7)),  s_D = 1 - exp(-D / 2)
//     accuracy = 0.10 + 0.85 * s_P^0.4 * s_M^0.3 * s_D^0.3
//   (chance level 0.10 for 10 classes, saturating at 0.95; more parameters, more compute (less
//   pooling) and more depth all help with diminishing returns.)
// - Latency and energy from a crossbar cost model behind the CostModel interface below; today
//   the crossbar model the search binaries use (imc::Mnsim2, MNSIM 2.0's default configuration);
//   MakeCostModel() is the one function that picks it.
// - Objectives handed to the optimisers (all minimised): error = 1 - accuracy and ln(cost) for
//   the multi-objective kinds (gp_parego, gp_ehvi, nsga2, evolution, random); the scalarised
//   cost nas::ScalarizedCost(accuracy, cost, {0.5, cost_low, cost_high}) for gp and tpe (the
//   paper's set-up). cost_low / cost_high are the smallest and largest cost in a fixed reference
//   set (every depth-1 network, 20,000 seeded samples and the widest depth-7 networks).
// - Quality: hypervolume of everything evaluated so far in (error, normalised ln cost), where
//   normalised ln cost = (ln c - ln cost_low) / (ln cost_high - ln cost_low), with reference
//   point (1, 1). It is printed after 25, 50 and 100 evaluations (those within the budget):
//   median and interquartile range over the seeds.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <exception>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <cxxopts.hpp>

#include "arch/architecture.h"
#include "arch/graph.h"
#include "imc/estimate.h"
#include "nas/objectives.h"
#include "nas/optimizer.h"
#include "nas/search_space.h"

namespace imcnas::bench {
namespace {

// ---- cost model interface ---------------------------------------------------------------------
struct CrossbarCosts {
  double latency_ns = 0;
  double energy_nj = 0;
};

class CostModel {
 public:
  virtual ~CostModel() = default;
  virtual std::string name() const = 0;
  virtual CrossbarCosts Estimate(const arch::Graph& graph) const = 0;
};

// The crossbar model of the search binaries: imc's MNSIM 2.0 preset (the paper's simulator),
// pipelined latency and energy per image.
class MnsimCrossbarModel final : public CostModel {
 public:
  std::string name() const override { return "imc::Mnsim2 (MNSIM 2.0 default configuration)"; }
  CrossbarCosts Estimate(const arch::Graph& graph) const override {
    const imc::NetworkCost cost = imc::Estimate<imc::Mnsim2>(graph);
    CrossbarCosts c;
    c.latency_ns = cost.latency_ns;
    c.energy_nj = cost.energy_pj * 1e-3;
    return c;
  }
};

// The one place that picks the cost model.
std::unique_ptr<CostModel> MakeCostModel() { return std::make_unique<MnsimCrossbarModel>(); }

// ---- the synthetic problem ------------------------------------------------------------------
struct Outcome {
  double accuracy = 0;
  double cost = 0;  // latency (ns) or energy (nJ)
};

class SyntheticProblem {
 public:
  SyntheticProblem(const nas::SearchSpace& space, const CostModel& model, bool energy)
      : space_(space), model_(model), energy_(energy) {}

  Outcome Evaluate(std::uint64_t index) const {
    const arch::Architecture a = space_.ToArchitecture(index, {32, 32, 3}, 10);
    const arch::Graph g = arch::Lower(a);
    const double p = static_cast<double>(g.params()), m = static_cast<double>(g.macs());
    const double d = static_cast<double>(a.blocks.size());
    const double sp = 1 - std::exp(-std::sqrt(p / 2e5));
    const double sm = 1 - std::exp(-std::sqrt(m / 2e7));
    const double sd = 1 - std::exp(-d / 2);
    Outcome o;
    o.accuracy = 0.10 + 0.85 * std::pow(sp, 0.4) * std::pow(sm, 0.3) * std::pow(sd, 0.3);
    const CrossbarCosts c = model_.Estimate(g);
    o.cost = energy_ ? c.energy_nj : c.latency_ns;
    return o;
  }

 private:
  const nas::SearchSpace& space_;
  const CostModel& model_;
  bool energy_;
};

struct Normalisation {
  double cost_low = 0, cost_high = 0;
  std::vector<double> Point(const Outcome& o) const {
    return {1 - o.accuracy,
            (std::log(o.cost) - std::log(cost_low)) / (std::log(cost_high) - std::log(cost_low))};
  }
};

Normalisation MakeNormalisation(const nas::SearchSpace& space, const SyntheticProblem& problem,
                                std::vector<std::vector<double>>* reference_points) {
  std::vector<std::uint64_t> idx;
  for (std::uint64_t i = 0; i < 18; ++i) idx.push_back(i);
  nas::Rng rng(0);
  for (int i = 0; i < 20000; ++i) {
    idx.push_back(i % 2 ? space.Sample(rng) : space.SampleAtDepth(1 + static_cast<int>(rng.UniformInt(7)), rng));
  }
  for (auto kind : {arch::BlockKind::kVgg, arch::BlockKind::kMvgg, arch::BlockKind::kRes}) {
    idx.push_back(space.Encode(std::vector<arch::Block>(7, arch::Block{kind, 128})));
  }
  std::vector<Outcome> out;
  Normalisation n{INFINITY, 0};
  for (std::uint64_t i : idx) {
    out.push_back(problem.Evaluate(i));
    n.cost_low = std::min(n.cost_low, out.back().cost);
    n.cost_high = std::max(n.cost_high, out.back().cost);
  }
  for (const Outcome& o : out) reference_points->push_back(n.Point(o));
  return n;
}

// ---- runs -------------------------------------------------------------------------------------
struct Method {
  std::string label;
  std::string kind;
  bool scalarised;
};

const std::vector<Method>& AllMethods() {
  static const std::vector<Method> m = {
      {"gp (scalarised, EI)", "gp", true},
      {"gp_parego (EI)", "gp_parego", false},
      {"gp_ehvi", "gp_ehvi", false},
      {"tpe (scalarised)", "tpe", true},
      {"nsga2", "nsga2", false},
      {"evolution (regularised)", "evolution", false},
      {"random", "random", false},
  };
  return m;
}

std::vector<double> RunOne(const Method& method, std::uint64_t seed, int evaluations,
                           const std::vector<int>& checkpoints, const nas::SearchSpace& space,
                           const SyntheticProblem& problem, const Normalisation& norm) {
  nas::OptimizerConfig config;
  config.kind = method.kind;
  config.num_objectives = method.scalarised ? 1 : 2;
  config.seed = seed;
  auto opt = nas::MakeOptimizer(space, config);
  const nas::ScalarizationConfig sc{0.5, norm.cost_low, norm.cost_high};
  std::vector<std::vector<double>> points;
  std::vector<double> hv;
  for (int e = 1; e <= evaluations; ++e) {
    const std::uint64_t index = opt->Propose(1).at(0);
    const Outcome o = problem.Evaluate(index);
    nas::Evaluation ev;
    ev.index = index;
    ev.objectives = method.scalarised
                        ? std::vector<double>{nas::ScalarizedCost(o.accuracy, o.cost, sc)}
                        : std::vector<double>{1 - o.accuracy, std::log(o.cost)};
    opt->Observe(ev);
    points.push_back(norm.Point(o));
    if (std::find(checkpoints.begin(), checkpoints.end(), e) != checkpoints.end()) {
      hv.push_back(nas::Hypervolume(points, {1.0, 1.0}));
    }
  }
  return hv;
}

double Quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * (v.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(pos));
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - lo) * (v[hi] - v[lo]);
}

// Proposal overhead at 200 observations, in the steady state of a run: 199 observations of
// seeded random networks, one untimed proposal (its hyperparameter fit becomes the warm start),
// its evaluation (200 observations), then the next Propose(1) - hyperparameter fit from the warm
// start plus acquisition maximisation - timed 3 times from the same restored state. Prints the
// median wall time and the CPU time of this thread (the machine is shared: wall includes waiting).
// The proposal timed is a round of the fit schedule without random restarts; a restart round
// (every fit_restart_every-th; with gp_ehvi one of its two models restarts) is timed separately.
void TimeProposal(const std::string& kind, const nas::SearchSpace& space,
                  const SyntheticProblem& problem, const Normalisation& norm) {
  nas::OptimizerConfig config;
  config.kind = kind;
  config.num_objectives = kind == "gp" ? 1 : 2;
  config.seed = 1;
  config.initial_design = 199;
  auto opt = nas::MakeOptimizer(space, config);
  const nas::ScalarizationConfig sc{0.5, norm.cost_low, norm.cost_high};
  auto observe = [&](nas::Optimizer& o, std::uint64_t index) {
    const Outcome r = problem.Evaluate(index);
    o.Observe({index, kind == "gp"
                          ? std::vector<double>{nas::ScalarizedCost(r.accuracy, r.cost, sc)}
                          : std::vector<double>{1 - r.accuracy, std::log(r.cost)}});
  };
  for (int i = 0; i < 200; ++i) observe(*opt, opt->Propose(1).at(0));
  const nlohmann::json state = opt->SaveState();
  for (bool restart_round : {false, true}) {
    nlohmann::json s = state;
    if (restart_round) s["extra"]["fits"] = config.fit_restart_every;  // next fit restarts
    std::vector<double> wall, cpu;
    for (int r = 0; r < 3; ++r) {
      auto fresh = nas::MakeOptimizer(space, config);
      fresh->RestoreState(s);
      timespec c0, c1;
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
      const auto t0 = std::chrono::steady_clock::now();
      fresh->Propose(1);
      wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
      cpu.push_back((c1.tv_sec - c0.tv_sec) + 1e-9 * (c1.tv_nsec - c0.tv_nsec));
    }
    std::sort(wall.begin(), wall.end());
    std::sort(cpu.begin(), cpu.end());
    std::printf("proposal overhead, %-8s at 200 observations (%s): wall median %.3f s "
                "(min %.3f), CPU median %.3f s\n",
                kind.c_str(),
                restart_round ? ("+" + std::to_string(config.fit_starts - 1) +
                                 " random restart(s), one model")
                                    .c_str()
                              : "warm start only",
                wall[1], wall[0], cpu[1]);
  }
}

int Main(int argc, char** argv) {
  cxxopts::Options options("search_quality",
                           "Hypervolume of GP-BO and baselines on a synthetic NAS problem");
  options.add_options()("seeds", "number of seeds", cxxopts::value<int>()->default_value("10"))(
      "evaluations", "evaluations per run", cxxopts::value<int>()->default_value("100"))(
      "cost", "latency or energy", cxxopts::value<std::string>()->default_value("latency"))(
      "methods", "comma-separated kinds (default: all)",
      cxxopts::value<std::string>()->default_value(""))(
      "timing-only", "only measure the proposal overhead at 200 observations")("h,help", "help");
  const auto args = options.parse(argc, argv);
  if (args.count("help")) {
    std::cout << options.help() << "\n";
    return 0;
  }
  if (!args.unmatched().empty()) {
    throw std::invalid_argument("unexpected argument '" + args.unmatched().front() + "'");
  }
  const int seeds = args["seeds"].as<int>();
  const int evaluations = args["evaluations"].as<int>();
  const std::string cost = args["cost"].as<std::string>();
  if (seeds < 1 || seeds > 1000) throw std::invalid_argument("--seeds must be in 1..1000");
  if (evaluations < 1 || evaluations > 5000) {
    throw std::invalid_argument("--evaluations must be in 1..5000");
  }
  if (cost != "latency" && cost != "energy") {
    throw std::invalid_argument("--cost must be latency or energy, got '" + cost + "'");
  }
  std::vector<Method> methods;
  const std::string wanted = args["methods"].as<std::string>();
  if (wanted.empty()) {
    methods = AllMethods();
  } else {
    std::stringstream ss(wanted);
    std::string k;
    while (std::getline(ss, k, ',')) {
      bool found = false;
      for (const Method& m : AllMethods()) {
        if (m.kind == k) methods.push_back(m), found = true;
      }
      if (!found) throw std::invalid_argument("--methods: unknown kind '" + k + "'");
    }
  }

  const nas::SearchSpace space = nas::SearchSpace::Paper();
  const auto model = MakeCostModel();
  const SyntheticProblem problem(space, *model, cost == "energy");
  std::vector<std::vector<double>> reference_points;
  const Normalisation norm = MakeNormalisation(space, problem, &reference_points);
  std::printf("search space: %llu networks; cost model: %s; objective: error vs %s\n",
              static_cast<unsigned long long>(space.size()), model->name().c_str(), cost.c_str());
  std::printf("%s range over the reference set: %.4g .. %.4g %s; hypervolume of the reference "
              "set's own front (%zu networks): %.4f\n",
              cost.c_str(), norm.cost_low, norm.cost_high, cost == "energy" ? "nJ" : "ns",
              reference_points.size(), nas::Hypervolume(reference_points, {1.0, 1.0}));

  if (!args.count("timing-only")) {
    std::vector<int> checkpoints;
    for (int c : {25, 50, 100}) {
      if (c <= evaluations) checkpoints.push_back(c);
    }
    if (checkpoints.empty() || checkpoints.back() != evaluations) checkpoints.push_back(evaluations);
    const int jobs = static_cast<int>(methods.size()) * seeds;
    std::vector<std::vector<double>> results(jobs);
    const auto t0 = std::chrono::steady_clock::now();
    // Runs are independent and each is deterministic, so the thread count changes only the
    // wall time, never a number.
#pragma omp parallel for schedule(dynamic, 1)
    for (int j = 0; j < jobs; ++j) {
      const Method& m = methods[j % methods.size()];
      const std::uint64_t seed = 1000 + j / methods.size();
      results[j] = RunOne(m, seed, evaluations, checkpoints, space, problem, norm);
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("\nhypervolume (error, normalised ln %s; reference (1, 1)), median [q1, q3] over %d "
                "seeds, %d evaluations per run, %.0f s wall\n",
                cost.c_str(), seeds, evaluations, wall);
    std::printf("| %-24s |", "method");
    for (int c : checkpoints) std::printf(" after %-3d             |", c);
    std::printf("\n|%s|", std::string(26, '-').c_str());
    for (std::size_t c = 0; c < checkpoints.size(); ++c) std::printf("%s|", std::string(23, '-').c_str());
    std::printf("\n");
    std::map<std::string, std::vector<double>> medians;
    for (std::size_t mi = 0; mi < methods.size(); ++mi) {
      std::printf("| %-24s |", methods[mi].label.c_str());
      for (std::size_t c = 0; c < checkpoints.size(); ++c) {
        std::vector<double> v;
        for (int s = 0; s < seeds; ++s) v.push_back(results[s * methods.size() + mi][c]);
        medians[methods[mi].kind].push_back(Quantile(v, 0.5));
        std::printf(" %.4f [%.4f, %.4f] |", Quantile(v, 0.5), Quantile(v, 0.25),
                    Quantile(v, 0.75));
      }
      std::printf("\n");
    }
    const auto at50 = std::find(checkpoints.begin(), checkpoints.end(), 50);
    if (at50 != checkpoints.end() && medians.count("random") && medians.count("tpe")) {
      const std::size_t c = at50 - checkpoints.begin();
      const double bar = std::max(medians["random"][c], medians["tpe"][c]);
      for (const char* k : {"gp", "gp_parego", "gp_ehvi"}) {
        if (!medians.count(k)) continue;
        std::printf("%s at 50 evaluations: median %.4f vs max(random, tpe) %.4f: %s\n", k,
                    medians[k][c], bar, medians[k][c] > bar ? "better" : "NOT better");
      }
    }
  }
  std::printf("\n");
  for (const char* kind : {"gp", "gp_ehvi"}) TimeProposal(kind, space, problem, norm);
  return 0;
}

}  // namespace
}  // namespace imcnas::bench

int main(int argc, char** argv) {
  try {
    return imcnas::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "search_quality: error: " << e.what() << "\n";
    return 2;
  }
}
