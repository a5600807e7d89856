#include "nas/objectives.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace imcnas::nas {
namespace {

void RequireFinite(const std::vector<std::vector<double>>& points, const char* what) {
  for (std::size_t i = 0; i < points.size(); ++i) {
    for (double v : points[i]) {
      if (!std::isfinite(v)) {
        throw std::invalid_argument(std::string(what) + ": point " + std::to_string(i) +
                                    " has a non-finite objective");
      }
    }
  }
}

bool Dominates(const std::vector<double>& a, const std::vector<double>& b) {
  bool strictly = false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) strictly = true;
  }
  return strictly;
}

// 2-D hypervolume of points already clipped to be strictly inside the reference box.
double Hypervolume2D(std::vector<std::pair<double, double>> pts, double r0, double r1) {
  std::sort(pts.begin(), pts.end());
  double volume = 0.0;
  double best1 = r1;  // lowest second coordinate seen so far, sweeping along the first
  for (std::size_t i = 0; i < pts.size(); ++i) {
    if (pts[i].second >= best1) continue;
    // Find the next point (in first coordinate) that improves the second coordinate further.
    std::size_t j = i + 1;
    while (j < pts.size() && pts[j].second >= pts[i].second) ++j;
    const double right = j < pts.size() ? pts[j].first : r0;
    volume += (right - pts[i].first) * (r1 - pts[i].second);
    best1 = pts[i].second;
    i = j - 1;
  }
  return volume;
}

}  // namespace

double ScalarizedCost(double accuracy, double cost, const ScalarizationConfig& config) {
  if (!(config.cost_weight >= 0.0 && config.cost_weight <= 1.0)) {
    throw std::invalid_argument("ScalarizedCost: cost_weight must be in [0, 1]");
  }
  if (!(config.cost_low > 0.0 && config.cost_high > config.cost_low)) {
    throw std::invalid_argument("ScalarizedCost: need 0 < cost_low < cost_high");
  }
  if (!(cost > 0.0) || !std::isfinite(cost)) {
    throw std::invalid_argument("ScalarizedCost: cost must be positive and finite, got " +
                                std::to_string(cost));
  }
  if (!(accuracy >= 0.0 && accuracy <= 1.0)) {
    throw std::invalid_argument("ScalarizedCost: accuracy must be in [0, 1], got " +
                                std::to_string(accuracy));
  }
  const double c_hat = (std::log(cost) - std::log(config.cost_low)) /
                       (std::log(config.cost_high) - std::log(config.cost_low));
  return (1.0 - config.cost_weight) * (1.0 - accuracy) + config.cost_weight * c_hat;
}

double AugmentedTchebycheff(const std::vector<double>& normalised,
                            const std::vector<double>& weights, double rho) {
  if (normalised.size() != weights.size() || normalised.empty()) {
    throw std::invalid_argument("AugmentedTchebycheff: dimension mismatch");
  }
  double worst = -INFINITY, sum = 0.0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    worst = std::max(worst, weights[i] * normalised[i]);
    sum += weights[i] * normalised[i];
  }
  return worst + rho * sum;
}

std::vector<std::size_t> ParetoFront(const std::vector<std::vector<double>>& points) {
  RequireFinite(points, "ParetoFront");
  std::vector<std::size_t> front;
  for (std::size_t i = 0; i < points.size(); ++i) {
    bool keep = true;
    for (std::size_t j = 0; j < points.size() && keep; ++j) {
      if (j == i) continue;
      if (Dominates(points[j], points[i]) || (j < i && points[j] == points[i])) keep = false;
    }
    if (keep) front.push_back(i);
  }
  return front;
}

std::vector<int> ParetoRanks(const std::vector<std::vector<double>>& points) {
  RequireFinite(points, "ParetoRanks");
  const std::size_t n = points.size();
  std::vector<int> rank(n, -1), dominated_by(n, 0);
  std::vector<std::vector<std::size_t>> dominates(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      if (i != j && Dominates(points[i], points[j])) {
        dominates[i].push_back(j);
        ++dominated_by[j];
      }
    }
  }
  std::vector<std::size_t> current;
  for (std::size_t i = 0; i < n; ++i) {
    if (dominated_by[i] == 0) current.push_back(i);
  }
  for (int r = 0; !current.empty(); ++r) {
    std::vector<std::size_t> next;
    for (std::size_t i : current) {
      rank[i] = r;
      for (std::size_t j : dominates[i]) {
        if (--dominated_by[j] == 0) next.push_back(j);
      }
    }
    std::sort(next.begin(), next.end());
    current = std::move(next);
  }
  return rank;
}

double Hypervolume(const std::vector<std::vector<double>>& points,
                   const std::vector<double>& reference) {
  const std::size_t m = reference.size();
  if (m < 1 || m > 3) {
    throw std::invalid_argument("Hypervolume: supports 1 to 3 objectives, got " +
                                std::to_string(m));
  }
  std::vector<std::vector<double>> inside;
  for (const auto& p : points) {
    if (p.size() != m) throw std::invalid_argument("Hypervolume: point dimension mismatch");
    bool ok = true;
    for (std::size_t i = 0; i < m; ++i) {
      if (!std::isfinite(p[i])) throw std::invalid_argument("Hypervolume: non-finite point");
      if (!(p[i] < reference[i])) ok = false;
    }
    if (ok) inside.push_back(p);
  }
  if (inside.empty()) return 0.0;
  if (m == 1) {
    double best = reference[0];
    for (const auto& p : inside) best = std::min(best, p[0]);
    return reference[0] - best;
  }
  if (m == 2) {
    std::vector<std::pair<double, double>> pts;
    for (const auto& p : inside) pts.emplace_back(p[0], p[1]);
    return Hypervolume2D(std::move(pts), reference[0], reference[1]);
  }
  // 3-D: sweep along the third objective; between consecutive distinct third coordinates the
  // cross-section is the 2-D hypervolume of every point at or below the slab's lower face.
  std::sort(inside.begin(), inside.end(),
            [](const std::vector<double>& a, const std::vector<double>& b) { return a[2] < b[2]; });
  double volume = 0.0;
  std::vector<std::pair<double, double>> active;
  for (std::size_t i = 0; i < inside.size();) {
    const double z = inside[i][2];
    while (i < inside.size() && inside[i][2] == z) {
      active.emplace_back(inside[i][0], inside[i][1]);
      ++i;
    }
    const double next_z = i < inside.size() ? inside[i][2] : reference[2];
    volume += Hypervolume2D(active, reference[0], reference[1]) * (next_z - z);
  }
  return volume;
}

}  // namespace imcnas::nas
