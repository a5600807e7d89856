// Public entry points of the crossbar cost models.
//
//   const arch::Graph g = arch::Lower(arch::LoadArchitecture("testdata/arch/b06.json"));
//   imc::NetworkCost cost = imc::Estimate<imc::Mnsim2>(g);        // preset as a type
//   imc::NetworkCost same = imc::EstimateByName("mnsim2", g);     // preset by name
//   imc::NetworkTotals t = imc::EstimateTotals<imc::Mnsim2>(g);   // totals only, same bits
//   nlohmann::json record = imc::ToJson(cost);
#ifndef IMCNAS_IMC_ESTIMATE_H_
#define IMCNAS_IMC_ESTIMATE_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "arch/graph.h"
#include "imc/cost.h"
#include "imc/internal/mnsim_constants.h"
#include "imc/internal/mnsim_engine.h"
#include "imc/internal/neurosim_constants.h"
#include "imc/internal/neurosim_engine.h"
#include "imc/neurosim_presets.h"
#include "imc/presets.h"

namespace imcnas::imc {

namespace internal {
// Fills ops, throughput, TOPS/W and EDP from the totals (and the preset's name).
void FinishTotals(const arch::Graph& graph, NetworkTotals* totals);
void FinishTotals(const arch::Graph& graph, const char* preset, NetworkCost* cost);
nlohmann::json MnsimConstantsJson(const MnsimConstants& c);
nlohmann::json NeurosimConstantsJson(const NeurosimConstants& c);

// Name of each preset type (the names EstimateByName accepts).
template <class P>
struct PresetName;
template <>
struct PresetName<Mnsim2> {
  static constexpr const char* kValue = "mnsim2";
};
template <>
struct PresetName<Mnsim2_2024a> {
  static constexpr const char* kValue = "mnsim2_2024a";
};
template <>
struct PresetName<Mnsim2Xbar64> {
  static constexpr const char* kValue = "mnsim2_xbar64";
};
template <>
struct PresetName<Mnsim2Xbar128> {
  static constexpr const char* kValue = "mnsim2_xbar128";
};
template <>
struct PresetName<Mnsim2Xbar512> {
  static constexpr const char* kValue = "mnsim2_xbar512";
};
template <>
struct PresetName<Mnsim2Adc1> {
  static constexpr const char* kValue = "mnsim2_adc1";
};
template <>
struct PresetName<Mnsim2Adc2> {
  static constexpr const char* kValue = "mnsim2_adc2";
};
template <>
struct PresetName<Mnsim2Adc4> {
  static constexpr const char* kValue = "mnsim2_adc4";
};
template <>
struct PresetName<Mnsim2Adc7> {
  static constexpr const char* kValue = "mnsim2_adc7";
};
template <>
struct PresetName<Mnsim2Dac2> {
  static constexpr const char* kValue = "mnsim2_dac2";
};
template <>
struct PresetName<Mnsim2Physical> {
  static constexpr const char* kValue = "mnsim2_physical";
};
template <>
struct PresetName<Neurosim14> {
  static constexpr const char* kValue = "neurosim14";
};

}  // namespace internal

// Prices one network with a preset. Throws std::invalid_argument if the network does not fit
// the preset's hardware (e.g. more tiles than the chip has).
template <class Preset>
NetworkCost Estimate(const arch::Graph& graph) {
  // Initialised from the engine's result (no default construction and move assignment).
  NetworkCost cost = [&] {
    if constexpr (Preset::kSimulator == Simulator::kMnsim) {
      return internal::EstimateMnsimFor<Preset>(graph);
    } else {
      return internal::EstimateNeurosimFor<Preset>(graph);
    }
  }();
  internal::FinishTotals(graph, internal::PresetName<Preset>::kValue, &cost);
  return cost;
}

// The totals of Estimate<Preset>(graph), bit for bit (the same engine code), without the
// per-layer records: for callers that need only latency, energy, area and their breakdowns,
// such as a search pricing many networks. Throws as Estimate does.
template <class Preset>
NetworkTotals EstimateTotals(const arch::Graph& graph) {
  NetworkTotals totals = [&] {
    if constexpr (Preset::kSimulator == Simulator::kMnsim) {
      return internal::EstimateMnsimTotalsFor<Preset>(graph);
    } else {
      return internal::EstimateNeurosimTotalsFor<Preset>(graph);
    }
  }();
  internal::FinishTotals(graph, &totals);
  return totals;
}

// Every hardware constant of a preset, for run records.
template <class Preset>
nlohmann::json PresetConstants() {
  nlohmann::json j;
  if constexpr (Preset::kSimulator == Simulator::kMnsim) {
    j = internal::MnsimConstantsJson(internal::MnsimTables<Preset>::kConstants);
    j["device"] = {{"technology_nm", Preset::Device::kTechnologyNm},
                   {"cell_area_um2", Preset::Device::kCellAreaUm2},
                   {"bits_per_cell", Preset::Device::kBitsPerCell},
                   {"hrs_ohm", Preset::Device::kHrsOhm},
                   {"lrs_ohm", Preset::Device::kLrsOhm},
                   {"read_voltage_v", Preset::Device::kReadVoltageV}};
    j["adc"] = {{"bits", Preset::AdcUnit::kBits},
                {"rate_gsps", Preset::AdcUnit::kRateGsps},
                {"power_w", Preset::AdcUnit::kPowerW},
                {"area_um2", Preset::AdcUnit::kAreaUm2}};
    j["dac"] = {{"bits", Preset::DacUnit::kBits},
                {"rate_gsps", Preset::DacUnit::kRateGsps},
                {"power_w", Preset::DacUnit::kPowerW},
                {"area_um2", Preset::DacUnit::kAreaUm2}};
    j["conventions"] = {
        {"adc_energy_counts_settling", Preset::Conventions::kAdcEnergyCountsSettling},
        {"fixed_converter_count", Preset::Conventions::kFixedConverterCount},
        {"pooling_takes_tile", Preset::Conventions::kPoolingTakesTile},
        {"omit_global_accumulator", Preset::Conventions::kOmitGlobalAccumulator}};
  } else {
    j = internal::NeurosimConstantsJson(internal::NeurosimTables<Preset>::kConstants);
  }
  j["preset"] = internal::PresetName<Preset>::kValue;
  return j;
}

// The names EstimateByName and PresetConstantsByName accept.
std::vector<std::string> PresetNames();
// Throws std::invalid_argument naming the known presets if `preset` is unknown.
NetworkCost EstimateByName(const std::string& preset, const arch::Graph& graph);
nlohmann::json PresetConstantsByName(const std::string& preset);

// {"preset":..., "layers":[...], "total":{...}}; keys latency_ns, energy_pj, area_um2 and the
// breakdown maps ("energy_breakdown_pj": {"adc": ..., ...}).
nlohmann::json ToJson(const NetworkCost& cost);

}  // namespace imcnas::imc

#endif  // IMCNAS_IMC_ESTIMATE_H_
