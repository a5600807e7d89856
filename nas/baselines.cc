// Baselines in the same harness as GP-BO: TPE (as Hyperopt), regularised evolution, NSGA-II.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "nas/internal/optimizer_base.h"
#include "nas/objectives.h"

namespace imcnas::nas::internal {
namespace {

constexpr int kMaxRetries = 100;

// ---------------------------------------------------------------------------------------------
// TPE, following hyperopt/tpe.py (Bergstra et al. 2011/2013) for a space of categorical choices:
// the space is the conditional tree  depth ~ choice(min..max);  for slot s < depth:
// kind_s ~ choice(kinds), channels_s ~ choice(channels) [, kernel_s ~ choice(kernels)].
// - The first tpe_startup (20) proposals are drawn from this prior (uniform depth, then uniform
//   choices), as hyperopt's rand.suggest - note: not uniform over networks.
// - Then the successful trials are sorted by loss and split: the best
//   n_below = min(ceil(gamma * sqrt(N)), 25) are "good" (gamma = 0.25), the rest "bad".
// - Per variable, only trials where it is active count. Its good and bad posteriors are
//   categorical: p(c) proportional to prior_weight + sum of linear-forgetting weights of the
//   observations equal to c (weights 1 for the newest 25 observations, a ramp from 1/N below).
// - tpe_candidates (24) values are drawn from the good posterior and the one maximising
//   log p_good - log p_bad is kept, for each variable independently (hyperopt's broadcast_best).
// Deviation: hyperopt may re-propose a configuration; our harness forbids it, so a taken result
// is drawn again (up to 100 times), then replaced by a random untaken network.
class TpeOptimizer : public OptimizerBase {
 public:
  using OptimizerBase::OptimizerBase;

 protected:
  void ProposeInto(int q, std::vector<std::uint64_t>& batch) override {
    for (int j = 0; j < q; ++j) {
      std::vector<Evaluation> ok;
      for (const Evaluation& e : history_) {
        if (!e.failed) ok.push_back(e);
      }
      const bool startup =
          proposed_ + batch.size() < static_cast<std::uint64_t>(config_.tpe_startup) ||
          ok.empty();
      std::uint64_t chosen = 0;
      bool found = false;
      for (int attempt = 0; attempt < kMaxRetries && !found; ++attempt) {
        chosen = startup ? PriorSample() : PosteriorSample(ok);
        found = !Taken(chosen);
      }
      if (!found) chosen = RandomUntaken();
      Reserve(chosen, batch);
    }
  }

 private:
  int NumDepths() const { return space_.options().max_depth - space_.options().min_depth + 1; }
  int NumKinds() const { return static_cast<int>(space_.options().kinds.size()); }
  int NumChannels() const { return static_cast<int>(space_.options().channels.size()); }
  int NumKernels() const { return static_cast<int>(space_.options().kernels.size()); }

  std::uint64_t Compose(int depth, const std::vector<int>& kind, const std::vector<int>& ch,
                        const std::vector<int>& ker) const {
    std::vector<int> digits(depth);
    for (int s = 0; s < depth; ++s) {
      digits[s] = (kind[s] * NumChannels() + ch[s]) * NumKernels() + ker[s];
    }
    return space_.EncodeDigits(digits);
  }

  std::uint64_t PriorSample() {
    const int depth = space_.options().min_depth + static_cast<int>(rng_.UniformInt(NumDepths()));
    std::vector<int> kind(depth), ch(depth), ker(depth);
    for (int s = 0; s < depth; ++s) {
      kind[s] = static_cast<int>(rng_.UniformInt(NumKinds()));
      ch[s] = static_cast<int>(rng_.UniformInt(NumChannels()));
      ker[s] = NumKernels() > 1 ? static_cast<int>(rng_.UniformInt(NumKernels())) : 0;
    }
    return Compose(depth, kind, ch, ker);
  }

  // numpy.linspace(1/N, 1, N - LF) followed by LF ones, as hyperopt's linear_forgetting_weights.
  std::vector<double> ForgettingWeights(int n) const {
    const int lf = config_.tpe_linear_forgetting;
    std::vector<double> w(n, 1.0);
    if (n <= lf) return w;
    const int ramp = n - lf;
    const double start = 1.0 / n;
    for (int i = 0; i < ramp; ++i) {
      w[i] = ramp == 1 ? start : start + (1.0 - start) * i / (ramp - 1);
    }
    return w;
  }

  std::vector<double> Posterior(const std::vector<int>& obs, int categories) const {
    const std::vector<double> w = ForgettingWeights(static_cast<int>(obs.size()));
    std::vector<double> p(categories, config_.tpe_prior_weight);
    for (std::size_t i = 0; i < obs.size(); ++i) p[obs[i]] += w[i];
    const double sum = std::accumulate(p.begin(), p.end(), 0.0);
    for (double& x : p) x /= sum;
    return p;
  }

  int Draw(const std::vector<double>& p) {
    const double u = rng_.Uniform();
    double c = 0.0;
    for (std::size_t i = 0; i < p.size(); ++i) {
      c += p[i];
      if (u < c) return static_cast<int>(i);
    }
    return static_cast<int>(p.size()) - 1;
  }

  // Draws tpe_candidates values from the good posterior, keeps the best log-ratio (the first
  // of equal ones, as numpy.argmax).
  int Choose(const std::vector<int>& good_obs, const std::vector<int>& bad_obs, int categories) {
    const std::vector<double> pg = Posterior(good_obs, categories);
    const std::vector<double> pb = Posterior(bad_obs, categories);
    int best = -1;
    double best_score = -std::numeric_limits<double>::infinity();
    for (int c = 0; c < config_.tpe_candidates; ++c) {
      const int x = Draw(pg);
      const double score = std::log(pg[x]) - std::log(pb[x]);
      if (best < 0 || score > best_score) {
        best = x;
        best_score = score;
      }
    }
    return best;
  }

  std::uint64_t PosteriorSample(const std::vector<Evaluation>& ok) {
    const int n = static_cast<int>(ok.size());
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
      return ok[a].objectives[0] < ok[b].objectives[0];
    });
    const int n_below = std::min(
        static_cast<int>(std::ceil(config_.tpe_gamma * std::sqrt(static_cast<double>(n)))),
        config_.tpe_linear_forgetting);
    std::vector<bool> good(n, false);
    for (int i = 0; i < n_below; ++i) good[order[i]] = true;
    // Decode every trial once; observations stay in trial (history) order for the weights.
    std::vector<std::vector<int>> digits(n);
    for (int i = 0; i < n; ++i) digits[i] = space_.DecodeDigits(ok[i].index);
    const int min_depth = space_.options().min_depth;
    auto collect = [&](auto value_of, int slot, std::vector<int>* g, std::vector<int>* b) {
      for (int i = 0; i < n; ++i) {
        if (slot >= static_cast<int>(digits[i].size())) continue;  // inactive in this trial
        (good[i] ? g : b)->push_back(value_of(i));
      }
    };
    std::vector<int> g, b;
    collect([&](int i) { return static_cast<int>(digits[i].size()) - min_depth; }, -1, &g, &b);
    const int depth = min_depth + Choose(g, b, NumDepths());
    std::vector<int> kind(depth), ch(depth), ker(depth, 0);
    const int nc = NumChannels(), nk = NumKernels();
    for (int s = 0; s < depth; ++s) {
      g.clear(), b.clear();
      collect([&](int i) { return digits[i][s] / (nc * nk); }, s, &g, &b);
      kind[s] = Choose(g, b, NumKinds());
      g.clear(), b.clear();
      collect([&](int i) { return (digits[i][s] / nk) % nc; }, s, &g, &b);
      ch[s] = Choose(g, b, nc);
      if (nk > 1) {
        g.clear(), b.clear();
        collect([&](int i) { return digits[i][s] % nk; }, s, &g, &b);
        ker[s] = Choose(g, b, nk);
      }
    }
    return Compose(depth, kind, ch, ker);
  }
};

// ---------------------------------------------------------------------------------------------
// Shared by the evolutionary baselines: NSGA-II's ordering of a set of objective vectors.
// Returns rank (lower better) and crowding distance (larger better) per point.
void RankAndCrowd(const std::vector<std::vector<double>>& pts, std::vector<int>* rank,
                  std::vector<double>* crowd) {
  *rank = ParetoRanks(pts);
  const std::size_t n = pts.size();
  crowd->assign(n, 0.0);
  if (n == 0) return;
  const std::size_t m = pts[0].size();
  const int max_rank = *std::max_element(rank->begin(), rank->end());
  for (int r = 0; r <= max_rank; ++r) {
    std::vector<std::size_t> front;
    for (std::size_t i = 0; i < n; ++i) {
      if ((*rank)[i] == r) front.push_back(i);
    }
    for (std::size_t k = 0; k < m; ++k) {
      std::vector<std::size_t> f = front;
      std::stable_sort(f.begin(), f.end(),
                       [&](std::size_t a, std::size_t b) { return pts[a][k] < pts[b][k]; });
      const double span = pts[f.back()][k] - pts[f.front()][k];
      (*crowd)[f.front()] = (*crowd)[f.back()] = std::numeric_limits<double>::infinity();
      if (span <= 0) continue;
      for (std::size_t i = 1; i + 1 < f.size(); ++i) {
        (*crowd)[f[i]] += (pts[f[i + 1]][k] - pts[f[i - 1]][k]) / span;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Regularised (aging) evolution, Real et al. 2019: the population is the `population` most
// recent evaluations; a parent is the best of `tournament` members drawn without replacement
// (best = lowest objective; with several objectives the lowest Pareto rank within the sample,
// then the largest crowding distance, then the member drawn first); the child is one random edit of
// it. Until the population is full, proposals are uniform over depth, then blocks.
class EvolutionOptimizer : public OptimizerBase {
 public:
  using OptimizerBase::OptimizerBase;

 protected:
  void ProposeInto(int q, std::vector<std::uint64_t>& batch) override {
    const std::vector<Evaluation> data = ModelData();
    const int p = config_.population;
    for (int j = 0; j < q; ++j) {
      if (static_cast<int>(data.size()) < p) {
        Reserve(RandomUntakenByDepth(), batch);
        continue;
      }
      std::vector<int> members(p);
      std::iota(members.begin(), members.end(), static_cast<int>(data.size()) - p);
      bool found = false;
      for (int attempt = 0; attempt < kMaxRetries && !found; ++attempt) {
        // Partial Fisher-Yates: the first `tournament` entries are the sample.
        for (int i = 0; i < config_.tournament; ++i) {
          std::swap(members[i], members[i + rng_.UniformInt(p - i)]);
        }
        std::vector<std::vector<double>> pts;
        for (int i = 0; i < config_.tournament; ++i) pts.push_back(data[members[i]].objectives);
        std::vector<int> rank;
        std::vector<double> crowd;
        RankAndCrowd(pts, &rank, &crowd);
        int winner = 0;
        for (int i = 1; i < config_.tournament; ++i) {
          const bool better = config_.num_objectives == 1
                                  ? pts[i][0] < pts[winner][0]
                                  : rank[i] < rank[winner] ||
                                        (rank[i] == rank[winner] && crowd[i] > crowd[winner]);
          if (better) winner = i;
        }
        const std::uint64_t child = space_.Mutate(data[members[winner]].index, rng_);
        if (!Taken(child)) {
          Reserve(child, batch);
          found = true;
        }
      }
      if (!found) Reserve(RandomUntaken(), batch);
    }
  }
};

// ---------------------------------------------------------------------------------------------
// NSGA-II (Deb et al. 2002) in generational form on the evaluation budget: the parents are the
// `population` best of everything evaluated under NSGA-II's survival order (rank, then crowding
// distance); each child comes from two binary tournaments on that order, one-point crossover of
// the block lists (probability crossover_probability; cut points keep the depth in range), and
// one random edit. Until the first population is evaluated, proposals are uniform over depth,
// then blocks.
class Nsga2Optimizer : public OptimizerBase {
 public:
  using OptimizerBase::OptimizerBase;

 protected:
  void ProposeInto(int q, std::vector<std::uint64_t>& batch) override {
    const std::vector<Evaluation> data = ModelData();
    const int p = config_.population;
    if (static_cast<int>(data.size()) < p) {
      for (int j = 0; j < q; ++j) Reserve(RandomUntakenByDepth(), batch);
      return;
    }
    std::vector<std::vector<double>> pts;
    for (const Evaluation& e : data) pts.push_back(e.objectives);
    std::vector<int> rank;
    std::vector<double> crowd;
    RankAndCrowd(pts, &rank, &crowd);
    std::vector<int> order(data.size());
    std::iota(order.begin(), order.end(), 0);
    auto before = [&](int a, int b) {
      if (rank[a] != rank[b]) return rank[a] < rank[b];
      if (crowd[a] != crowd[b]) return crowd[a] > crowd[b];
      return a < b;
    };
    std::sort(order.begin(), order.end(), before);
    order.resize(p);  // survivors, best first: position is the tournament key
    auto tournament = [&]() {
      const std::size_t a = rng_.UniformInt(p), b = rng_.UniformInt(p);
      return data[order[std::min(a, b)]].index;
    };
    const auto& o = space_.options();
    for (int j = 0; j < q; ++j) {
      bool found = false;
      for (int attempt = 0; attempt < kMaxRetries && !found; ++attempt) {
        std::vector<int> a = space_.DecodeDigits(tournament());
        const std::vector<int> b = space_.DecodeDigits(tournament());
        std::vector<int> child = a;
        if (rng_.Uniform() < config_.crossover_probability) {
          // Child = a[0, i) + b[k, end) with depth i + |b| - k in [min_depth, max_depth].
          std::vector<std::pair<int, int>> cuts;
          for (int i = 0; i <= static_cast<int>(a.size()); ++i) {
            for (int k = 0; k <= static_cast<int>(b.size()); ++k) {
              const int d = i + static_cast<int>(b.size()) - k;
              if (d >= o.min_depth && d <= o.max_depth && i > 0 && k < static_cast<int>(b.size())) {
                cuts.emplace_back(i, k);
              }
            }
          }
          if (!cuts.empty()) {
            const auto [i, k] = cuts[rng_.UniformInt(cuts.size())];
            child.assign(a.begin(), a.begin() + i);
            child.insert(child.end(), b.begin() + k, b.end());
          }
        }
        const std::uint64_t c = space_.Mutate(space_.EncodeDigits(child), rng_);
        if (!Taken(c)) {
          Reserve(c, batch);
          found = true;
        }
      }
      if (!found) Reserve(RandomUntaken(), batch);
    }
  }
};

}  // namespace

std::unique_ptr<Optimizer> MakeTpeOptimizer(const SearchSpace& space,
                                            const OptimizerConfig& config) {
  return std::make_unique<TpeOptimizer>(space, config);
}
std::unique_ptr<Optimizer> MakeEvolutionOptimizer(const SearchSpace& space,
                                                  const OptimizerConfig& config) {
  return std::make_unique<EvolutionOptimizer>(space, config);
}
std::unique_ptr<Optimizer> MakeNsga2Optimizer(const SearchSpace& space,
                                              const OptimizerConfig& config) {
  return std::make_unique<Nsga2Optimizer>(space, config);
}

}  // namespace imcnas::nas::internal
