// Hardware parameters of the crossbar cost models, as compile-time parameter structs.
//
// A preset is a type composed of small structs (device, crossbar, converters, processing element,
// tile, chip, digital logic, buffers, quantisation) whose members are all `static constexpr`.
// Impossible combinations are rejected by `static_assert`s where the preset is instantiated.
// The only run-time input of a cost model is the network.
//
// The MNSIM 2.0 figures come from its SimConfig.ini at commit ca39ccb (see
// testdata/imc/README.md); several constants (buffer, pooling and digital powers) are the values
// MNSIM's own component models produce at that configuration, recovered exactly from its per-layer
// output, and are marked so.
#ifndef IMCNAS_IMC_PARAMS_H_
#define IMCNAS_IMC_PARAMS_H_

namespace imcnas::imc {

// ---------------------------------------------------------------------------------------------
// Memory cell.
struct Rram1T1R130nm {
  static constexpr int kTechnologyNm = 130;
  static constexpr double kCellAreaUm2 = 1.44;
  static constexpr int kBitsPerCell = 1;
  static constexpr double kHrsOhm = 1e6;
  static constexpr double kLrsOhm = 1e4;
  static constexpr double kReadVoltageV = 0.15;
  static constexpr double kReadLatencyNs = 3.16;
  // Read power of one activated cell as MNSIM 2.0 charges it at 256 x 256 (its crossbar model
  // output, recovered from the per-layer crossbar energy); physically V^2/R lies between
  // V^2/HRS = 22.5 nW and V^2/LRS = 2.25 uW.
  static constexpr double kMnsimCellReadPowerW = 3.7879e-8;
};

// ---------------------------------------------------------------------------------------------
// Crossbar (subarray): size, polarity and the periphery area MNSIM adds per column.
template <int Rows, int Cols, int Polarity = 2>
struct Crossbar {
  static constexpr int kRows = Rows;
  static constexpr int kCols = Cols;
  // 2: a positive and a negative crossbar per weight block (sign by polarity).
  static constexpr int kPolarity = Polarity;
  // MNSIM: crossbar area = rows * cols * cell area + 1150 um^2 per column (drivers, sense path).
  static constexpr double kPeripheryAreaPerColumnUm2 = 1150.0;
  static_assert(Rows > 0 && Cols > 0, "crossbar must have rows and columns");
  static_assert(Polarity == 1 || Polarity == 2, "polarity is 1 (offset) or 2 (pos/neg pair)");
};

// ---------------------------------------------------------------------------------------------
// Converters. MNSIM's ADC latency is (bits + 2) / rate and its energy per conversion is
// P * (bits + 2) / rate (see AdcEnergyPerConversionPj below).
template <int Bits, int RateMilliGsps, int PowerMicroW, int AreaUm2>
struct Adc {
  static constexpr int kBits = Bits;
  static constexpr double kRateGsps = RateMilliGsps / 1000.0;
  static constexpr double kPowerW = PowerMicroW * 1e-6;
  static constexpr double kAreaUm2 = AreaUm2;
  static_assert(Bits >= 1 && Bits <= 16, "ADC resolution out of range");
  static_assert(RateMilliGsps > 0 && PowerMicroW > 0 && AreaUm2 > 0, "ADC figures must be > 0");
};
// MNSIM 2.0's ADC table (choice numbers as in its SimConfig.ini).
using MnsimAdcChoice1 = Adc<10, 1500, 6920, 1600>;
using MnsimAdcChoice2 = Adc<8, 1280, 2000, 1200>;
using MnsimAdcChoice4 = Adc<6, 1000, 1260, 580>;
using MnsimAdcChoice6 = Adc<6, 1000, 1260, 1650>;
using MnsimAdcChoice7 = Adc<4, 1000, 700, 500>;

template <int Bits, int RateMilliGsps, int PowerNanoW, int AreaMilliUm2>
struct Dac {
  static constexpr int kBits = Bits;
  static constexpr double kRateGsps = RateMilliGsps / 1000.0;
  static constexpr double kPowerW = PowerNanoW * 1e-9;
  static constexpr double kAreaUm2 = AreaMilliUm2 / 1000.0;
  static_assert(Bits >= 1 && Bits <= 8, "DAC resolution out of range");
};
// MNSIM 2.0's DAC table: 1 bit 3.9 uW, 2 bit 7.8 uW (both 0.166 um^2, 1 GS/s). Its 8-bit entry
// has power 0.4992 W, 1000x the series it belongs to (an MNSIM departure from physics); no
// preset here uses it.
using MnsimDac1Bit = Dac<1, 1000, 3900, 166>;
using MnsimDac2Bit = Dac<2, 1000, 7800, 166>;

// ---------------------------------------------------------------------------------------------
// Processing element: one crossbar (pair) with its converters.
template <int DacsPerCrossbar, int AdcsPerCrossbar>
struct ProcessingElement {
  // MNSIM keeps these counts whatever the crossbar size (its "DAC_Num"/"ADC_Num"), so small
  // crossbars are charged heavily and large ones share converters -- an MNSIM departure from
  // physics reproduced by the mnsim2 presets.
  static constexpr int kDacs = DacsPerCrossbar;
  static constexpr int kAdcs = AdcsPerCrossbar;
  static_assert(DacsPerCrossbar > 0 && AdcsPerCrossbar > 0, "a PE needs DACs and ADCs");
};

// Tile: PEs and the tile-level units.
struct MnsimTile {
  static constexpr int kPeRows = 2;
  static constexpr int kPeCols = 2;
  static constexpr int kPes = kPeRows * kPeCols;
  // Pooling unit: 3 x 3 window, 64 channels in parallel, 65 nm.
  static constexpr int kPoolingLanes = 64;
  static constexpr int kPoolingWindow = 9;
  // MNSIM's pooling-unit latency per (64-channel, 3x3-window) operation and its power and area
  // (component-model outputs at the defaults, recovered from its per-layer output).
  static constexpr double kPoolingOpLatencyNs = 100.0;
  static constexpr double kPoolingPowerW = 3.082e-3;
  static constexpr double kPoolingAreaUm2 = 91917.2;
  // Digital logic (shift-and-add, registers, mux/demux, the joint module merging PE outputs).
  static constexpr double kDigitalAreaUm2 = 67919.7;
  // Input buffers of the PEs plus the tile output buffer (SRAM 90 nm).
  static constexpr double kBufferAreaUm2 = 202902.0;
  static_assert(kPes >= 1, "a tile needs PEs");
};

// Chip: tile array and interconnect.
struct MnsimChip {
  static constexpr int kTileRows = 64;
  static constexpr int kTileCols = 64;
  static constexpr double kInterTileBitsPerNs = 20.0;    // 20 Gb/s
  static constexpr double kIntraTileBitsPerNs = 1024.0;  // 1024 Gb/s
  // Global accumulator for residual sums: 10 ns per element-wise add, buffer and adders.
  static constexpr double kElementSumLatencyNs = 10.0;
  static constexpr double kGlobalAccumulatorBaseAreaUm2 = 40580.2;
  static constexpr double kGlobalAdderAreaUm2 = 2.5517;
  static constexpr double kGlobalAdderEnergyNj = 4.5e-11;
};

struct MnsimDigital {
  static constexpr double kClockMhz = 500.0;
  static constexpr double kPeriodNs = 1000.0 / kClockMhz;
  // NVSim figures MNSIM uses: a 1:8 decoder 0.27933 ns, an 8:1 mux 0.032744 ns (65 nm).
  static constexpr double kDecoderStageNs = 0.27933;
  static constexpr double kMuxStageNs = 0.032744;
  // Dynamic energies of the digital parts as MNSIM charges them (recovered from its output):
  // joint module per (PE x column x output pixel), shift registers per (PE x column x input
  // cycle), input registers and (de)multiplexers per (PE x row x input cycle).
  static constexpr double kJointEnergyNj = 1.89799e-4;
  static constexpr double kShiftRegEnergyNj = 8.1e-7;
  static constexpr double kInputPathEnergyNj = 3.6e-8;
};

struct MnsimBuffer {
  static constexpr int kWidthBits = 64;
  static constexpr double kAccessNs = 20.0;  // per 64-bit access
  // MNSIM's SRAM buffer powers at these sizes (its buffer-model output, constant over the
  // buffer sizes the reference networks select).
  static constexpr double kReadPowerW = 1.3849045e-3;
  static constexpr double kWritePowerW = 1.6632335e-3;
};

struct Quantisation9Bit {
  static constexpr int kWeightBits = 9;      // 8 magnitude bits + sign (by polarity)
  static constexpr int kActivationBits = 9;  // 9 one-bit DAC cycles at a 1-bit DAC
};

}  // namespace imcnas::imc

#endif  // IMCNAS_IMC_PARAMS_H_
