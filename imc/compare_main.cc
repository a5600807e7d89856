// Fidelity report: runs each preset on the reference networks and prints ours / reference per
// network (and with --layers per layer) for latency, energy and area.
//   bazel run //imc:compare -- --simulator mnsim2 [--config default] [--layers]
//   bazel run //imc:compare -- --simulator neurosim14
// Reads testdata/imc/<simulator>_reference.csv and testdata/arch/<net>.json from the workspace.
#include <cstdio>
#include <exception>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <cxxopts.hpp>

#include "arch/architecture.h"
#include "arch/graph.h"
#include "imc/estimate.h"
#include "imc/reference_csv.h"

namespace {

using imcnas::imc::NetworkCost;
using imcnas::imc::ReferenceRow;

double Ratio(double ours, double ref) { return ref != 0 ? ours / ref : (ours == 0 ? 1.0 : 0.0); }

struct Columns {
  const char* latency;
  const char* energy;
  double energy_to_pj;
  const char* area;
};

}  // namespace

int main(int argc, char** argv) {
  cxxopts::Options options("compare", "ours / reference for the reference networks");
  options.add_options()("simulator", "mnsim2 or neurosim14",
                        cxxopts::value<std::string>()->default_value("mnsim2"))(
      "config", "only this configuration", cxxopts::value<std::string>()->default_value(""))(
      "layers", "per-layer ratios too")("root", "workspace root",
                                        cxxopts::value<std::string>()->default_value(""))(
      "h,help", "show this help");
  try {
    const auto args = options.parse(argc, argv);
    if (args.count("help")) {
      std::cout << options.help() << "\n";
      return 0;
    }
    if (!args.unmatched().empty()) {
      std::cerr << "compare: unexpected argument '" << args.unmatched().front() << "'\n";
      return 2;
    }
    const std::string sim = args["simulator"].as<std::string>();
    if (sim != "mnsim2" && sim != "neurosim14") {
      std::cerr << "compare: unknown --simulator '" << sim << "' (mnsim2 or neurosim14)\n";
      return 2;
    }
    std::string root = args["root"].as<std::string>();
    if (root.empty()) {
      const char* w = std::getenv("BUILD_WORKSPACE_DIRECTORY");
      root = w ? w : ".";
    }
    const Columns col = sim == "mnsim2" ? Columns{"latency_ns", "energy_nJ", 1000.0, "area_um2"}
                                        : Columns{"latency_ns", "", 1.0, "area_um2"};
    const auto rows =
        imcnas::imc::ReadReferenceCsv(root + "/testdata/imc/" + sim + "_reference.csv");
    std::map<std::pair<std::string, std::string>, std::vector<const ReferenceRow*>> groups;
    std::vector<std::pair<std::string, std::string>> order;
    std::set<std::string> configs;
    for (const auto& r : rows) {
      configs.insert(r.Text("config"));
      const auto key = std::make_pair(r.Text("config"), r.Text("net_id"));
      if (!args["config"].as<std::string>().empty() &&
          key.first != args["config"].as<std::string>())
        continue;
      if (!groups.count(key)) order.push_back(key);
      groups[key].push_back(&r);
    }
    if (order.empty()) {
      std::string known;
      for (const auto& c : configs) known += (known.empty() ? "" : ", ") + c;
      std::cerr << "compare: no " << sim << " reference configuration '"
                << args["config"].as<std::string>() << "' (known: " << known << ")\n";
      return 2;
    }
    std::printf("%-9s %-5s | %12s %12s %6s | %12s %12s %6s | %12s %12s %6s\n", "config", "net",
                "lat_ns", "ref", "ratio", "energy_pJ", "ref", "ratio", "area_um2", "ref", "ratio");
    for (const auto& key : order) {
      const std::string preset = imcnas::imc::PresetForConfig(sim, key.first);
      const auto graph = imcnas::arch::Lower(
          imcnas::arch::LoadArchitecture(root + "/testdata/arch/" + key.second + ".json"));
      const NetworkCost cost = imcnas::imc::EstimateByName(preset, graph);
      const ReferenceRow* total = nullptr;
      std::vector<const ReferenceRow*> layers;
      for (const ReferenceRow* r : groups[key]) {
        if (r->Text("layer_index") == "-1")
          total = r;
        else
          layers.push_back(r);
      }
      if (total == nullptr) continue;
      const double ref_e =
          sim == "mnsim2" ? total->Number("energy_nJ") * 1000.0
                          : total->Number("dynamic_energy_pJ") + total->Number("leakage_energy_pJ");
      std::printf("%-9s %-5s | %12.5g %12.5g %6.3f | %12.5g %12.5g %6.3f | %12.5g %12.5g %6.3f\n",
                  key.first.c_str(), key.second.c_str(), cost.latency_ns,
                  total->Number(col.latency), Ratio(cost.latency_ns, total->Number(col.latency)),
                  cost.energy_pj, ref_e, Ratio(cost.energy_pj, ref_e), cost.area_um2,
                  total->Number(col.area), Ratio(cost.area_um2, total->Number(col.area)));
      if (!args.count("layers")) continue;
      if (layers.size() != cost.layers.size()) {
        std::printf("   layer count differs: ours %zu, reference %zu\n", cost.layers.size(),
                    layers.size());
        continue;
      }
      for (size_t i = 0; i < layers.size(); ++i) {
        const ReferenceRow& r = *layers[i];
        const auto& l = cost.layers[i];
        if (sim == "mnsim2") {
          std::printf(
              "   %2zu %-14s %-8s finish %6.3f busy-buffer %6.3f energy %6.3f (adc %6.3f "
              "buf %6.3f) area %6.3f\n",
              i, r.Text("layer_kind").c_str(), l.kind.c_str(),
              Ratio(l.finish_ns, r.Number("finish_ns")),
              Ratio(l.latency_breakdown_ns[0], r.Number("lat_buffer_ns")),
              Ratio(l.energy_pj, r.Number("energy_nJ") * 1000),
              Ratio(l.energy_breakdown_pj[1], r.Number("e_ADC_nJ") * 1000),
              Ratio(l.energy_breakdown_pj[3] + l.energy_breakdown_pj[4],
                    (r.Number("e_buf_r_nJ") + r.Number("e_buf_w_nJ")) * 1000),
              Ratio(l.area_um2, r.Number("area_um2")));
        } else {
          std::printf(
              "   %2zu %-6s latency %6.3f (ours %10.1f ref %10.1f) energy %6.3f (ours "
              "%10.1f ref %10.1f)\n",
              i, r.Text("layer_kind").c_str(), Ratio(l.latency_ns, r.Number("latency_ns")),
              l.latency_ns, r.Number("latency_ns"),
              Ratio(l.energy_pj, r.Number("dynamic_energy_pJ") + r.Number("leakage_energy_pJ")),
              l.energy_pj, r.Number("dynamic_energy_pJ") + r.Number("leakage_energy_pJ"));
        }
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "compare: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
