#include "bench/pareto_plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>

namespace imcnas::bench {
namespace {

constexpr double kPanelWidth = 420;
constexpr double kPanelHeight = 320;
constexpr double kMarginLeft = 60;
constexpr double kMarginTop = 50;
constexpr double kMarginBottom = 50;
constexpr double kGap = 70;

std::string Fixed(double value, int digits) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", digits, value);
  return buffer;
}

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// SI-style label for a value in the axis unit (ns or pJ), e.g. "1.2 ms", "35 uJ".
std::string Engineering(double value, bool energy) {
  static const char* kTime[] = {"ns", "us", "ms", "s"};
  static const char* kEnergy[] = {"pJ", "nJ", "uJ", "mJ", "J"};
  const int max_unit = energy ? 4 : 3;
  int unit = 0;
  while (value >= 1000 && unit < max_unit) {
    value /= 1000;
    ++unit;
  }
  return Fixed(value, value < 10 ? 1 : 0) + " " + (energy ? kEnergy[unit] : kTime[unit]);
}

void Panel(std::ostringstream& svg, const std::vector<PlotPoint>& points, int optimum,
           bool use_energy, double x0) {
  const double y0 = kMarginTop;
  auto cost = [&](const PlotPoint& p) { return use_energy ? p.energy_pj : p.latency_ns; };
  double lo = 0, hi = 0, acc_lo = 1, acc_hi = 0;
  bool any = false;
  for (const auto& p : points) {
    if (!(cost(p) > 0) || !std::isfinite(cost(p))) continue;
    const double c = std::log10(cost(p));
    lo = any ? std::min(lo, c) : c;
    hi = any ? std::max(hi, c) : c;
    if (!p.failed) {
      acc_lo = std::min(acc_lo, p.accuracy);
      acc_hi = std::max(acc_hi, p.accuracy);
    }
    any = true;
  }
  if (!any) {
    lo = 0;
    hi = 1;
  }
  lo = std::floor(lo * 4) / 4 - 0.1;
  hi = std::ceil(hi * 4) / 4 + 0.1;
  if (acc_lo > acc_hi) {
    acc_lo = 0;
    acc_hi = 1;
  }
  acc_lo = std::max(0.0, std::floor(acc_lo * 20) / 20 - 0.02);
  acc_hi = std::min(1.0, std::ceil(acc_hi * 20) / 20 + 0.02);
  if (acc_hi - acc_lo < 0.05) acc_hi = acc_lo + 0.05;
  auto sx = [&](double c) { return x0 + (std::log10(c) - lo) / (hi - lo) * kPanelWidth; };
  auto sy = [&](double a) {
    return y0 + kPanelHeight - (a - acc_lo) / (acc_hi - acc_lo) * kPanelHeight;
  };

  svg << "<rect x=\"" << Fixed(x0, 1) << "\" y=\"" << Fixed(y0, 1) << "\" width=\""
      << Fixed(kPanelWidth, 1) << "\" height=\"" << Fixed(kPanelHeight, 1)
      << "\" fill=\"none\" stroke=\"#333\"/>\n";
  // Ticks on the cost axis at 1, 2 and 5 times powers of ten, or decades alone if they are many.
  const bool decades_only = hi - lo > 2.5;
  for (int e = static_cast<int>(std::floor(lo)); e <= static_cast<int>(std::ceil(hi)); ++e) {
    for (double m : {1.0, 2.0, 5.0}) {
      if (decades_only && m != 1.0) continue;
      const double value = m * std::pow(10.0, e);
      const double l = std::log10(value);
      if (l < lo || l > hi) continue;
      const double x = sx(value);
      svg << "<line x1=\"" << Fixed(x, 1) << "\" y1=\"" << Fixed(y0, 1) << "\" x2=\""
          << Fixed(x, 1) << "\" y2=\"" << Fixed(y0 + kPanelHeight, 1) << "\" stroke=\"#ddd\"/>\n";
      svg << "<text x=\"" << Fixed(x, 1) << "\" y=\"" << Fixed(y0 + kPanelHeight + 16, 1)
          << "\" text-anchor=\"middle\" font-size=\"11\">"
          << Escape(Engineering(value, use_energy)) << "</text>\n";
    }
  }
  for (int i = 0; i <= 5; ++i) {
    const double a = acc_lo + (acc_hi - acc_lo) * i / 5;
    svg << "<text x=\"" << Fixed(x0 - 6, 1) << "\" y=\"" << Fixed(sy(a) + 4, 1)
        << "\" text-anchor=\"end\" font-size=\"11\">" << Fixed(100 * a, 1) << "</text>\n";
  }
  svg << "<text x=\"" << Fixed(x0 + kPanelWidth / 2, 1) << "\" y=\""
      << Fixed(y0 + kPanelHeight + 36, 1) << "\" text-anchor=\"middle\" font-size=\"12\">"
      << (use_energy ? "crossbar energy per image (log)" : "crossbar latency per image (log)")
      << "</text>\n";
  svg << "<text transform=\"translate(" << Fixed(x0 - 42, 1) << ","
      << Fixed(y0 + kPanelHeight / 2, 1)
      << ") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">validation accuracy (%)</text>\n";

  for (size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    if (!(cost(p) > 0) || !std::isfinite(cost(p))) continue;
    const double x = sx(cost(p));
    if (p.failed) {
      const double y = y0 + kPanelHeight - 4;
      svg << "<path d=\"M" << Fixed(x - 3, 1) << " " << Fixed(y - 3, 1) << "l6 6m0 -6l-6 6\" "
          << "stroke=\"#c00\"/>\n";
      continue;
    }
    svg << "<circle cx=\"" << Fixed(x, 1) << "\" cy=\"" << Fixed(sy(p.accuracy), 1)
        << "\" r=\"3\" fill=\"#999\" fill-opacity=\"0.7\"/>\n";
  }
  const std::vector<int> front = Front2D(points, use_energy);
  if (!front.empty()) {
    svg << "<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"1.5\" points=\"";
    for (int i : front) {
      svg << Fixed(sx(cost(points[i])), 1) << "," << Fixed(sy(points[i].accuracy), 1) << " ";
    }
    svg << "\"/>\n";
    for (int i : front) {
      svg << "<circle cx=\"" << Fixed(sx(cost(points[i])), 1) << "\" cy=\""
          << Fixed(sy(points[i].accuracy), 1) << "\" r=\"4\" fill=\"#1f5fbf\"/>\n";
    }
  }
  if (optimum >= 0 && optimum < static_cast<int>(points.size()) && !points[optimum].failed) {
    const auto& p = points[optimum];
    svg << "<circle cx=\"" << Fixed(sx(cost(p)), 1) << "\" cy=\"" << Fixed(sy(p.accuracy), 1)
        << "\" r=\"8\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>\n";
  }
}

}  // namespace

std::vector<int> Front2D(const std::vector<PlotPoint>& points, bool use_energy) {
  std::vector<int> order;
  for (size_t i = 0; i < points.size(); ++i) {
    const double c = use_energy ? points[i].energy_pj : points[i].latency_ns;
    if (!points[i].failed && c > 0 && std::isfinite(c)) order.push_back(static_cast<int>(i));
  }
  auto cost = [&](int i) { return use_energy ? points[i].energy_pj : points[i].latency_ns; };
  // Cheapest first; among equal costs the most accurate first, then by index for stability.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    if (cost(a) != cost(b)) return cost(a) < cost(b);
    return points[a].accuracy > points[b].accuracy;
  });
  std::vector<int> front;
  double best = -1;
  for (int i : order) {
    if (points[i].accuracy > best) {
      front.push_back(i);
      best = points[i].accuracy;
    }
  }
  return front;
}

std::string ParetoSvg(const std::vector<PlotPoint>& points, int optimum, const std::string& title) {
  const double width = kMarginLeft + 2 * kPanelWidth + kGap + 30;
  const double height = kMarginTop + kPanelHeight + kMarginBottom + 30;
  std::ostringstream svg;
  svg << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << Fixed(width, 0) << "\" height=\""
      << Fixed(height, 0) << "\" font-family=\"sans-serif\">\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"" << Fixed(width / 2, 1)
      << "\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">" << Escape(title) << "</text>\n";
  Panel(svg, points, optimum, false, kMarginLeft);
  Panel(svg, points, optimum, true, kMarginLeft + kPanelWidth + kGap);
  const double ly = kMarginTop + kPanelHeight + kMarginBottom + 14;
  svg << "<circle cx=\"" << Fixed(kMarginLeft, 1) << "\" cy=\"" << Fixed(ly, 1)
      << "\" r=\"3\" fill=\"#999\"/><text x=\"" << Fixed(kMarginLeft + 8, 1) << "\" y=\""
      << Fixed(ly + 4, 1) << "\" font-size=\"11\">candidate</text>\n"
      << "<circle cx=\"" << Fixed(kMarginLeft + 90, 1) << "\" cy=\"" << Fixed(ly, 1)
      << "\" r=\"4\" fill=\"#1f5fbf\"/><text x=\"" << Fixed(kMarginLeft + 98, 1) << "\" y=\""
      << Fixed(ly + 4, 1) << "\" font-size=\"11\">Pareto front of the panel</text>\n"
      << "<circle cx=\"" << Fixed(kMarginLeft + 260, 1) << "\" cy=\"" << Fixed(ly, 1)
      << "\" r=\"7\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/><text x=\""
      << Fixed(kMarginLeft + 272, 1) << "\" y=\"" << Fixed(ly + 4, 1)
      << "\" font-size=\"11\">optimum of the scalarised cost</text>\n"
      << "<path d=\"M" << Fixed(kMarginLeft + 467, 1) << " " << Fixed(ly - 3, 1)
      << "l6 6m0 -6l-6 6\" stroke=\"#c00\"/><text x=\"" << Fixed(kMarginLeft + 480, 1)
      << "\" y=\"" << Fixed(ly + 4, 1) << "\" font-size=\"11\">diverged or not trained</text>\n";
  svg << "</svg>\n";
  return svg.str();
}

}  // namespace imcnas::bench
