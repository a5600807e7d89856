// bazel run //imc:estimate -- --arch FILE --preset NAME [--json]
// Prints a per-layer table (shape, mapping, latency, energy, area) and the totals, or with --json
// the object of imc::ToJson. Unknown preset, bad flags or a bad architecture: a message on
// stderr and exit status 2.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include <cxxopts.hpp>

#include "arch/architecture.h"
#include "arch/graph.h"
#include "cli/flags.h"
#include "imc/estimate.h"

namespace {

std::string ShapeText(const imcnas::arch::Shape& s) {
  return std::to_string(s.height) + "x" + std::to_string(s.width) + "x" +
         std::to_string(s.channels);
}

void PrintTable(const imcnas::imc::NetworkCost& cost) {
  std::printf("preset %s\n", cost.preset.c_str());
  std::printf("%-20s %-10s %-12s %-12s %6s %5s %6s %12s %12s %14s %12s\n", "layer", "kind", "in",
              "out", "xbars", "tiles", "util", "latency_ns", "busy_ns", "energy_pj", "area_mm2");
  for (const auto& l : cost.layers) {
    std::printf("%-20s %-10s %-12s %-12s %6d %5d %6.3f %12.1f %12.1f %14.1f %12.4f\n",
                l.name.c_str(), l.kind.c_str(), ShapeText(l.in).c_str(), ShapeText(l.out).c_str(),
                l.crossbars, l.tiles, l.utilisation, l.latency_ns, l.busy_ns, l.energy_pj,
                l.area_um2 * 1e-6);
  }
  std::printf(
      "total: latency %.1f ns (sequential %.1f ns), energy %.1f pJ, area %.4f mm^2, "
      "%d tiles, %d crossbars\n",
      cost.latency_ns, cost.sequential_latency_ns, cost.energy_pj, cost.area_um2 * 1e-6, cost.tiles,
      cost.crossbars);
  std::printf("derived: %.1f inferences/s, %.4f TOPS/W, EDP %.4g pJ*ns\n", cost.throughput_per_s,
              cost.tops_per_w, cost.edp_pj_ns);
  std::printf("energy by part (pJ):");
  for (int k = 0; k < imcnas::imc::kEnergyParts; ++k) {
    if (cost.energy_breakdown_pj[k] != 0) {
      std::printf(" %s %.1f", imcnas::imc::EnergyPartName(static_cast<imcnas::imc::EnergyPart>(k)),
                  cost.energy_breakdown_pj[k]);
    }
  }
  std::printf("\narea by part (mm^2):");
  for (int k = 0; k < imcnas::imc::kAreaParts; ++k) {
    if (cost.area_breakdown_um2[k] != 0) {
      std::printf(" %s %.4f", imcnas::imc::AreaPartName(static_cast<imcnas::imc::AreaPart>(k)),
                  cost.area_breakdown_um2[k] * 1e-6);
    }
  }
  std::printf("\n");
  if (cost.global_accumulator_area_um2 > 0) {
    std::printf(
        "global accumulator (element-wise sums): %.4g pJ, %.1f um^2%s\n",
        cost.global_accumulator_energy_pj, cost.global_accumulator_area_um2,
        cost.energy_breakdown_pj[static_cast<int>(imcnas::imc::EnergyPart::kGlobalAccumulator)] == 0
            ? " (not in the totals, as MNSIM)"
            : "");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string presets;
  for (const auto& n : imcnas::imc::PresetNames()) presets += (presets.empty() ? "" : ", ") + n;
  cxxopts::Options options("estimate", "Crossbar cost of a CNN architecture file");
  options.add_options()("arch", "architecture JSON file", cxxopts::value<std::string>())(
      "preset", "hardware preset: " + presets, cxxopts::value<std::string>())(
      "json", "print JSON instead of a table (--json, --json=true or --json=false)",
      cxxopts::value<bool>()->default_value("false"))("h,help", "show this help");
  try {
    const auto args = options.parse(argc, argv);
    if (args.count("help")) {
      std::cout << options.help() << "\n";
      return 0;
    }
    if (!args.unmatched().empty()) {
      std::cerr << "estimate: unexpected argument '" << args.unmatched().front()
                << "' (flags take the form --name value)\n";
      return 2;
    }
    if (const std::string repeated = imcnas::cli::RepeatedFlag(args); !repeated.empty()) {
      std::cerr << "estimate: --" << repeated << " given more than once\n";
      return 2;
    }
    if (!args.count("arch") || !args.count("preset")) {
      std::cerr << "estimate: --arch FILE and --preset NAME are required (presets: " << presets
                << ")\n";
      return 2;
    }
    const std::string preset = args["preset"].as<std::string>();
    // Check the preset before reading the file so a typo fails fast.
    imcnas::imc::PresetConstantsByName(preset);
    const imcnas::arch::Graph graph =
        imcnas::arch::Lower(imcnas::arch::LoadArchitecture(imcnas::cli::UserPath(args["arch"].as<std::string>())));
    const imcnas::imc::NetworkCost cost = imcnas::imc::EstimateByName(preset, graph);
    if (args["json"].as<bool>()) {
      std::cout << imcnas::imc::ToJson(cost).dump(2) << "\n";
    } else {
      PrintTable(cost);
    }
  } catch (const std::exception& e) {
    std::cerr << "estimate: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
