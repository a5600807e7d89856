// The picture of a search: validation accuracy against crossbar latency and against energy,
// every candidate drawn, each panel's Pareto front joined and highlighted, the scalarised
// (paper-style) optimum ringed. Plain SVG, written by hand, so it needs no plotting library and
// is byte-identical for identical records.
#ifndef IMCNAS_BENCH_PARETO_PLOT_H_
#define IMCNAS_BENCH_PARETO_PLOT_H_

#include <string>
#include <vector>

namespace imcnas::bench {

struct PlotPoint {
  double accuracy = 0;    // in [0, 1]
  double latency_ns = 0;  // > 0
  double energy_pj = 0;   // > 0
  bool failed = false;    // drawn as a cross on the bottom axis
};

// `optimum` is the index of the point to ring (-1 for none). Latency and energy axes are
// logarithmic. Returns a complete SVG document.
std::string ParetoSvg(const std::vector<PlotPoint>& points, int optimum, const std::string& title);

// Indices of the points not dominated in (max accuracy, min cost), ordered by cost; failed points
// never belong.
std::vector<int> Front2D(const std::vector<PlotPoint>& points, bool use_energy);

}  // namespace imcnas::bench

#endif  // IMCNAS_BENCH_PARETO_PLOT_H_
