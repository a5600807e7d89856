// The NeuroSim-style engine's constants, derived from a preset at compile time.
#ifndef IMCNAS_IMC_INTERNAL_NEUROSIM_CONSTANTS_H_
#define IMCNAS_IMC_INTERNAL_NEUROSIM_CONSTANTS_H_

namespace imcnas::imc::internal {

struct NeurosimConstants {
  int sub_rows = 0, sub_cols = 0, parallel_rows = 0, cols_per_adc = 0, adc_bits = 0;
  int tile_sub_rows = 0, tile_sub_cols = 0;
  int weight_bits = 0, input_bits = 0, bits_per_cell = 0;
  double sense_cycle_ns = 0;
  double sense_ns_per_position = 0;  // input bits x columns per ADC x sense cycle
  double buf_fixed = 0, buf_in = 0, buf_out = 0;
  double bus_in = 0, bus_out = 0, bus_tile = 0;
  double other_fixed = 0, other_in = 0, other_out = 0, other_row_tile = 0;
  double adc_col = 0, adc_group = 0, adc_bcast = 0;
  double acc_col = 0, acc_group = 0, acc_bcast = 0, acc_psum = 0, acc_in = 0;
  double e_col = 0, e_group = 0, e_bcast = 0, e_psum = 0, e_in = 0;
  double tile_area = 0, global_area = 0, array_area = 0, adc_area = 0, accum_area = 0, ic_area = 0;
  double leakage_w_per_tile = 0;
};

template <class P>
constexpr NeurosimConstants MakeNeurosimConstants() {
  NeurosimConstants c;
  c.sub_rows = P::Array::kSubarrayRows;
  c.sub_cols = P::Array::kSubarrayCols;
  c.parallel_rows = P::Array::kParallelRows;
  c.cols_per_adc = P::Array::kColsPerAdc;
  c.adc_bits = P::Array::kAdcBits;
  c.tile_sub_rows = P::Tile::kSubarrayRows;
  c.tile_sub_cols = P::Tile::kSubarrayCols;
  c.weight_bits = P::kWeightBits;
  c.input_bits = P::kInputBits;
  c.bits_per_cell = P::Array::kBitsPerCell;
  c.sense_cycle_ns = P::Array::kSenseCycleNs;
  c.sense_ns_per_position = P::kInputBits * P::Array::kColsPerAdc * P::Array::kSenseCycleNs;
  c.buf_fixed = P::Traffic::kBufferFixedNs;
  c.buf_in = P::Traffic::kBufferNsPerInputBit;
  c.buf_out = P::Traffic::kBufferNsPerOutputBit;
  c.bus_in = P::Traffic::kBusNsPerInputBit;
  c.bus_out = P::Traffic::kBusNsPerOutputBit;
  c.bus_tile = P::Traffic::kBusNsPerTile;
  c.other_fixed = P::Traffic::kOtherFixedNs;
  c.other_in = P::Traffic::kOtherNsPerInputBit;
  c.other_out = P::Traffic::kOtherNsPerOutputBit;
  c.other_row_tile = P::Traffic::kOtherNsPerRowTile;
  c.adc_col = P::Energy::kAdcPerColumnRead;
  c.adc_group = P::Energy::kAdcPerRowGroupRead;
  c.adc_bcast = P::Energy::kAdcPerBroadcastBit;
  c.acc_col = P::Energy::kAccumPerColumnRead;
  c.acc_group = P::Energy::kAccumPerRowGroupRead;
  c.acc_bcast = P::Energy::kAccumPerBroadcastBit;
  c.acc_psum = P::Energy::kAccumPerPartialSumBit;
  c.acc_in = P::Energy::kAccumPerInputBit;
  c.e_col = P::Energy::kPerColumnRead;
  c.e_group = P::Energy::kPerRowGroupRead;
  c.e_bcast = P::Energy::kPerBroadcastBit;
  c.e_psum = P::Energy::kPerPartialSumBit;
  c.e_in = P::Energy::kPerInputBit;
  c.tile_area = P::Tile::kTileAreaUm2;
  c.global_area = P::Tile::kGlobalAreaUm2;
  c.array_area = P::Tile::kArrayAreaUm2;
  c.adc_area = P::Tile::kAdcAreaUm2;
  c.accum_area = P::Tile::kAccumulationAreaUm2;
  c.ic_area = P::Tile::kInterconnectAreaUm2;
  c.leakage_w_per_tile = P::Tile::kLeakagePowerW;
  return c;
}

// Per-preset constants, computed once at compile time.
template <class P>
struct NeurosimTables {
  static constexpr NeurosimConstants kConstants = MakeNeurosimConstants<P>();
};

}  // namespace imcnas::imc::internal

#endif  // IMCNAS_IMC_INTERNAL_NEUROSIM_CONSTANTS_H_
