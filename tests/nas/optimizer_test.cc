#include "nas/optimizer.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include <gtest/gtest.h>

#include "nas/objectives.h"

namespace imcnas::nas {
namespace {

using arch::Block;
using arch::BlockKind;

// Depth 1..3, three kinds, channels {16, 32, 64}: 9 + 81 + 729 = 819 networks.
SearchSpace ToySpace() {
  SearchSpaceOptions o;
  o.max_depth = 3;
  o.channels = {16, 32, 64};
  return SearchSpace(o);
}

// Distance to a target network in the encoding: 0 exactly at the target, positive elsewhere.
double ToyObjective(const SearchSpace& space, std::uint64_t index, std::uint64_t target) {
  const Encoding a = space.Features(index), b = space.Features(target);
  double f = 0;
  for (std::size_t i = 0; i + 3 < a.continuous.size(); ++i) {
    f += std::abs(a.continuous[i] - b.continuous[i]);
  }
  for (std::size_t i = 0; i < a.categorical.size(); ++i) f += a.categorical[i] != b.categorical[i];
  return f;
}

OptimizerConfig Config(const std::string& kind, int objectives, std::uint64_t seed) {
  OptimizerConfig c;
  c.kind = kind;
  c.num_objectives = objectives;
  c.seed = seed;
  c.acquisition_samples = 200;
  c.fit_starts = 2;
  c.fit_iterations = 25;
  c.tpe_startup = 10;
  c.population = 10;
  c.tournament = 3;
  return c;
}

// Two conflicting objectives: distance to target A and distance to target B.
std::vector<double> ToyObjectives(const SearchSpace& space, std::uint64_t index, int m) {
  const std::uint64_t a = space.Encode({{BlockKind::kRes, 64}, {BlockKind::kVgg, 32}});
  const std::uint64_t b = space.Encode({{BlockKind::kMvgg, 16}});
  if (m == 1) return {ToyObjective(space, index, a)};
  return {ToyObjective(space, index, a), ToyObjective(space, index, b)};
}

// Runs `budget` evaluations in batches of q; returns the proposals in order.
std::vector<std::uint64_t> RunBudget(Optimizer& opt, const SearchSpace& space, int m, int budget,
                               int q = 1) {
  std::vector<std::uint64_t> all;
  while (static_cast<int>(all.size()) < budget) {
    const auto batch = opt.Propose(q);
    for (std::uint64_t i : batch) {
      all.push_back(i);
      // Every 13th evaluation fails, to exercise that path.
      Evaluation e{i, ToyObjectives(space, i, m), all.size() % 13 == 0};
      opt.Observe(e);
    }
  }
  return all;
}

TEST(OptimizerTest, EachAcquisitionFindsTheToyOptimum) {
  const SearchSpace space = ToySpace();
  const std::uint64_t target = space.Encode({{BlockKind::kRes, 64}, {BlockKind::kVgg, 32}});
  for (const std::string acquisition : {"ei", "ucb", "pi"}) {
    for (std::uint64_t seed : {1u, 2u}) {
      OptimizerConfig c = Config("gp", 1, seed);
      c.acquisition = acquisition;
      auto opt = MakeOptimizer(space, c);
      // 60 of 819 networks: random search would find the optimum with probability 7%.
      const auto proposals = RunBudget(*opt, space, 1, 60);
      EXPECT_NE(std::find(proposals.begin(), proposals.end(), target), proposals.end())
          << acquisition << " seed " << seed;
    }
  }
}

TEST(OptimizerTest, MultiObjectiveGpFindsMostOfTheTrueFront) {
  const SearchSpace space = ToySpace();
  std::vector<std::vector<double>> everything;
  for (std::uint64_t i = 0; i < space.size(); ++i) everything.push_back(ToyObjectives(space, i, 2));
  const std::vector<double> ref = {8.0, 8.0};
  const double best = Hypervolume(everything, ref);
  for (const std::string kind : {"gp_parego", "gp_ehvi"}) {
    auto opt = MakeOptimizer(space, Config(kind, 2, 3));
    std::vector<std::vector<double>> found;
    for (std::uint64_t i : RunBudget(*opt, space, 2, 60)) found.push_back(ToyObjectives(space, i, 2));
    std::vector<std::vector<double>> random;
    auto rnd = MakeOptimizer(space, Config("random", 2, 3));
    for (std::uint64_t i : RunBudget(*rnd, space, 2, 60)) random.push_back(ToyObjectives(space, i, 2));
    EXPECT_GT(Hypervolume(found, ref), 0.97 * best) << kind;
    EXPECT_GT(Hypervolume(found, ref), Hypervolume(random, ref)) << kind;
  }
}

const char* kAllKinds[] = {"gp", "gp_parego", "gp_ehvi", "tpe", "evolution", "nsga2", "random"};
int ObjectivesOf(const std::string& kind) { return kind == "gp" || kind == "tpe" ? 1 : 2; }

TEST(OptimizerTest, DeterministicNeverRepeatsAndSeedMatters) {
  const SearchSpace space = ToySpace();
  for (const std::string kind : kAllKinds) {
    const int m = ObjectivesOf(kind);
    auto a = MakeOptimizer(space, Config(kind, m, 42));
    auto b = MakeOptimizer(space, Config(kind, m, 42));
    auto c = MakeOptimizer(space, Config(kind, m, 43));
    const auto pa = RunBudget(*a, space, m, 40, 3);
    const auto pb = RunBudget(*b, space, m, 40, 3);
    const auto pc = RunBudget(*c, space, m, 40, 3);
    EXPECT_EQ(pa, pb) << kind;
    EXPECT_NE(pa, pc) << kind;
    EXPECT_EQ(std::set<std::uint64_t>(pa.begin(), pa.end()).size(), pa.size()) << kind;
    EXPECT_EQ(a->name(), kind);
    EXPECT_EQ(a->history().size(), pa.size());
  }
}

TEST(OptimizerTest, BatchStrategiesGiveDistinctDeterministicBatches) {
  const SearchSpace space = ToySpace();
  for (const std::string kind : {"gp", "gp_parego", "gp_ehvi"}) {
    for (const std::string strategy : {"kriging_believer", "constant_liar"}) {
      const int m = ObjectivesOf(kind);
      OptimizerConfig c = Config(kind, m, 9);
      c.batch_strategy = strategy;
      auto a = MakeOptimizer(space, c);
      auto b = MakeOptimizer(space, c);
      const auto pa = RunBudget(*a, space, m, 30, 5);
      EXPECT_EQ(pa, RunBudget(*b, space, m, 30, 5)) << kind << " " << strategy;
      EXPECT_EQ(std::set<std::uint64_t>(pa.begin(), pa.end()).size(), pa.size());
      // A batch proposed while others are pending never overlaps them.
      const auto first = a->Propose(4);
      const auto second = a->Propose(4);
      std::set<std::uint64_t> all(first.begin(), first.end());
      all.insert(second.begin(), second.end());
      EXPECT_EQ(all.size(), 8u);
      for (std::uint64_t i : all) {
        EXPECT_EQ(std::find(pa.begin(), pa.end(), i), pa.end());
      }
    }
  }
}

TEST(OptimizerTest, SaveRestoreContinuesIdentically) {
  const SearchSpace space = ToySpace();
  for (const std::string kind : kAllKinds) {
    const int m = ObjectivesOf(kind);
    auto a = MakeOptimizer(space, Config(kind, m, 7));
    RunBudget(*a, space, m, 24, 2);
    // Leave a pending proposal in the saved state.
    const auto pending = a->Propose(2);
    a->Observe({pending[0], ToyObjectives(space, pending[0], m)});
    const std::string saved = a->SaveState().dump();
    auto b = MakeOptimizer(space, Config(kind, m, 7));
    b->RestoreState(nlohmann::json::parse(saved));
    a->Observe({pending[1], ToyObjectives(space, pending[1], m)});
    b->Observe({pending[1], ToyObjectives(space, pending[1], m)});
    EXPECT_EQ(RunBudget(*a, space, m, 16, 2), RunBudget(*b, space, m, 16, 2)) << kind;
    EXPECT_EQ(a->SaveState(), b->SaveState()) << kind;
  }
}

TEST(OptimizerTest, RestoreRejectsForeignOrBrokenState) {
  const SearchSpace space = ToySpace();
  auto gp = MakeOptimizer(space, Config("gp", 1, 1));
  RunBudget(*gp, space, 1, 5);
  auto tpe = MakeOptimizer(space, Config("tpe", 1, 1));
  EXPECT_THROW(tpe->RestoreState(gp->SaveState()), std::invalid_argument);
  auto other_seed = MakeOptimizer(space, Config("gp", 1, 2));
  EXPECT_THROW(other_seed->RestoreState(gp->SaveState()), std::invalid_argument);
  nlohmann::json broken = gp->SaveState();
  broken["history"][0]["index"] = space.size();
  auto fresh = MakeOptimizer(space, Config("gp", 1, 1));
  EXPECT_THROW(fresh->RestoreState(broken), std::invalid_argument);
  EXPECT_THROW(fresh->RestoreState(nlohmann::json::object()), std::invalid_argument);
  // A failed restore leaves the optimiser usable and empty.
  EXPECT_TRUE(fresh->history().empty());
  EXPECT_EQ(fresh->Propose(1).size(), 1u);
}

TEST(OptimizerTest, BadConfigurationAndObservations) {
  const SearchSpace space = ToySpace();
  EXPECT_THROW(MakeOptimizer(space, Config("hyperband", 1, 0)), std::invalid_argument);
  EXPECT_THROW(MakeOptimizer(space, Config("gp_ehvi", 3, 0)), std::invalid_argument);
  EXPECT_THROW(MakeOptimizer(space, Config("gp", 2, 0)), std::invalid_argument);
  OptimizerConfig c = Config("gp", 1, 0);
  c.acquisition = "kg";
  EXPECT_THROW(MakeOptimizer(space, c), std::invalid_argument);
  auto opt = MakeOptimizer(space, Config("random", 2, 0));
  EXPECT_THROW(opt->Propose(0), std::invalid_argument);
  EXPECT_THROW(opt->Observe({space.size(), {1, 2}}), std::invalid_argument);
  EXPECT_THROW(opt->Observe({3, {1}}), std::invalid_argument);
  EXPECT_THROW(opt->Observe({3, {1, std::nan("")}}), std::invalid_argument);
  opt->Observe({3, {1, 2}});
  EXPECT_THROW(opt->Observe({3, {1, 2}}), std::invalid_argument);
}

TEST(OptimizerTest, ExhaustsASmallSpaceWithoutRepeats) {
  SearchSpaceOptions o;
  o.max_depth = 1;
  const SearchSpace space(o);  // 18 networks
  for (const std::string kind : kAllKinds) {
    const int m = ObjectivesOf(kind);
    OptimizerConfig c = Config(kind, m, 5);
    c.initial_design = 4;
    c.tpe_startup = 4;
    c.population = 4;
    auto opt = MakeOptimizer(space, c);
    std::set<std::uint64_t> seen;
    while (seen.size() < space.size()) {
      for (std::uint64_t i : opt->Propose(5)) {
        ASSERT_TRUE(seen.insert(i).second) << kind;
        const double f = static_cast<double>((i * 7) % 18);
        opt->Observe({i, m == 1 ? std::vector<double>{f} : std::vector<double>{f, 18.0 - f}});
      }
    }
    EXPECT_THROW(opt->Propose(1), std::runtime_error) << kind;
  }
}

}  // namespace
}  // namespace imcnas::nas
