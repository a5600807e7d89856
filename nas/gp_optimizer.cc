// Gaussian-process Bayesian optimisation over the search space: "gp", "gp_parego", "gp_ehvi".
#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <unordered_map>

#include "nas/acquisition.h"
#include "nas/gp.h"
#include "nas/internal/optimizer_base.h"
#include "nas/objectives.h"

namespace imcnas::nas::internal {
namespace {

// Plain loops: Eigen's vectorised min/max reductions trip GCC 12's -Wmaybe-uninitialized on
// AVX-512 under -Werror.
double MinOf(const Eigen::VectorXd& v) {
  double m = std::numeric_limits<double>::infinity();
  for (Eigen::Index i = 0; i < v.size(); ++i) m = std::min(m, v[i]);
  return m;
}
double MaxOf(const Eigen::VectorXd& v) {
  double m = -std::numeric_limits<double>::infinity();
  for (Eigen::Index i = 0; i < v.size(); ++i) m = std::max(m, v[i]);
  return m;
}

class GpOptimizer : public OptimizerBase {
 public:
  GpOptimizer(const SearchSpace& space, const OptimizerConfig& config)
      : OptimizerBase(space, config) {
    spec_.num_continuous = space_.num_continuous_features();
    spec_.num_categorical = space_.num_categorical_features();
    spec_.combination = config.kernel;
    const int models = config.kind == "gp_ehvi" ? 2 : 1;
    warm_.assign(models, GaussianProcess(spec_).DefaultHyperparameters());
  }

 protected:
  void ProposeInto(int q, std::vector<std::uint64_t>& batch) override {
    while (static_cast<int>(batch.size()) < q &&
           proposed_ + batch.size() < static_cast<std::uint64_t>(config_.initial_design)) {
      Reserve(InitialDesignPoint(proposed_ + batch.size()), batch);
    }
    if (static_cast<int>(batch.size()) == q) return;
    const std::vector<Evaluation> data = ModelData();
    if (data.size() < 2) {
      while (static_cast<int>(batch.size()) < q) {
        Reserve(InitialDesignPoint(proposed_ + batch.size()), batch);
      }
      return;
    }
    ModelBatch(q - static_cast<int>(batch.size()), data, batch);
  }

  nlohmann::json SaveExtra() const override {
    nlohmann::json w = nlohmann::json::array();
    for (const Eigen::VectorXd& t : warm_) {
      w.push_back(std::vector<double>(t.data(), t.data() + t.size()));
    }
    return {{"hyperparameters", w}, {"fits", fits_}};
  }

  void RestoreExtra(const nlohmann::json& extra) override {
    const auto w = extra.at("hyperparameters").get<std::vector<std::vector<double>>>();
    if (w.size() != warm_.size()) throw std::invalid_argument("wrong number of GP models");
    for (std::size_t m = 0; m < w.size(); ++m) {
      if (static_cast<Eigen::Index>(w[m].size()) != warm_[m].size()) {
        throw std::invalid_argument("wrong number of GP hyperparameters");
      }
    }
    const std::uint64_t fits = extra.at("fits").get<std::uint64_t>();
    for (std::size_t m = 0; m < w.size(); ++m) {
      warm_[m] = Eigen::Map<const Eigen::VectorXd>(w[m].data(), w[m].size());
    }
    fits_ = fits;
  }

 private:
  void Encode(const std::vector<std::uint64_t>& idx, Eigen::MatrixXd* xc, Eigen::MatrixXi* xk) const {
    xc->resize(idx.size(), spec_.num_continuous);
    xk->resize(idx.size(), spec_.num_categorical);
    for (std::size_t i = 0; i < idx.size(); ++i) {
      const Encoding e = space_.Features(idx[i]);
      for (int d = 0; d < spec_.num_continuous; ++d) (*xc)(i, d) = e.continuous[d];
      for (int k = 0; k < spec_.num_categorical; ++k) (*xk)(i, k) = e.categorical[k];
    }
  }

  void ModelBatch(int q, const std::vector<Evaluation>& data, std::vector<std::uint64_t>& batch) {
    const int n = static_cast<int>(data.size());
    const int m_obj = config_.num_objectives;
    std::vector<std::uint64_t> idx(n);
    for (int i = 0; i < n; ++i) idx[i] = data[i].index;
    Eigen::MatrixXd xc;
    Eigen::MatrixXi xk;
    Encode(idx, &xc, &xk);

    const bool ehvi = config_.kind == "gp_ehvi";
    const int models = ehvi ? 2 : 1;
    std::vector<Eigen::VectorXd> targets(models, Eigen::VectorXd(n));
    if (config_.kind == "gp") {
      for (int i = 0; i < n; ++i) targets[0][i] = data[i].objectives[0];
    } else if (config_.kind == "gp_parego") {
      std::vector<double> lo(m_obj, std::numeric_limits<double>::infinity());
      std::vector<double> hi(m_obj, -std::numeric_limits<double>::infinity());
      for (const Evaluation& e : data) {
        for (int j = 0; j < m_obj; ++j) {
          lo[j] = std::min(lo[j], e.objectives[j]);
          hi[j] = std::max(hi[j], e.objectives[j]);
        }
      }
      // Uniform weights on the simplex (normalised exponentials).
      std::vector<double> w(m_obj);
      double sum = 0;
      for (double& x : w) sum += (x = -std::log(1.0 - rng_.Uniform()));
      for (double& x : w) x /= sum;
      for (int i = 0; i < n; ++i) {
        std::vector<double> f(m_obj);
        for (int j = 0; j < m_obj; ++j) {
          f[j] = hi[j] > lo[j] ? (data[i].objectives[j] - lo[j]) / (hi[j] - lo[j]) : 0.0;
        }
        targets[0][i] = AugmentedTchebycheff(f, w, 0.05);
      }
    } else {
      for (int m = 0; m < 2; ++m) {
        for (int i = 0; i < n; ++i) targets[m][i] = data[i].objectives[m];
      }
    }

    std::vector<GaussianProcess> gps;
    for (int m = 0; m < models; ++m) {
      gps.emplace_back(spec_);
      gps[m].SetHyperparameters(warm_[m]);
      gps[m].SetData(xc, xk, targets[m]);
      // Models take turns (gp_ehvi has two), so a round pays for at most one restart.
      const bool restarts = (fits_ + m) % config_.fit_restart_every == 0;
      gps[m].FitHyperparameters(rng_, {restarts ? config_.fit_starts : 1, config_.fit_iterations});
      warm_[m] = gps[m].hyperparameters();
    }

    ++fits_;

    // Incumbents: the best value (single model) or the front and reference point (EHVI).
    double best = MinOf(targets[0]);
    std::vector<std::array<double, 2>> front;
    std::array<double, 2> reference{0, 0};
    if (ehvi) {
      std::vector<std::vector<double>> pts;
      for (const Evaluation& e : data) pts.push_back(e.objectives);
      for (std::size_t i : ParetoFront(pts)) front.push_back({pts[i][0], pts[i][1]});
      for (int m = 0; m < 2; ++m) {
        const double lo = MinOf(targets[m]), hi = MaxOf(targets[m]);
        reference[m] = hi + 0.1 * (hi > lo ? hi - lo : 1.0);
      }
    }

    // Local-search seeds: the best observed points (single model) or spread front points.
    std::vector<std::uint64_t> seeds;
    if (ehvi) {
      std::vector<std::vector<double>> pts;
      for (const Evaluation& e : data) pts.push_back(e.objectives);
      std::vector<std::size_t> f = ParetoFront(pts);
      std::sort(f.begin(), f.end(), [&](std::size_t a, std::size_t b) {
        return pts[a][0] < pts[b][0] || (pts[a][0] == pts[b][0] && a < b);
      });
      const std::size_t k = std::min<std::size_t>(5, f.size());
      for (std::size_t i = 0; i < k; ++i) {
        seeds.push_back(idx[f[k > 1 ? i * (f.size() - 1) / (k - 1) : 0]]);
      }
    } else {
      std::vector<int> order(n);
      for (int i = 0; i < n; ++i) order[i] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](int a, int b) { return targets[0][a] < targets[0][b]; });
      for (int i = 0; i < std::min(n, 5); ++i) seeds.push_back(idx[order[i]]);
    }

    for (int j = 0; j < q; ++j) {
      auto score = [&](const std::vector<std::uint64_t>& cand) {
        Eigen::MatrixXd cc;
        Eigen::MatrixXi ck;
        Encode(cand, &cc, &ck);
        std::vector<Eigen::VectorXd> mean(models), var(models);
        for (int m = 0; m < models; ++m) gps[m].Predict(cc, ck, &mean[m], &var[m]);
        std::vector<double> out(cand.size());
        for (std::size_t i = 0; i < cand.size(); ++i) {
          if (ehvi) {
            out[i] = ExpectedHypervolumeImprovement2D(
                {mean[0][i], mean[1][i]}, {std::sqrt(var[0][i]), std::sqrt(var[1][i])}, front,
                reference);
          } else {
            const double mu = mean[0][i], sd = std::sqrt(var[0][i]);
            if (config_.acquisition == "ei") {
              out[i] = LogExpectedImprovement(mu, sd, best);
            } else if (config_.acquisition == "pi") {
              out[i] = LogProbabilityOfImprovement(mu, sd,
                                                   best - config_.pi_margin * gps[0].y_scale());
            } else {
              out[i] = UpperConfidenceBound(mu, sd, config_.ucb_kappa);
            }
          }
        }
        return out;
      };
      const std::uint64_t chosen = MaximiseAcquisition(score, seeds);
      Reserve(chosen, batch);
      if (j + 1 == q) break;
      // Fantasy for the rest of the batch: the model's own mean (Kriging believer) or the best
      // value seen (constant liar, CL-min), added without refitting hyperparameters.
      Eigen::MatrixXd fc;
      Eigen::MatrixXi fk;
      Encode({chosen}, &fc, &fk);
      std::array<double, 2> fantasy{0, 0};
      for (int m = 0; m < models; ++m) {
        Eigen::VectorXd mu, var;
        gps[m].Predict(fc, fk, &mu, &var);
        fantasy[m] = config_.batch_strategy == "kriging_believer" ? mu[0]
                     : ehvi ? MinOf(targets[m])
                            : best;
        gps[m].AddPoint(fc.row(0).transpose(), fk.row(0).transpose(), fantasy[m]);
      }
      if (ehvi) {
        // Under constant liar the fantasy is (min f1, min f2), better than every observed point:
        // put on the front, it would leave only the front's two ends worth improving. The GPs
        // are conditioned on it; the front keeps the real points.
        if (config_.batch_strategy == "kriging_believer") front.push_back(fantasy);
      } else {
        best = std::min(best, fantasy[0]);
      }
    }
  }

  // Sampling plus hill climbing over the one-edit neighbourhood; never returns a taken index.
  std::uint64_t MaximiseAcquisition(
      const std::function<std::vector<double>(const std::vector<std::uint64_t>&)>& score,
      const std::vector<std::uint64_t>& seeds) {
    std::vector<std::uint64_t> pool;
    const int samples = config_.acquisition_samples;
    for (int i = 0; i < samples; ++i) {
      pool.push_back(i % 2 == 0 ? space_.Sample(rng_)
                                : space_.SampleAtDepth(
                                      space_.options().min_depth +
                                          static_cast<int>(rng_.UniformInt(
                                              space_.options().max_depth -
                                              space_.options().min_depth + 1)),
                                      rng_));
    }
    for (std::uint64_t s : seeds) {
      for (std::uint64_t nb : space_.Neighbours(s)) pool.push_back(nb);
    }
    std::sort(pool.begin(), pool.end());
    pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
    pool.erase(std::remove_if(pool.begin(), pool.end(), [&](std::uint64_t i) { return Taken(i); }),
               pool.end());
    if (pool.empty()) return RandomUntaken();

    std::unordered_map<std::uint64_t, double> memo;
    auto evaluate = [&](const std::vector<std::uint64_t>& cand) {
      std::vector<std::uint64_t> fresh;
      for (std::uint64_t c : cand) {
        if (!memo.count(c)) fresh.push_back(c);
      }
      if (!fresh.empty()) {
        const std::vector<double> s = score(fresh);
        for (std::size_t i = 0; i < fresh.size(); ++i) {
          memo[fresh[i]] = std::isnan(s[i]) ? -std::numeric_limits<double>::infinity() : s[i];
        }
      }
    };
    // Strictly better score, or equal score and smaller index: a total order, so the result
    // does not depend on evaluation order.
    auto better = [&](std::uint64_t a, std::uint64_t b) {
      const double sa = memo.at(a), sb = memo.at(b);
      return sa > sb || (sa == sb && a < b);
    };
    evaluate(pool);
    std::vector<std::uint64_t> ranked = pool;
    std::sort(ranked.begin(), ranked.end(), better);
    std::uint64_t best = ranked.front();
    const int starts = std::min<int>(config_.local_search_starts, static_cast<int>(ranked.size()));
    for (int s = 0; s < starts; ++s) {
      std::uint64_t current = ranked[s];
      for (int step = 0; step < config_.local_search_steps; ++step) {
        std::vector<std::uint64_t> nb = space_.Neighbours(current);
        nb.erase(std::remove_if(nb.begin(), nb.end(), [&](std::uint64_t i) { return Taken(i); }),
                 nb.end());
        if (nb.empty()) break;
        evaluate(nb);
        const std::uint64_t top = *std::min_element(nb.begin(), nb.end(), better);
        if (!better(top, current)) break;
        current = top;
      }
      if (better(current, best)) best = current;
    }
    return best;
  }

  KernelSpec spec_;
  std::vector<Eigen::VectorXd> warm_;
  std::uint64_t fits_ = 0;  // model fits so far (proposal rounds past the initial design)
};

}  // namespace

std::unique_ptr<Optimizer> MakeGpOptimizer(const SearchSpace& space, const OptimizerConfig& config) {
  return std::make_unique<GpOptimizer>(space, config);
}

}  // namespace imcnas::nas::internal
