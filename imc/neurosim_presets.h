// DNN+NeuroSim V1.4 as configured for the reference (configuration B: conventional mapping,
// layer by layer, no speed-up): 22 nm RRAM 1T1R, 128 x 128 subarrays, 1 bit per cell, 8-bit
// weights and inputs, 32 rows read in parallel, 8 columns per 4-bit ADC, 8 x 8 subarrays per tile.
//
// NeuroSim's circuit-level figures (buffer and interconnect traffic time, ADC / accumulation /
// periphery energy, leakage, chip area) are expressed here as per-event constants of a few
// mechanisms -- bits through a tile's buffer per output position, subarray column reads, 32-row
// group activations, input broadcast to column tiles, partial sums gathered from row tiles --
// calibrated by least squares on NeuroSim's per-layer breakdowns of the reference networks
// (testdata/imc/neurosim14_reference.csv, config B, p = 0.3). See README.md for the fit and its
// residuals.
#ifndef IMCNAS_IMC_NEUROSIM_PRESETS_H_
#define IMCNAS_IMC_NEUROSIM_PRESETS_H_

#include "imc/presets.h"

namespace imcnas::imc {

struct NeurosimArray22nm {
  static constexpr int kSubarrayRows = 128;
  static constexpr int kSubarrayCols = 128;
  static constexpr int kBitsPerCell = 1;
  static constexpr int kParallelRows = 32;  // rows read at once
  static constexpr int kColsPerAdc = 8;     // column mux ahead of each ADC
  static constexpr int kAdcBits = 4;
  // One multilevel sense (ADC) cycle, read pulse included: 448 ns per output position at 8 input
  // bits x 8 multiplexed columns.
  static constexpr double kSenseCycleNs = 7.0;
  static_assert(kSubarrayRows % kParallelRows == 0, "parallel rows must divide the subarray");
};

struct NeurosimTile {
  static constexpr int kSubarrayRows = 8;  // subarrays per tile, along rows
  static constexpr int kSubarrayCols = 8;  // and along columns
  // Area of one tile and of the global parts (buffer, interconnect, empty space), um^2.
  static constexpr double kTileAreaUm2 = 2295624.0;
  static constexpr double kGlobalAreaUm2 = 1899216.0;
  // Tile area by category (NeuroSim's printout for b01 / 11 tiles); the remainder is other
  // periphery and the empty space NeuroSim's bounding boxes include.
  static constexpr double kArrayAreaUm2 = 24361.0;
  static constexpr double kAdcAreaUm2 = 34238.0;
  static constexpr double kAccumulationAreaUm2 = 112069.0;
  static constexpr double kInterconnectAreaUm2 = 253899.0;
  // Leakage of one tile (every tile of the chip leaks while any layer runs).
  static constexpr double kLeakagePowerW = 10.787e-6;
};

// Time per output position (ns) besides sensing: c0 + bits through the buffer.
struct NeurosimTraffic {
  static constexpr double kBufferFixedNs = 18.509;
  static constexpr double kBufferNsPerInputBit = 0.028240;   // inputs of all copies of a tile
  static constexpr double kBufferNsPerOutputBit = 0.110286;  // outputs of all copies of a tile
  static constexpr double kBusNsPerInputBit = 0.0056991;
  static constexpr double kBusNsPerOutputBit = 0.0090685;
  static constexpr double kBusNsPerTile = 1.98686;
  static constexpr double kOtherFixedNs = 0.11657;
  static constexpr double kOtherNsPerInputBit = 6.1496e-5;
  static constexpr double kOtherNsPerOutputBit = 0.0016849;
  static constexpr double kOtherNsPerRowTile = 3.19629;
};

// Dynamic energy per event (pJ).
struct NeurosimEnergy {
  // ADC: per subarray column-bit read, per 32-row group read, per input bit broadcast.
  static constexpr double kAdcPerColumnRead = 0.097921;
  static constexpr double kAdcPerRowGroupRead = 0.013748;
  static constexpr double kAdcPerBroadcastBit = 0.0028542;
  // Accumulation (adders, shift-adds).
  static constexpr double kAccumPerColumnRead = 0.031555;
  static constexpr double kAccumPerRowGroupRead = 0.0020701;
  static constexpr double kAccumPerBroadcastBit = 0.013073;
  static constexpr double kAccumPerPartialSumBit = 0.060062;
  static constexpr double kAccumPerInputBit = 0.0096358;
  // Total dynamic energy (ADC + accumulation + other periphery, buffers, interconnect).
  static constexpr double kPerColumnRead = 0.132335;
  static constexpr double kPerRowGroupRead = 0.0223162;
  static constexpr double kPerBroadcastBit = 0.113985;
  static constexpr double kPerPartialSumBit = 0.459678;
  static constexpr double kPerInputBit = 0.0257107;
};

template <class ArrayT = NeurosimArray22nm, class TileT = NeurosimTile,
          class TrafficT = NeurosimTraffic, class EnergyT = NeurosimEnergy, int WeightBits = 8,
          int InputBits = 8>
struct NeurosimPreset {
  static constexpr Simulator kSimulator = Simulator::kNeurosim;
  using Array = ArrayT;
  using Tile = TileT;
  using Traffic = TrafficT;
  using Energy = EnergyT;
  static constexpr int kWeightBits = WeightBits;
  static constexpr int kInputBits = InputBits;
  static_assert(WeightBits % Array::kBitsPerCell == 0,
                "weight bits must be a multiple of the bits per cell");
  static_assert(Array::kColsPerAdc <= Array::kSubarrayCols, "more columns per ADC than columns");
  static_assert(Array::kSubarrayCols % Array::kColsPerAdc == 0,
                "columns per ADC must divide the subarray's columns");
};

struct Neurosim14 : NeurosimPreset<> {};

}  // namespace imcnas::imc

#endif  // IMCNAS_IMC_NEUROSIM_PRESETS_H_
