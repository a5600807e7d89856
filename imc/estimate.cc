#include "imc/estimate.h"

#include <stdexcept>

namespace imcnas::imc {

const char* LatencyPartName(LatencyPart part) {
  switch (part) {
    case LatencyPart::kBuffer:
      return "buffer";
    case LatencyPart::kCompute:
      return "compute";
    case LatencyPart::kDigital:
      return "digital";
    case LatencyPart::kPooling:
      return "pooling";
    case LatencyPart::kIntraTile:
      return "intra_tile";
    case LatencyPart::kInterTile:
      return "inter_tile";
    case LatencyPart::kCount:
      break;
  }
  return "?";
}

const char* EnergyPartName(EnergyPart part) {
  switch (part) {
    case EnergyPart::kCrossbar:
      return "crossbar";
    case EnergyPart::kAdc:
      return "adc";
    case EnergyPart::kDac:
      return "dac";
    case EnergyPart::kBufferRead:
      return "buffer_read";
    case EnergyPart::kBufferWrite:
      return "buffer_write";
    case EnergyPart::kDigital:
      return "digital";
    case EnergyPart::kPooling:
      return "pooling";
    case EnergyPart::kInterconnect:
      return "interconnect";
    case EnergyPart::kLeakage:
      return "leakage";
    case EnergyPart::kGlobalAccumulator:
      return "global_accumulator";
    case EnergyPart::kCount:
      break;
  }
  return "?";
}

const char* AreaPartName(AreaPart part) {
  switch (part) {
    case AreaPart::kCrossbar:
      return "crossbar";
    case AreaPart::kAdc:
      return "adc";
    case AreaPart::kDac:
      return "dac";
    case AreaPart::kBuffer:
      return "buffer";
    case AreaPart::kDigital:
      return "digital";
    case AreaPart::kPooling:
      return "pooling";
    case AreaPart::kInterconnect:
      return "interconnect";
    case AreaPart::kGlobalAccumulator:
      return "global_accumulator";
    case AreaPart::kOther:
      return "other";
    case AreaPart::kCount:
      break;
  }
  return "?";
}

namespace internal {

void FinishTotals(const arch::Graph& graph, const char* preset, NetworkCost* cost) {
  cost->preset = preset;
  FinishTotals(graph, cost);
}

void FinishTotals(const arch::Graph& graph, NetworkTotals* cost) {
  // graph.macs(), over the only ops that have multiply-accumulates (one call per op is a
  // measurable part of a 2 us estimate).
  long long macs = 0;
  for (const arch::Op& op : graph.ops) {
    if (op.kind == arch::OpKind::kConv || op.kind == arch::OpKind::kFullyConnected) {
      macs += op.macs();
    }
  }
  cost->ops = 2 * macs;
  cost->throughput_per_s = cost->latency_ns > 0 ? 1e9 / cost->latency_ns : 0.0;
  cost->tops_per_w = cost->energy_pj > 0 ? cost->ops / cost->energy_pj : 0.0;
  cost->edp_pj_ns = cost->energy_pj * cost->latency_ns;
}

nlohmann::json MnsimConstantsJson(const MnsimConstants& c) {
  return {
      {"simulator", "mnsim2"},
      {"crossbar",
       {{"rows", c.xbar_rows},
        {"cols", c.xbar_cols},
        {"polarity", c.polarity},
        {"read_latency_ns", c.xbar_read_ns},
        {"cell_read_power_w", c.cell_read_power_w}}},
      {"quantisation",
       {{"weight_slices", c.weight_slices},
        {"input_cycles", c.input_cycles},
        {"activation_bits", c.activation_bits}}},
      {"pe",
       {{"dacs", c.dacs_per_pe},
        {"adcs", c.adcs_per_pe},
        {"rows_per_dac", c.rows_per_dac},
        {"cols_per_adc", c.cols_per_adc},
        {"dac_latency_ns", c.dac_ns},
        {"adc_latency_ns", c.adc_ns},
        {"adc_power_w", c.adc_power_w},
        {"dac_power_w", c.dac_power_w},
        {"adc_energy_time_factor", c.adc_energy_time_factor}}},
      {"tile",
       {{"pes", c.pes_per_tile},
        {"pooling_op_ns", c.pooling_op_ns},
        {"pooling_lanes", c.pooling_lanes},
        {"pooling_window", c.pooling_window},
        {"pooling_power_w", c.pooling_power_w},
        {"area_um2",
         {{"crossbar", c.tile_crossbar_area},
          {"adc", c.tile_adc_area},
          {"dac", c.tile_dac_area},
          {"digital", c.tile_digital_area},
          {"buffer", c.tile_buffer_area},
          {"pooling", c.tile_pooling_area}}},
        {"pooling_takes_tile", c.pooling_takes_tile}}},
      {"chip",
       {{"tile_rows", c.tile_rows},
        {"tile_cols", c.tile_cols},
        {"inter_tile_bits_per_ns", c.inter_tile_bits_per_ns},
        {"intra_tile_bits_per_ns", c.intra_tile_bits_per_ns},
        {"element_sum_ns", c.element_sum_ns},
        {"global_accumulator_base_area_um2", c.global_acc_base_area},
        {"global_adder_area_um2", c.global_adder_area},
        {"global_adder_energy_nj", c.global_adder_nj},
        {"omit_global_accumulator", c.omit_global_accumulator},
        {"placement", "spiral"}}},
      {"digital",
       {{"period_ns", c.digital_period_ns},
        {"decoder_ns", c.decoder_ns},
        {"mux_ns", c.mux_ns},
        {"joint_energy_nj", c.joint_nj},
        {"shiftreg_energy_nj", c.shiftreg_nj},
        {"input_path_energy_nj", c.input_path_nj}}},
      {"buffer",
       {{"width_bits", c.buffer_width_bits},
        {"access_ns", c.buffer_access_ns},
        {"read_power_w", c.buffer_read_w},
        {"write_power_w", c.buffer_write_w}}},
  };
}

nlohmann::json NeurosimConstantsJson(const NeurosimConstants& c) {
  return {
      {"simulator", "neurosim14"},
      {"array",
       {{"subarray_rows", c.sub_rows},
        {"subarray_cols", c.sub_cols},
        {"parallel_rows", c.parallel_rows},
        {"cols_per_adc", c.cols_per_adc},
        {"adc_bits", c.adc_bits},
        {"bits_per_cell", c.bits_per_cell},
        {"sense_cycle_ns", c.sense_cycle_ns}}},
      {"quantisation", {{"weight_bits", c.weight_bits}, {"input_bits", c.input_bits}}},
      {"tile",
       {{"subarray_rows", c.tile_sub_rows},
        {"subarray_cols", c.tile_sub_cols},
        {"area_um2", c.tile_area},
        {"array_area_um2", c.array_area},
        {"adc_area_um2", c.adc_area},
        {"accumulation_area_um2", c.accum_area},
        {"interconnect_area_um2", c.ic_area},
        {"leakage_power_w", c.leakage_w_per_tile}}},
      {"chip", {{"global_area_um2", c.global_area}}},
      {"latency_per_position_ns",
       {{"sense", c.sense_ns_per_position},
        {"buffer_fixed", c.buf_fixed},
        {"buffer_per_input_bit", c.buf_in},
        {"buffer_per_output_bit", c.buf_out},
        {"bus_per_input_bit", c.bus_in},
        {"bus_per_output_bit", c.bus_out},
        {"bus_per_tile", c.bus_tile},
        {"other_fixed", c.other_fixed},
        {"other_per_input_bit", c.other_in},
        {"other_per_output_bit", c.other_out},
        {"other_per_row_tile", c.other_row_tile}}},
      {"energy_pj",
       {{"per_column_read", c.e_col},
        {"per_row_group_read", c.e_group},
        {"per_broadcast_bit", c.e_bcast},
        {"per_partial_sum_bit", c.e_psum},
        {"per_input_bit", c.e_in},
        {"adc_per_column_read", c.adc_col},
        {"adc_per_row_group_read", c.adc_group},
        {"adc_per_broadcast_bit", c.adc_bcast},
        {"accum_per_column_read", c.acc_col},
        {"accum_per_row_group_read", c.acc_group},
        {"accum_per_broadcast_bit", c.acc_bcast},
        {"accum_per_partial_sum_bit", c.acc_psum},
        {"accum_per_input_bit", c.acc_in}}},
  };
}

}  // namespace internal

namespace {

struct PresetEntry {
  const char* name;
  NetworkCost (*estimate)(const arch::Graph&);
  nlohmann::json (*constants)();
};

template <class P>
constexpr PresetEntry Entry() {
  return {internal::PresetName<P>::kValue, &Estimate<P>, &PresetConstants<P>};
}

const PresetEntry kPresets[] = {
    Entry<Mnsim2>(),        Entry<Mnsim2_2024a>(), Entry<Mnsim2Xbar64>(),   Entry<Mnsim2Xbar128>(),
    Entry<Mnsim2Xbar512>(), Entry<Mnsim2Adc1>(),   Entry<Mnsim2Adc2>(),     Entry<Mnsim2Adc4>(),
    Entry<Mnsim2Adc7>(),    Entry<Mnsim2Dac2>(),   Entry<Mnsim2Physical>(), Entry<Neurosim14>(),
};

const PresetEntry& Find(const std::string& name) {
  for (const PresetEntry& e : kPresets) {
    if (name == e.name) return e;
  }
  std::string known;
  for (const PresetEntry& e : kPresets) known += std::string(known.empty() ? "" : ", ") + e.name;
  throw std::invalid_argument("unknown preset \"" + name + "\"; known presets: " + known);
}

nlohmann::json Breakdown(const double* values, int n, const char* (*name)(int)) {
  nlohmann::json j = nlohmann::json::object();
  for (int k = 0; k < n; ++k) j[name(k)] = values[k];
  return j;
}
const char* LName(int k) { return LatencyPartName(static_cast<LatencyPart>(k)); }
const char* EName(int k) { return EnergyPartName(static_cast<EnergyPart>(k)); }
const char* AName(int k) { return AreaPartName(static_cast<AreaPart>(k)); }

nlohmann::json ShapeJson(const arch::Shape& s) { return {s.height, s.width, s.channels}; }

}  // namespace

std::vector<std::string> PresetNames() {
  std::vector<std::string> names;
  for (const PresetEntry& e : kPresets) names.push_back(e.name);
  return names;
}

NetworkCost EstimateByName(const std::string& preset, const arch::Graph& graph) {
  return Find(preset).estimate(graph);
}

nlohmann::json PresetConstantsByName(const std::string& preset) { return Find(preset).constants(); }

nlohmann::json ToJson(const NetworkCost& cost) {
  nlohmann::json layers = nlohmann::json::array();
  for (const LayerCost& l : cost.layers) {
    layers.push_back({
        {"name", l.name},
        {"kind", l.kind},
        {"in", ShapeJson(l.in)},
        {"out", ShapeJson(l.out)},
        {"kernel", l.kernel},
        {"stride", l.stride},
        {"weight_rows", l.weight_rows},
        {"weight_cols", l.weight_cols},
        {"crossbars", l.crossbars},
        {"pes", l.pes},
        {"tiles", l.tiles},
        {"duplication", l.duplication},
        {"utilisation", l.utilisation},
        {"latency_ns", l.latency_ns},
        {"finish_ns", l.finish_ns},
        {"busy_ns", l.busy_ns},
        {"energy_pj", l.energy_pj},
        {"area_um2", l.area_um2},
        {"latency_breakdown_ns", Breakdown(l.latency_breakdown_ns.data(), kLatencyParts, LName)},
        {"energy_breakdown_pj", Breakdown(l.energy_breakdown_pj.data(), kEnergyParts, EName)},
        {"area_breakdown_um2", Breakdown(l.area_breakdown_um2.data(), kAreaParts, AName)},
    });
  }
  nlohmann::json total = {
      {"latency_ns", cost.latency_ns},
      {"sequential_latency_ns", cost.sequential_latency_ns},
      {"energy_pj", cost.energy_pj},
      {"area_um2", cost.area_um2},
      {"tiles", cost.tiles},
      {"crossbars", cost.crossbars},
      {"ops", cost.ops},
      {"throughput_per_s", cost.throughput_per_s},
      {"tops_per_w", cost.tops_per_w},
      {"edp_pj_ns", cost.edp_pj_ns},
      {"global_accumulator_energy_pj", cost.global_accumulator_energy_pj},
      {"global_accumulator_area_um2", cost.global_accumulator_area_um2},
      {"latency_breakdown_ns", Breakdown(cost.latency_breakdown_ns.data(), kLatencyParts, LName)},
      {"energy_breakdown_pj", Breakdown(cost.energy_breakdown_pj.data(), kEnergyParts, EName)},
      {"area_breakdown_um2", Breakdown(cost.area_breakdown_um2.data(), kAreaParts, AName)},
  };
  return {{"preset", cost.preset}, {"layers", layers}, {"total", total}};
}

}  // namespace imcnas::imc
