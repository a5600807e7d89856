#include "imc/internal/neurosim_engine.h"

#include <algorithm>
#include <vector>

#include "imc/internal/layer_list.h"
#include "imc/neurosim_presets.h"

namespace imcnas::imc::internal {
namespace {

constexpr int kLp(LatencyPart p) { return static_cast<int>(p); }
constexpr int kEp(EnergyPart p) { return static_cast<int>(p); }
constexpr int kAp(AreaPart p) { return static_cast<int>(p); }
long long CeilDivL(long long a, long long b) { return (a + b - 1) / b; }

// Duplication along one dimension: copies of a layer that fit one tile (1 if it spans tiles).
// (32-bit division: both are at most a tile's subarray count here.)
long long CopiesAlong(long long subarrays, int per_tile) {
  return subarrays > per_tile ? 1 : per_tile / static_cast<int>(subarrays);
}

// The engine, with the constants given at run time (kFixed == nullptr) or fixed at compile time.
// With kRecords, the result has the layer records; else only the totals (the records are built
// in memory reused across calls, without their names, and summed in the same order).
template <const NeurosimConstants* kFixed, bool kRecords>
NetworkCost EstimateNeurosimImpl(const NeurosimConstants& given, const arch::Graph& graph) {
  const NeurosimConstants& c = kFixed != nullptr ? *kFixed : given;
  // Reused across calls; static TLS model as in mnsim_engine.cc's GetScratch.
  thread_local std::vector<HwLayer> layers __attribute__((tls_model("initial-exec")));
  BuildLayerList(graph, /*dummy_input_pool=*/false, &layers);
  NetworkCost net;
  thread_local std::vector<LayerCost> scratch_records __attribute__((tls_model("initial-exec")));
  std::vector<LayerCost>& records = kRecords ? net.layers : scratch_records;
  records.clear();
  records.reserve(layers.size());
  const long long tile_rows = static_cast<long long>(c.sub_rows) * c.tile_sub_rows;
  const long long tile_cols = static_cast<long long>(c.sub_cols) * c.tile_sub_cols;
  const int cells_per_weight = c.weight_bits / c.bits_per_cell;

  // Only conv and fc layers are mapped: NeuroSim models neither residual adds nor the average
  // pool, and max pooling only adds a pooling unit in the tile (negligible).
  for (const HwLayer& l : layers) {
    if (l.kind != HwKind::kConv && l.kind != HwKind::kFc) continue;
    LayerCost& lc = records.emplace_back();  // built in place: no copy of ~330 bytes
    if constexpr (kRecords) {
      lc.name = graph.ops[l.op].name;
      lc.kind = l.kind == HwKind::kConv ? "conv" : "fc";
    }
    lc.in = graph.ops[l.op].in;
    lc.out = graph.ops[l.op].out;
    lc.kernel = l.kernel;
    lc.stride = l.stride;
    const long long k2 = l.kind == HwKind::kConv ? static_cast<long long>(l.kernel) * l.kernel : 1;
    const long long rows = l.cin * k2;
    const long long cols = static_cast<long long>(l.cout) * cells_per_weight;
    // NeuroSim slides the kernel without padding: ((H - K + 1) / S)^2 positions.
    long long positions = 1;
    if (l.kind == HwKind::kConv) {
      const int s = l.stride;
      const long long ph = std::max((l.hin - l.kernel + 1) / s, 1);
      const long long pw = std::max((l.win - l.kernel + 1) / s, 1);
      positions = ph * pw;
    }
    const long long sub_r = CeilDivL(rows, c.sub_rows), sub_c = CeilDivL(cols, c.sub_cols);
    const long long row_tiles = CeilDivL(rows, tile_rows), col_tiles = CeilDivL(cols, tile_cols);
    const long long copies =
        CopiesAlong(sub_r, c.tile_sub_rows) * CopiesAlong(sub_c, c.tile_sub_cols);
    lc.weight_rows = rows;
    lc.weight_cols = l.cout;
    lc.tiles = static_cast<int>(row_tiles * col_tiles);
    lc.crossbars = static_cast<int>(sub_r * sub_c * copies);
    lc.pes = lc.crossbars;
    lc.duplication = static_cast<int>(copies);
    lc.utilisation = static_cast<double>(rows) * cols * copies /
                     (static_cast<double>(lc.tiles) * tile_rows * tile_cols);

    // Latency: each copy handles positions / copies outputs; per output, 8 input bits x 8
    // multiplexed columns of sensing plus the time to move the bits of all copies of a tile
    // through its buffer and bus.
    const double steps = static_cast<double>(positions) / copies;
    const double in_bits = static_cast<double>(std::min(rows, tile_rows)) * c.input_bits * copies;
    const double out_bits =
        static_cast<double>(std::min<long long>(l.cout, tile_cols / cells_per_weight)) *
        c.input_bits * copies;
    const double buffer = c.buf_fixed + c.buf_in * in_bits + c.buf_out * out_bits;
    const double bus = c.bus_in * in_bits + c.bus_out * out_bits +
                       c.bus_tile * static_cast<double>(row_tiles * col_tiles);
    const double other = c.other_fixed + c.other_in * in_bits + c.other_out * out_bits +
                         c.other_row_tile * static_cast<double>(row_tiles);
    auto& lat = lc.latency_breakdown_ns;
    lat[kLp(LatencyPart::kCompute)] = steps * c.sense_ns_per_position;
    lat[kLp(LatencyPart::kBuffer)] = steps * buffer;
    lat[kLp(LatencyPart::kInterTile)] = steps * bus;
    lat[kLp(LatencyPart::kDigital)] = steps * other;
    lc.latency_ns = steps * (c.sense_ns_per_position + buffer + bus + other);
    lc.busy_ns = lc.latency_ns;

    // Dynamic energy by event counts (pJ).
    const double p = static_cast<double>(positions);
    // 32-row groups read per input bit and column: full subarrays, then the partial one.
    const long long full = rows / c.sub_rows, rest = rows - full * c.sub_rows;
    const double groups = static_cast<double>(full * (c.sub_rows / c.parallel_rows) +
                                              CeilDivL(rest, c.parallel_rows));
    const double column_reads = p * cols * c.input_bits * sub_r;
    const double group_reads = p * cols * c.input_bits * groups;
    const double broadcast_bits = p * rows * c.input_bits * col_tiles;
    const double psum_bits = p * l.cout * c.input_bits * row_tiles;
    const double input_bits = p * rows * c.input_bits;
    const double dynamic = c.e_col * column_reads + c.e_group * group_reads +
                           c.e_bcast * broadcast_bits + c.e_psum * psum_bits + c.e_in * input_bits;
    const double adc =
        c.adc_col * column_reads + c.adc_group * group_reads + c.adc_bcast * broadcast_bits;
    const double accum = c.acc_col * column_reads + c.acc_group * group_reads +
                         c.acc_bcast * broadcast_bits + c.acc_psum * psum_bits +
                         c.acc_in * input_bits;
    auto& en = lc.energy_breakdown_pj;
    en[kEp(EnergyPart::kAdc)] = adc;
    en[kEp(EnergyPart::kDigital)] = accum;
    en[kEp(EnergyPart::kInterconnect)] = std::max(dynamic - adc - accum, 0.0);
    lc.energy_pj = en[kEp(EnergyPart::kAdc)] + en[kEp(EnergyPart::kDigital)] +
                   en[kEp(EnergyPart::kInterconnect)];
    net.tiles += lc.tiles;
  }
  if (records.empty()) throw std::invalid_argument("imc: no conv or fc layer to map");

  // Leakage: every tile of the chip leaks while each layer runs (layer by layer). Then the
  // totals, in the same pass (each total adds the layers in order, as a separate pass would).
  double t = 0;
  for (LayerCost& l : records) {
    const double leak = c.leakage_w_per_tile * net.tiles * l.latency_ns * 1e3;  // W*ns -> pJ
    l.energy_breakdown_pj[kEp(EnergyPart::kLeakage)] = leak;
    l.energy_pj += leak;
    auto& ar = l.area_breakdown_um2;
    ar[kAp(AreaPart::kCrossbar)] = l.tiles * c.array_area;
    ar[kAp(AreaPart::kAdc)] = l.tiles * c.adc_area;
    ar[kAp(AreaPart::kDigital)] = l.tiles * c.accum_area;
    ar[kAp(AreaPart::kInterconnect)] = l.tiles * c.ic_area;
    ar[kAp(AreaPart::kOther)] =
        l.tiles * (c.tile_area - c.array_area - c.adc_area - c.accum_area - c.ic_area);
    l.area_um2 = l.tiles * c.tile_area;
    net.latency_ns += l.latency_ns;  // layer by layer
    net.sequential_latency_ns += l.busy_ns;
    net.energy_pj += l.energy_pj;
    net.area_um2 += l.area_um2;
    net.crossbars += l.crossbars;
    for (int k = 0; k < kLatencyParts; ++k) {
      net.latency_breakdown_ns[k] += l.latency_breakdown_ns[k];
    }
    for (int k = 0; k < kEnergyParts; ++k) net.energy_breakdown_pj[k] += l.energy_breakdown_pj[k];
    for (int k = 0; k < kAreaParts; ++k) net.area_breakdown_um2[k] += l.area_breakdown_um2[k];
    l.finish_ns = (t += l.latency_ns);
  }
  // Global buffer, interconnect and the chip's empty space, outside the tiles.
  net.area_um2 += c.global_area;
  net.area_breakdown_um2[kAp(AreaPart::kOther)] += c.global_area;
  return net;
}

}  // namespace

NetworkCost EstimateNeurosim(const NeurosimConstants& c, const arch::Graph& graph) {
  return EstimateNeurosimImpl<nullptr, true>(c, graph);
}

template <class Preset>
NetworkCost EstimateNeurosimFor(const arch::Graph& graph) {
  constexpr const NeurosimConstants* kTable = &NeurosimTables<Preset>::kConstants;
  return EstimateNeurosimImpl<kTable, true>(*kTable, graph);
}

template <class Preset>
NetworkTotals EstimateNeurosimTotalsFor(const arch::Graph& graph) {
  constexpr const NeurosimConstants* kTable = &NeurosimTables<Preset>::kConstants;
  return EstimateNeurosimImpl<kTable, false>(*kTable, graph);
}

template NetworkCost EstimateNeurosimFor<Neurosim14>(const arch::Graph&);
template NetworkTotals EstimateNeurosimTotalsFor<Neurosim14>(const arch::Graph&);

}  // namespace imcnas::imc::internal
