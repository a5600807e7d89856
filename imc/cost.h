// What a cost model returns: per-layer mapping, latency, energy and area with breakdowns, and the
// network totals. Units are in the names: ns, pJ, um^2.
#ifndef IMCNAS_IMC_COST_H_
#define IMCNAS_IMC_COST_H_

#include <array>
#include <string>
#include <vector>

#include "arch/architecture.h"

namespace imcnas::imc {

// Where latency goes in a layer (MNSIM's categories, as MNSIM reports them; NeuroSim maps
// onto them).
enum class LatencyPart { kBuffer, kCompute, kDigital, kPooling, kIntraTile, kInterTile, kCount };
// Energy by component.
enum class EnergyPart {
  kCrossbar,
  kAdc,
  kDac,
  kBufferRead,
  kBufferWrite,
  kDigital,  // shift-and-add, registers, (de)multiplexers, accumulation, activation
  kPooling,
  kInterconnect,
  kLeakage,
  kGlobalAccumulator,
  kCount
};
// Area by component.
enum class AreaPart {
  kCrossbar,
  kAdc,
  kDac,
  kBuffer,
  kDigital,
  kPooling,
  kInterconnect,
  kGlobalAccumulator,
  kOther,
  kCount
};

inline constexpr int kLatencyParts = static_cast<int>(LatencyPart::kCount);
inline constexpr int kEnergyParts = static_cast<int>(EnergyPart::kCount);
inline constexpr int kAreaParts = static_cast<int>(AreaPart::kCount);

const char* LatencyPartName(LatencyPart part);  // "buffer", "compute", ...
const char* EnergyPartName(EnergyPart part);    // "crossbar", "adc", ...
const char* AreaPartName(AreaPart part);

// One hardware layer: a conv, fc, pooling (max or global average) or element-wise sum. Batch
// norm is folded into the weights and ReLU is free, so neither appears.
struct LayerCost {
  std::string name;  // the arch::Op name, e.g. "block2.conv1"; "input.dummy_pool" for MNSIM's
  std::string kind;  // "conv", "fc", "maxpool", "avgpool", "add", "dummy_pool"
  arch::Shape in, out;
  int kernel = 0;
  int stride = 1;
  // Mapping: im2col rows (Cin*K*K) and weight columns (Cout), the crossbars (counting both of a
  // polarity pair), processing elements and tiles holding them, duplication (NeuroSim), and the
  // fraction of the allocated cells that hold weights.
  long long weight_rows = 0;
  long long weight_cols = 0;
  int crossbars = 0;
  int pes = 0;
  int tiles = 0;
  int duplication = 1;
  double utilisation = 0.0;
  // Latency: the increase of the critical path caused by this layer (finish minus the latest
  // finish among its inputs; can be negative in a pipeline), the finish time of its last output,
  // and its busy time with no overlap.
  // busy_ns counts each buffer access once; the latency breakdown below follows MNSIM's report,
  // which counts the tile output-buffer read in both the buffer and the inter-tile parts, so
  // for MNSIM presets it sums to 1.2-1.45x busy_ns (MNSIM's own "latency_sum").
  double latency_ns = 0.0;
  double finish_ns = 0.0;
  double busy_ns = 0.0;
  double energy_pj = 0.0;
  double area_um2 = 0.0;
  std::array<double, kLatencyParts> latency_breakdown_ns{};
  std::array<double, kEnergyParts> energy_breakdown_pj{};
  std::array<double, kAreaParts> area_breakdown_um2{};
};

// The network totals: what `EstimateTotals` returns, and the part of `NetworkCost` that is not
// the per-layer records (computed by the same engine code, so the same bits either way).
struct NetworkTotals {
  // Latency of one inference as the preset defines it: MNSIM presets pipeline the layers (a
  // layer starts an output as soon as the inputs it needs exist, MNSIM's mode 1); NeuroSim's
  // configuration B runs layer by layer.
  double latency_ns = 0.0;
  // Sum of the layers' busy times (no overlap; 0.78-0.82x MNSIM's latency_sum, see busy_ns).
  double sequential_latency_ns = 0.0;
  double energy_pj = 0.0;
  double area_um2 = 0.0;
  std::array<double, kLatencyParts> latency_breakdown_ns{};  // summed over the layers
  std::array<double, kEnergyParts> energy_breakdown_pj{};
  std::array<double, kAreaParts> area_breakdown_um2{};
  int tiles = 0;
  int crossbars = 0;
  long long ops = 0;  // 2 * multiply-accumulates of one inference
  // Derived.
  double throughput_per_s = 0.0;  // inferences per second at latency_ns
  double tops_per_w = 0.0;        // ops / energy
  double edp_pj_ns = 0.0;         // energy * latency
  // Reported but, for presets that keep MNSIM's convention, not in the totals above.
  double global_accumulator_energy_pj = 0.0;
  double global_accumulator_area_um2 = 0.0;
};

struct NetworkCost : NetworkTotals {
  std::string preset;
  std::vector<LayerCost> layers;
};

}  // namespace imcnas::imc

#endif  // IMCNAS_IMC_COST_H_
