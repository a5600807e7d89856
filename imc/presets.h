// Presets: each a type composing the parameter structs of params.h. The sensitivity presets are
// one line each. `Estimate<Preset>` (estimate.h) prices a network with a preset.
#ifndef IMCNAS_IMC_PRESETS_H_
#define IMCNAS_IMC_PRESETS_H_

#include "imc/params.h"

namespace imcnas::imc {

enum class Simulator { kMnsim, kNeurosim };

// Which of MNSIM's departures from physics a preset keeps. The mnsim2 presets keep them all
// (so they reproduce MNSIM); the physical preset drops them.
struct MnsimConventions {
  // ADC energy per conversion P * (bits + 2) / f instead of P / f.
  static constexpr bool kAdcEnergyCountsSettling = true;
  // ADC and DAC counts fixed per crossbar instead of one per column / row pair.
  static constexpr bool kFixedConverterCount = true;
  // Every pooling layer occupies a whole tile (although every tile has a pooling unit).
  static constexpr bool kPoolingTakesTile = true;
  // Element-wise sums (global accumulator) left out of the energy and area totals.
  static constexpr bool kOmitGlobalAccumulator = true;
};

struct PhysicalConventions {
  static constexpr bool kAdcEnergyCountsSettling = false;
  static constexpr bool kFixedConverterCount = false;
  static constexpr bool kPoolingTakesTile = false;
  static constexpr bool kOmitGlobalAccumulator = false;
};

// An MNSIM-style accelerator: device, crossbar, converters, PE, tile, chip, digital, buffer,
// quantisation and the conventions above.
template <class XbarT = Crossbar<256, 256>, class AdcT = MnsimAdcChoice6, class DacT = MnsimDac1Bit,
          class PeT = ProcessingElement<128, 128>, class ConventionsT = MnsimConventions,
          class DeviceT = Rram1T1R130nm, class TileT = MnsimTile, class ChipT = MnsimChip,
          class DigitalT = MnsimDigital, class BufferT = MnsimBuffer,
          class QuantT = Quantisation9Bit>
struct MnsimPreset {
  static constexpr Simulator kSimulator = Simulator::kMnsim;
  using Device = DeviceT;
  using Xbar = XbarT;
  using AdcUnit = AdcT;
  using DacUnit = DacT;
  using Pe = PeT;
  using Conventions = ConventionsT;
  using Tile = TileT;
  using Chip = ChipT;
  using Digital = DigitalT;
  using Buffer = BufferT;
  using Quant = QuantT;

  // Weight bits held as magnitude slices across columns; polarity 2 carries the sign.
  static constexpr int kMagnitudeBits = Quant::kWeightBits - (Xbar::kPolarity == 2 ? 1 : 0);
  static constexpr int kWeightSlices = kMagnitudeBits / Device::kBitsPerCell;
  static constexpr int kInputCycles =
      (Quant::kActivationBits + DacUnit::kBits - 1) / DacUnit::kBits;

  static_assert(kMagnitudeBits >= 1, "no weight magnitude bits left beside the sign");
  static_assert(kMagnitudeBits % Device::kBitsPerCell == 0,
                "weight magnitude bits must be a multiple of the bits per cell");
  // The conversion rounds and the energy count whole groups of columns (rows) per converter.
  static_assert(Xbar::kCols % Pe::kAdcs == 0 || Pe::kAdcs % Xbar::kCols == 0,
                "ADCs per crossbar must divide its columns (or be a multiple of them)");
  static_assert(Xbar::kRows % Pe::kDacs == 0 || Pe::kDacs % Xbar::kRows == 0,
                "DACs per crossbar must divide its rows (or be a multiple of them)");
  static_assert(Quant::kActivationBits >= DacUnit::kBits,
                "DAC resolution above the activation precision");
  // MNSIM keeps 128 converters whatever the crossbar size (departure 3), so the 64 x 64
  // presets have twice as many as columns; beyond 4x is taken for a mistake.
  static_assert(Pe::kAdcs <= Xbar::kCols * 4 && Pe::kDacs <= Xbar::kRows * 4,
                "more converters than a crossbar can use");
  static_assert(Tile::kPes >= 1 && Chip::kTileRows >= 1 && Chip::kTileCols >= 1,
                "empty tile or chip");
};

// MNSIM 2.0 `default` (the paper's simulator): 256 x 256, ADC choice 6, 1-bit DAC, 128/128.
struct Mnsim2 : MnsimPreset<> {};
// MNSIM's defaults between 2023-11 and 2024-05: ADC choice 2 and 256 DACs per crossbar.
struct Mnsim2_2024a
    : MnsimPreset<Crossbar<256, 256>, MnsimAdcChoice2, MnsimDac1Bit, ProcessingElement<256, 128>> {
};
// Sensitivity runs of the reference (one line each).
struct Mnsim2Xbar64 : MnsimPreset<Crossbar<64, 64>> {};
struct Mnsim2Xbar128 : MnsimPreset<Crossbar<128, 128>> {};
struct Mnsim2Xbar512 : MnsimPreset<Crossbar<512, 512>> {};
struct Mnsim2Adc1 : MnsimPreset<Crossbar<256, 256>, MnsimAdcChoice1> {};
struct Mnsim2Adc2 : MnsimPreset<Crossbar<256, 256>, MnsimAdcChoice2> {};
struct Mnsim2Adc4 : MnsimPreset<Crossbar<256, 256>, MnsimAdcChoice4> {};
struct Mnsim2Adc7 : MnsimPreset<Crossbar<256, 256>, MnsimAdcChoice7> {};
struct Mnsim2Dac2 : MnsimPreset<Crossbar<256, 256>, MnsimAdcChoice6, MnsimDac2Bit> {};
// Ours: MNSIM's default hardware with its departures from physics corrected (README.md).
struct Mnsim2Physical : MnsimPreset<Crossbar<256, 256>, MnsimAdcChoice6, MnsimDac1Bit,
                                    ProcessingElement<128, 128>, PhysicalConventions> {};

}  // namespace imcnas::imc

#endif  // IMCNAS_IMC_PRESETS_H_
