// Everything the MNSIM-style engine needs, derived from a preset at compile time
// (`constexpr MnsimConstants kConstants = MakeMnsimConstants<Preset>()`), so the engine itself is
// one non-template function.
#ifndef IMCNAS_IMC_INTERNAL_MNSIM_CONSTANTS_H_
#define IMCNAS_IMC_INTERNAL_MNSIM_CONSTANTS_H_

#include <array>
#include <cstdint>

namespace imcnas::imc::internal {

inline constexpr int kMaxChipSide = 128;

struct TilePosition {
  std::uint8_t row = 0, col = 0;
};

struct MnsimConstants {
  // Crossbar, quantisation.
  int xbar_rows = 0, xbar_cols = 0, polarity = 0;
  int weight_slices = 0;  // column slices per weight
  int input_cycles = 0;   // DAC cycles per activation
  int activation_bits = 0;
  int dacs_per_pe = 0, adcs_per_pe = 0;
  int rows_per_dac = 0, cols_per_adc = 0;  // at least 1
  int adc_bits = 0;
  // Tile, chip.
  int pes_per_tile = 0, tile_rows = 0, tile_cols = 0;
  // Latencies (ns) and bandwidths (bits/ns).
  double dac_ns = 0, adc_ns = 0, xbar_read_ns = 0;
  double digital_period_ns = 0, decoder_ns = 0, mux_ns = 0;
  int buffer_width_bits = 0;
  double buffer_access_ns = 0;
  double inter_tile_bits_per_ns = 0, intra_tile_bits_per_ns = 0;
  double pooling_op_ns = 0;
  int pooling_lanes = 0, pooling_window = 0;
  double element_sum_ns = 0;
  // Powers (W) and energies (nJ).
  double adc_power_w = 0, dac_power_w = 0, cell_read_power_w = 0;
  double adc_energy_time_factor = 1;  // 1: P * latency (MNSIM); else 1 / (bits + 2)
  double buffer_read_w = 0, buffer_write_w = 0, pooling_power_w = 0;
  double joint_nj = 0, shiftreg_nj = 0, input_path_nj = 0;
  double global_adder_nj = 0;
  // Areas (um^2).
  double tile_crossbar_area = 0, tile_adc_area = 0, tile_dac_area = 0, tile_digital_area = 0,
         tile_buffer_area = 0, tile_pooling_area = 0;
  double global_acc_base_area = 0, global_adder_area = 0;
  // Conventions.
  bool pooling_takes_tile = true;
  bool omit_global_accumulator = true;
  // Tile placement order (MNSIM's spiral from the corner), position of each tile id.
  std::array<TilePosition, kMaxChipSide * kMaxChipSide> placement{};
};

// Stage count of MNSIM's decoder / mux trees: 1 + the number of divisions by 8 to reach 0.
constexpr int TreeStages(int fan) {
  int m = 1;
  while (fan > 0) {
    fan /= 8;
    ++m;
  }
  return m;
}

constexpr int CeilDiv(int a, int b) { return (a + b - 1) / b; }

// Tiles are filled along a square spiral from the top-left corner: shell k holds the cells with
// max(row, col) == k; odd shells run down column k then left along row k, even shells right along
// row k then up column k. (MNSIM's Tile_Connection = 2.)
template <int Rows, int Cols>
constexpr std::array<TilePosition, kMaxChipSide * kMaxChipSide> SpiralPlacement() {
  static_assert(Rows == Cols, "the spiral placement needs a square tile array");
  static_assert(Rows <= kMaxChipSide, "tile array too large");
  std::array<TilePosition, kMaxChipSide * kMaxChipSide> p{};
  int id = 0;
  p[id++] = TilePosition{0, 0};
  for (int k = 1; k < Rows; ++k) {
    if (k % 2 == 1) {
      for (int r = 0; r <= k; ++r)
        p[id++] = {static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(k)};
      for (int c = k - 1; c >= 0; --c)
        p[id++] = {static_cast<std::uint8_t>(k), static_cast<std::uint8_t>(c)};
    } else {
      for (int c = 0; c <= k; ++c)
        p[id++] = {static_cast<std::uint8_t>(k), static_cast<std::uint8_t>(c)};
      for (int r = k - 1; r >= 0; --r)
        p[id++] = {static_cast<std::uint8_t>(r), static_cast<std::uint8_t>(k)};
    }
  }
  return p;
}

template <class P>
constexpr MnsimConstants MakeMnsimConstants() {
  using Conv = typename P::Conventions;
  MnsimConstants c;
  c.xbar_rows = P::Xbar::kRows;
  c.xbar_cols = P::Xbar::kCols;
  c.polarity = P::Xbar::kPolarity;
  c.weight_slices = P::kWeightSlices;
  c.input_cycles = P::kInputCycles;
  c.activation_bits = P::Quant::kActivationBits;
  if (Conv::kFixedConverterCount) {
    // MNSIM departure: DAC and ADC counts per crossbar do not follow the crossbar size.
    c.dacs_per_pe = P::Pe::kDacs;
    c.adcs_per_pe = P::Pe::kAdcs;
  } else {
    // One DAC per two rows and one ADC per two columns, the default's ratio at 256 x 256.
    c.dacs_per_pe = P::Xbar::kRows / 2 > 0 ? P::Xbar::kRows / 2 : 1;
    c.adcs_per_pe = P::Xbar::kCols / 2 > 0 ? P::Xbar::kCols / 2 : 1;
  }
  c.rows_per_dac = c.xbar_rows / c.dacs_per_pe > 0 ? c.xbar_rows / c.dacs_per_pe : 1;
  c.cols_per_adc = c.xbar_cols / c.adcs_per_pe > 0 ? c.xbar_cols / c.adcs_per_pe : 1;
  c.adc_bits = P::AdcUnit::kBits;
  c.pes_per_tile = P::Tile::kPes;
  c.tile_rows = P::Chip::kTileRows;
  c.tile_cols = P::Chip::kTileCols;
  // MNSIM: converter latency (bits + 2) / rate.
  c.dac_ns = (P::DacUnit::kBits + 2) / P::DacUnit::kRateGsps;
  c.adc_ns = (P::AdcUnit::kBits + 2) / P::AdcUnit::kRateGsps;
  c.xbar_read_ns = P::Device::kReadLatencyNs;
  c.digital_period_ns = P::Digital::kPeriodNs;
  c.decoder_ns = TreeStages(CeilDiv(c.xbar_rows, c.dacs_per_pe)) * P::Digital::kDecoderStageNs;
  c.mux_ns = TreeStages(CeilDiv(c.xbar_cols, c.adcs_per_pe)) * P::Digital::kMuxStageNs;
  c.buffer_width_bits = P::Buffer::kWidthBits;
  c.buffer_access_ns = P::Buffer::kAccessNs;
  c.inter_tile_bits_per_ns = P::Chip::kInterTileBitsPerNs;
  c.intra_tile_bits_per_ns = P::Chip::kIntraTileBitsPerNs;
  c.pooling_op_ns = P::Tile::kPoolingOpLatencyNs;
  c.pooling_lanes = P::Tile::kPoolingLanes;
  c.pooling_window = P::Tile::kPoolingWindow;
  c.element_sum_ns = P::Chip::kElementSumLatencyNs;
  c.adc_power_w = P::AdcUnit::kPowerW;
  c.dac_power_w = P::DacUnit::kPowerW;
  // MNSIM's crossbar read power per cell scales with the inverse square of the crossbar side
  // (down to 128 rows, below which it stays put) -- fitted to its output; under 0.5% of energy.
  {
    const double side = P::Xbar::kRows < 128 ? 128.0 : static_cast<double>(P::Xbar::kRows);
    c.cell_read_power_w = P::Device::kMnsimCellReadPowerW * (256.0 / side) * (256.0 / side);
  }
  // MNSIM departure: ADC energy per conversion is P * (bits + 2) / f (its latency), not P / f.
  c.adc_energy_time_factor = Conv::kAdcEnergyCountsSettling ? 1.0 : 1.0 / (P::AdcUnit::kBits + 2);
  c.buffer_read_w = P::Buffer::kReadPowerW;
  c.buffer_write_w = P::Buffer::kWritePowerW;
  c.pooling_power_w = P::Tile::kPoolingPowerW;
  c.joint_nj = P::Digital::kJointEnergyNj;
  c.shiftreg_nj = P::Digital::kShiftRegEnergyNj;
  c.input_path_nj = P::Digital::kInputPathEnergyNj;
  c.global_adder_nj = P::Chip::kGlobalAdderEnergyNj;
  const int crossbars_per_tile = P::Tile::kPes * P::Xbar::kPolarity;
  c.tile_crossbar_area =
      crossbars_per_tile *
      (P::Xbar::kRows * static_cast<double>(P::Xbar::kCols) * P::Device::kCellAreaUm2 +
       P::Xbar::kPeripheryAreaPerColumnUm2 * P::Xbar::kCols);
  c.tile_adc_area = P::Tile::kPes * c.adcs_per_pe * P::AdcUnit::kAreaUm2;
  c.tile_dac_area = P::Tile::kPes * c.dacs_per_pe * P::DacUnit::kAreaUm2;
  c.tile_digital_area = P::Tile::kDigitalAreaUm2;
  c.tile_buffer_area = P::Tile::kBufferAreaUm2;
  c.tile_pooling_area = P::Tile::kPoolingAreaUm2;
  c.global_acc_base_area = P::Chip::kGlobalAccumulatorBaseAreaUm2;
  c.global_adder_area = P::Chip::kGlobalAdderAreaUm2;
  c.pooling_takes_tile = Conv::kPoolingTakesTile;
  c.omit_global_accumulator = Conv::kOmitGlobalAccumulator;
  c.placement = SpiralPlacement<P::Chip::kTileRows, P::Chip::kTileCols>();
  return c;
}

// Per-preset constants, computed once at compile time.
template <class P>
struct MnsimTables {
  static constexpr MnsimConstants kConstants = MakeMnsimConstants<P>();
};

}  // namespace imcnas::imc::internal

#endif  // IMCNAS_IMC_INTERNAL_MNSIM_CONSTANTS_H_
