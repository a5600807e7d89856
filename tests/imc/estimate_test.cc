// The public API of imc/: names, errors, JSON, determinism, the presets' mechanisms.
#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "arch/architecture.h"
#include "arch/graph.h"
#include "imc/estimate.h"

namespace imcnas::imc {
namespace {

arch::Graph Net(const std::string& name) {
  return arch::Lower(arch::LoadArchitecture("testdata/arch/" + name + ".json"));
}

arch::Graph Parse(const std::string& json) { return arch::Lower(arch::ParseArchitecture(json)); }

double EnergyPart(const NetworkCost& c, imc::EnergyPart p) {
  return c.energy_breakdown_pj[static_cast<int>(p)];
}

TEST(EstimateTest, PresetNamesAndDispatch) {
  const auto names = PresetNames();
  for (const char* n : {"mnsim2", "mnsim2_2024a", "mnsim2_xbar64", "mnsim2_xbar128",
                        "mnsim2_xbar512", "mnsim2_adc1", "mnsim2_adc2", "mnsim2_adc4",
                        "mnsim2_adc7", "mnsim2_dac2", "mnsim2_physical"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
  const arch::Graph g = Net("b01");
  const NetworkCost a = Estimate<Mnsim2>(g);
  const NetworkCost b = EstimateByName("mnsim2", g);
  EXPECT_EQ(a.latency_ns, b.latency_ns);
  EXPECT_EQ(a.energy_pj, b.energy_pj);
  EXPECT_EQ(a.area_um2, b.area_um2);
  EXPECT_EQ(a.preset, "mnsim2");
}

TEST(EstimateTest, UnknownPresetListsKnownNames) {
  try {
    EstimateByName("mnsim3", Net("b01"));
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("mnsim3"), std::string::npos);
    EXPECT_NE(m.find("mnsim2_xbar128"), std::string::npos);
  }
  EXPECT_THROW(PresetConstantsByName(""), std::invalid_argument);
}

TEST(EstimateTest, DeterministicAndConsistent) {
  const arch::Graph g = Net("b06");
  const NetworkCost a = Estimate<Mnsim2>(g), b = Estimate<Mnsim2>(g);
  EXPECT_EQ(a.latency_ns, b.latency_ns);
  EXPECT_EQ(a.energy_pj, b.energy_pj);
  double energy = 0, area = 0, finish = 0;
  for (const LayerCost& l : a.layers) {
    energy += l.energy_pj;
    area += l.area_um2;
    finish = std::max(finish, l.finish_ns);
    EXPECT_GE(l.busy_ns, 0.0) << l.name;
  }
  EXPECT_DOUBLE_EQ(energy, a.energy_pj);
  EXPECT_DOUBLE_EQ(area, a.area_um2);
  EXPECT_DOUBLE_EQ(finish, a.latency_ns);
  // Pipelining overlaps layers: the pipelined latency is below the sum of busy times.
  EXPECT_LT(a.latency_ns, a.sequential_latency_ns);
  EXPECT_EQ(a.ops, 2 * g.macs());
  EXPECT_NEAR(a.tops_per_w, a.ops / a.energy_pj, 1e-12);
  EXPECT_NEAR(a.edp_pj_ns, a.energy_pj * a.latency_ns, 1e-6 * a.edp_pj_ns);
}

TEST(EstimateTest, MappingOfAConvLayer) {
  // 32 -> 64 channels, 3x3: 28 whole channels (252 rows) per 256-row crossbar -> 2 crossbar rows
  // of PEs; 8 one-bit magnitude slices -> 8 PE columns; 16 PEs in 4 tiles of 2x2 PEs.
  const NetworkCost c = Estimate<Mnsim2>(Net("b01"));
  const LayerCost& l = c.layers[3];
  EXPECT_EQ(l.name, "block1.conv1");
  EXPECT_EQ(l.pes, 16);
  EXPECT_EQ(l.crossbars, 32);
  EXPECT_EQ(l.tiles, 4);
  EXPECT_EQ(l.weight_rows, 288);
  EXPECT_EQ(l.weight_cols, 64);
  EXPECT_GT(l.utilisation, 0.0);
  EXPECT_LE(l.utilisation, 1.0);
}

TEST(EstimateTest, FirstResBlockGetsTheDummyPool) {
  const NetworkCost c = Estimate<Mnsim2>(Net("b03"));
  EXPECT_EQ(c.layers[0].kind, "dummy_pool");
  EXPECT_EQ(c.layers[0].energy_pj, 0.0);
  EXPECT_EQ(c.layers[0].tiles, 1);
  EXPECT_EQ(Estimate<Mnsim2>(Net("b01")).layers[0].kind, "conv");
}

TEST(EstimateTest, SensitivityPresetsMoveTheRightWay) {
  const arch::Graph g = Net("b01");
  const NetworkCost base = Estimate<Mnsim2>(g);
  // ADC choice 4 differs from choice 6 only in area.
  const NetworkCost adc4 = Estimate<Mnsim2Adc4>(g);
  EXPECT_EQ(adc4.energy_pj, base.energy_pj);
  EXPECT_LT(adc4.area_um2, base.area_um2);
  // A 2-bit DAC halves the input cycles: faster and less ADC energy.
  const NetworkCost dac2 = Estimate<Mnsim2Dac2>(g);
  EXPECT_LT(dac2.latency_ns, base.latency_ns);
  EXPECT_LT(EnergyPart(dac2, EnergyPart::kAdc), EnergyPart(base, EnergyPart::kAdc));
  // 64x64 crossbars with 128 ADCs each: more ADC energy (MNSIM's fixed converter count).
  const NetworkCost x64 = Estimate<Mnsim2Xbar64>(g);
  EXPECT_GT(EnergyPart(x64, EnergyPart::kAdc), EnergyPart(base, EnergyPart::kAdc));
}

TEST(EstimateTest, PhysicalPresetDropsMnsimDepartures) {
  const arch::Graph g = Net("b03");
  const NetworkCost m = Estimate<Mnsim2>(g);
  const NetworkCost p = Estimate<Mnsim2Physical>(g);
  // ADC energy P/f instead of P*(bits+2)/f: 8x less at 6 bits.
  EXPECT_NEAR(EnergyPart(p, EnergyPart::kAdc) * 8, EnergyPart(m, EnergyPart::kAdc),
              1e-6 * EnergyPart(m, EnergyPart::kAdc));
  // Pooling layers no longer take tiles; the element-sum accumulator is in the totals.
  EXPECT_LT(p.area_um2 - p.global_accumulator_area_um2, m.area_um2);
  EXPECT_GT(EnergyPart(p, EnergyPart::kGlobalAccumulator), 0.0);
  EXPECT_EQ(p.latency_ns, m.latency_ns);
}

TEST(EstimateTest, NetworkTooLargeForTheChipThrows) {
  // VGG-8 at 64x64 crossbars does not fit 64x64 tiles (MNSIM fails the same way).
  EXPECT_THROW(Estimate<Mnsim2Xbar64>(Net("vgg8")), std::invalid_argument);
  const arch::Graph huge =
      Parse(R"({"input": [32, 32, 3], "classes": 10, "blocks": [["VGG", 2048], ["VGG", 4096]]})");
  EXPECT_THROW(Estimate<Mnsim2>(huge), std::invalid_argument);
}

TEST(EstimateTest, LargeKernelThatDoesNotFitThrows) {
  const arch::Graph g =
      Parse(R"({"input": [32, 32, 3], "classes": 10, "layers": [["conv", 15, 8, 1], ["fc", 10]]})");
  EXPECT_THROW(Estimate<Mnsim2Xbar64>(g), std::invalid_argument);
  EXPECT_NO_THROW(Estimate<Mnsim2>(g));
}

TEST(EstimateTest, JsonHasTheAgreedKeys) {
  const NetworkCost c = Estimate<Mnsim2>(Net("b03"));
  const nlohmann::json j = ToJson(c);
  ASSERT_TRUE(j.contains("layers"));
  ASSERT_TRUE(j.contains("total"));
  EXPECT_EQ(j["layers"].size(), c.layers.size());
  for (const char* key : {"latency_ns", "energy_pj", "area_um2", "sequential_latency_ns",
                          "energy_breakdown_pj", "area_breakdown_um2", "tops_per_w", "edp_pj_ns"}) {
    EXPECT_TRUE(j["total"].contains(key)) << key;
  }
  EXPECT_DOUBLE_EQ(j["total"]["latency_ns"].get<double>(), c.latency_ns);
  EXPECT_TRUE(j["layers"][1].contains("energy_breakdown_pj"));
  EXPECT_TRUE(j["total"]["energy_breakdown_pj"].contains("adc"));
}

TEST(EstimateTest, PresetConstantsRecordTheHardware) {
  const nlohmann::json j = PresetConstants<Mnsim2>();
  EXPECT_EQ(j["preset"], "mnsim2");
  EXPECT_EQ(j["crossbar"]["rows"], 256);
  EXPECT_EQ(j["adc"]["bits"], 6);
  EXPECT_EQ(j["pe"]["adcs"], 128);
  EXPECT_EQ(PresetConstantsByName("mnsim2_xbar64")["crossbar"]["rows"], 64);
  EXPECT_EQ(PresetConstantsByName("mnsim2_2024a")["pe"]["dacs"], 256);
}

// The compressed schedule (periodic rows recorded as shifts) equals the plain per-output
// recurrence on random networks of the search space.
TEST(EstimateTest, CompressedScheduleMatchesPerOutputRecurrence) {
  std::mt19937 rng(20240605);
  const char* kinds[] = {"VGG", "MVGG", "RES"};
  const int channels[] = {8, 16, 32, 64, 128, 256};
  int checked = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const int depth = 1 + static_cast<int>(rng() % 7);
    std::string blocks;
    for (int b = 0; b < depth; ++b) {
      blocks += std::string(b ? ", " : "") + "[\"" + kinds[rng() % 3] + "\", " +
                std::to_string(channels[rng() % 6]) + "]";
    }
    const bool mnist = rng() % 4 == 0;
    const arch::Graph g =
        Parse(std::string(R"({"input": )") + (mnist ? "[28, 28, 1]" : "[32, 32, 3]") +
              R"(, "classes": 10, "blocks": [)" + blocks + "]}");
    const auto& c = internal::MnsimTables<Mnsim2>::kConstants;
    NetworkCost fast, plain;
    try {
      fast = internal::EstimateMnsim(c, g, true);
    } catch (const std::invalid_argument&) {
      continue;  // too large for the chip
    }
    plain = internal::EstimateMnsim(c, g, false);
    ASSERT_EQ(fast.layers.size(), plain.layers.size());
    EXPECT_NEAR(fast.latency_ns, plain.latency_ns, 1e-11 * plain.latency_ns) << blocks;
    for (size_t i = 0; i < plain.layers.size(); ++i) {
      EXPECT_NEAR(fast.layers[i].finish_ns, plain.layers[i].finish_ns,
                  1e-11 * plain.layers[i].finish_ns)
          << blocks << " layer " << i;
    }
    EXPECT_EQ(fast.energy_pj, plain.energy_pj);
    ++checked;
  }
  EXPECT_GE(checked, 40);
  // Explicit layer lists: strides, larger and 1x1 kernels, odd pools, non-square inputs.
  for (const char* json : {
           R"({"input": [32, 32, 3], "classes": 10, "layers": [["conv", 5, 32, 2], ["pool", 3],
               ["conv", 1, 64, 1], ["conv", 3, 64, 2], ["fc", 100], ["fc", 10]]})",
           R"({"input": [40, 24, 3], "classes": 7, "layers": [["conv", 3, 16, 1], ["pool", 2],
               ["conv", 3, 300, 1], ["pool", 2], ["fc", 7]]})",
           R"({"input": [28, 28, 1], "classes": 10, "blocks": [["RES", 16], ["RES", 16],
               ["VGG", 32], ["VGG", 32], ["VGG", 32], ["MVGG", 64]]})"}) {
    const arch::Graph g = Parse(json);
    const auto& c = internal::MnsimTables<Mnsim2>::kConstants;
    const NetworkCost fast = internal::EstimateMnsim(c, g, true);
    const NetworkCost plain = internal::EstimateMnsim(c, g, false);
    EXPECT_NEAR(fast.latency_ns, plain.latency_ns, 1e-11 * plain.latency_ns) << json;
    EXPECT_GT(plain.latency_ns, 0.0);
    EXPECT_NO_THROW(Estimate<Neurosim14>(g));
    EXPECT_NO_THROW(Estimate<Mnsim2Physical>(g));
  }
}

// Every layer of the fast schedule (rows in closed form, periodic rows as shifts, constants folded
// in at compile time) equals the plain per-output recurrence (run-time constants) up to rounding.
template <class Preset>
void ExpectFastEqualsPlain(const arch::Graph& g, const std::string& what) {
  NetworkCost fast;
  try {
    fast = Estimate<Preset>(g);
  } catch (const std::invalid_argument&) {
    return;  // too large for the chip
  }
  const NetworkCost plain =
      internal::EstimateMnsim(internal::MnsimTables<Preset>::kConstants, g, /*compress=*/false);
  // 1e-11 relative (the fast path's rows differ from the plain ones by ~1e-13); a layer's
  // latency is a difference of finish times, so its tolerance is the finish time's.
  auto near_finish = [](double a, double b, double finish) {
    return std::abs(a - b) <= 1e-11 * (std::abs(finish) + 1.0);
  };
  auto near = [&](double a, double b) { return near_finish(a, b, b); };
  ASSERT_EQ(fast.layers.size(), plain.layers.size()) << what;
  EXPECT_PRED2(near, fast.latency_ns, plain.latency_ns) << what;
  EXPECT_PRED2(near, fast.sequential_latency_ns, plain.sequential_latency_ns) << what;
  EXPECT_PRED2(near, fast.energy_pj, plain.energy_pj) << what;
  EXPECT_PRED2(near, fast.area_um2, plain.area_um2) << what;
  for (size_t i = 0; i < plain.layers.size(); ++i) {
    EXPECT_PRED2(near, fast.layers[i].finish_ns, plain.layers[i].finish_ns) << what << " " << i;
    EXPECT_PRED3(near_finish, fast.layers[i].latency_ns, plain.layers[i].latency_ns,
                 plain.layers[i].finish_ns)
        << what << " " << i;
    EXPECT_PRED2(near, fast.layers[i].busy_ns, plain.layers[i].busy_ns) << what << " " << i;
  }
}

// ExpectFastEqualsPlain<Mnsim2> on the network of `json`; false if the architecture is rejected
// (a shape that does not fit, e.g. a pool on a 1x1 map).
bool ExpectFastEqualsPlainIfValid(const std::string& json) {
  arch::Graph g;
  try {
    g = Parse(json);
  } catch (const std::exception&) {
    return false;
  }
  ExpectFastEqualsPlain<Mnsim2>(g, json);
  return true;
}

TEST(EstimateTest, FastScheduleMatchesPlainRecurrenceOnManyNetworks) {
  std::mt19937 rng(20261127);
  const char* kinds[] = {"VGG", "MVGG", "RES"};
  const int channels[] = {8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 512};
  int checked = 0;
  // Networks of the search space (1-7 blocks) on CIFAR- and MNIST-shaped inputs.
  for (int trial = 0; trial < 250; ++trial) {
    const int depth = 1 + static_cast<int>(rng() % 7);
    std::string blocks;
    for (int b = 0; b < depth; ++b) {
      blocks += std::string(b ? ", " : "") + "[\"" + kinds[rng() % 3] + "\", " +
                std::to_string(channels[rng() % 11]) + "]";
    }
    const bool mnist = rng() % 3 == 0;
    const std::string json = std::string(R"({"input": )") +
                             (mnist ? "[28, 28, 1]" : "[32, 32, 3]") +
                             R"(, "classes": 10, "blocks": [)" + blocks + "]}";
    const arch::Graph g = Parse(json);
    ExpectFastEqualsPlain<Mnsim2>(g, json);
    if (trial % 3 == 0) ExpectFastEqualsPlain<Mnsim2Xbar128>(g, json);
    if (trial % 3 == 1) ExpectFastEqualsPlain<Mnsim2Physical>(g, json);
    if (trial % 3 == 2) ExpectFastEqualsPlain<Mnsim2Dac2>(g, json);
    ++checked;
  }
  // Plain CNNs: kernels 1-7, strides 1-2, pools 2-3, odd and non-square maps (window clamping at
  // the right and bottom edges).
  for (int trial = 0; trial < 120; ++trial) {
    const int h = 6 + static_cast<int>(rng() % 35), w = 6 + static_cast<int>(rng() % 35);
    std::string layers;
    const int n = 1 + static_cast<int>(rng() % 6);
    for (int k = 0; k < n; ++k) {
      if (k > 0 && rng() % 4 == 0) {
        layers += ", [\"pool\", " + std::to_string(2 + rng() % 2) + "]";
      } else {
        const int kernel = 1 + 2 * static_cast<int>(rng() % 4);
        layers += std::string(k ? ", " : "") + "[\"conv\", " + std::to_string(kernel) + ", " +
                  std::to_string(channels[rng() % 9]) + ", " + std::to_string(1 + rng() % 2) + "]";
      }
    }
    layers += ", [\"fc\", 10]";
    const std::string json = R"({"input": [)" + std::to_string(h) + ", " + std::to_string(w) +
                             R"(, 3], "classes": 10, "layers": [)" + layers + "]}";
    checked += ExpectFastEqualsPlainIfValid(json);
  }
  EXPECT_GE(checked, 300);
}

// Every map width from 1 to 72: rows end at every lane of the schedule's vectors (4 or 8
// doubles), inputs are read directly (strides 1 and 2 within a row and its copies of the last
// value) or clamped column by column (windows past the copies: stride 3, and with 4-lane vectors
// (estimate_no_avx512_test) stride 1 under kernels of 11 and more), and wide rows span many
// vectors.
TEST(EstimateTest, FastScheduleMatchesPlainRecurrenceAcrossWidths) {
  int checked = 0;
  for (int w = 1; w <= 72; ++w) {
    for (const char* layers :
         {R"(["conv", 3, 16, 1], ["conv", 3, 16, 2], ["pool", 2], ["conv", 5, 8, 1])",
          R"(["conv", 7, 16, 1], ["pool", 3], ["conv", 1, 8, 2], ["conv", 3, 8, 1])",
          R"(["conv", 11, 8, 1], ["conv", 15, 8, 1], ["conv", 13, 8, 1], ["conv", 9, 8, 1])"}) {
      const std::string json = R"({"input": [5, )" + std::to_string(w) +
                               R"(, 3], "classes": 10, "layers": [)" + layers + R"(, ["fc", 10]]})";
      checked += ExpectFastEqualsPlainIfValid(json);
    }
  }
  EXPECT_GE(checked, 150);
}

// The reference networks with every MNSIM preset, fast against plain: b06 (residual sums whose
// two inputs take turns binding, 3x3 stacks whose clamped bottom rows are the own chain at once),
// b03 (a first RES block behind the dummy pool) and vgg8 (pools, wide layers).
TEST(EstimateTest, FastScheduleMatchesPlainRecurrenceOnReferenceNetworksAllPresets) {
  for (const char* name : {"b06", "b03", "vgg8"}) {
    const arch::Graph g = Net(name);
    ExpectFastEqualsPlain<Mnsim2>(g, name);
    ExpectFastEqualsPlain<Mnsim2_2024a>(g, name);
    ExpectFastEqualsPlain<Mnsim2Xbar64>(g, name);
    ExpectFastEqualsPlain<Mnsim2Xbar128>(g, name);
    ExpectFastEqualsPlain<Mnsim2Xbar512>(g, name);
    ExpectFastEqualsPlain<Mnsim2Adc1>(g, name);
    ExpectFastEqualsPlain<Mnsim2Adc2>(g, name);
    ExpectFastEqualsPlain<Mnsim2Adc4>(g, name);
    ExpectFastEqualsPlain<Mnsim2Adc7>(g, name);
    ExpectFastEqualsPlain<Mnsim2Dac2>(g, name);
    ExpectFastEqualsPlain<Mnsim2Physical>(g, name);
  }
}

// EstimateTotals is Estimate without the layer records: every total the same, bit for bit.
template <class Preset>
void ExpectTotalsEqualEstimate(const arch::Graph& g, const std::string& what) {
  NetworkCost full;
  try {
    full = Estimate<Preset>(g);
  } catch (const std::invalid_argument&) {
    EXPECT_THROW(EstimateTotals<Preset>(g), std::invalid_argument) << what;
    return;
  }
  const NetworkTotals t = EstimateTotals<Preset>(g);
  const std::string w = what + " " + internal::PresetName<Preset>::kValue;
  EXPECT_EQ(t.latency_ns, full.latency_ns) << w;
  EXPECT_EQ(t.sequential_latency_ns, full.sequential_latency_ns) << w;
  EXPECT_EQ(t.energy_pj, full.energy_pj) << w;
  EXPECT_EQ(t.area_um2, full.area_um2) << w;
  EXPECT_EQ(t.latency_breakdown_ns, full.latency_breakdown_ns) << w;
  EXPECT_EQ(t.energy_breakdown_pj, full.energy_breakdown_pj) << w;
  EXPECT_EQ(t.area_breakdown_um2, full.area_breakdown_um2) << w;
  EXPECT_EQ(t.tiles, full.tiles) << w;
  EXPECT_EQ(t.crossbars, full.crossbars) << w;
  EXPECT_EQ(t.ops, full.ops) << w;
  EXPECT_EQ(t.throughput_per_s, full.throughput_per_s) << w;
  EXPECT_EQ(t.tops_per_w, full.tops_per_w) << w;
  EXPECT_EQ(t.edp_pj_ns, full.edp_pj_ns) << w;
  EXPECT_EQ(t.global_accumulator_energy_pj, full.global_accumulator_energy_pj) << w;
  EXPECT_EQ(t.global_accumulator_area_um2, full.global_accumulator_area_um2) << w;
  EXPECT_GT(t.latency_ns, 0.0) << w;
}

template <class... Presets>
void ExpectTotalsEqualEstimateAll(const arch::Graph& g, const std::string& what) {
  (ExpectTotalsEqualEstimate<Presets>(g, what), ...);
}

TEST(EstimateTest, TotalsOnlyEqualTheFullEstimate) {
  for (const char* name : {"vgg8", "b01", "b02", "b03", "b04", "b05", "b06", "b07", "b11"}) {
    const arch::Graph g = Net(name);
    ExpectTotalsEqualEstimateAll<Mnsim2, Mnsim2_2024a, Mnsim2Xbar64, Mnsim2Xbar128, Mnsim2Xbar512,
                                 Mnsim2Adc1, Mnsim2Adc2, Mnsim2Adc4, Mnsim2Adc7, Mnsim2Dac2,
                                 Mnsim2Physical, Neurosim14>(g, name);
  }
  // Alternating calls reuse the same scratch records: nothing of one network may leak into the
  // next (b06 after vgg8 and back).
  const arch::Graph a = Net("vgg8"), b = Net("b06");
  const NetworkTotals a1 = EstimateTotals<Mnsim2>(a), b1 = EstimateTotals<Mnsim2>(b);
  const NetworkTotals a2 = EstimateTotals<Mnsim2>(a), b2 = EstimateTotals<Neurosim14>(b);
  EXPECT_EQ(a1.energy_pj, a2.energy_pj);
  EXPECT_EQ(b1.latency_ns, Estimate<Mnsim2>(b).latency_ns);
  EXPECT_EQ(b2.energy_pj, Estimate<Neurosim14>(b).energy_pj);
}

// The MNSIM totals are summed layer by layer (the totals-only path keeps its unnamed layer
// figures in reused memory): every total must be exactly the sum, in layer order, of the layer
// records (and the latency the latest finish), plus the global accumulator where the preset
// counts it.
template <class Preset>
void ExpectTotalsAreLayerSums(const arch::Graph& g, const std::string& what) {
  const NetworkCost c = Estimate<Preset>(g);
  const std::string w = what + " " + internal::PresetName<Preset>::kValue;
  NetworkTotals sum;
  for (const LayerCost& l : c.layers) {
    sum.latency_ns = std::max(sum.latency_ns, l.finish_ns);
    sum.sequential_latency_ns += l.busy_ns;
    sum.energy_pj += l.energy_pj;
    sum.area_um2 += l.area_um2;
    sum.tiles += l.tiles;
    sum.crossbars += l.crossbars;
    for (int k = 0; k < kLatencyParts; ++k)
      sum.latency_breakdown_ns[k] += l.latency_breakdown_ns[k];
    for (int k = 0; k < kEnergyParts; ++k) sum.energy_breakdown_pj[k] += l.energy_breakdown_pj[k];
    for (int k = 0; k < kAreaParts; ++k) sum.area_breakdown_um2[k] += l.area_breakdown_um2[k];
  }
  if (!internal::MnsimTables<Preset>::kConstants.omit_global_accumulator) {
    sum.energy_pj += c.global_accumulator_energy_pj;
    sum.area_um2 += c.global_accumulator_area_um2;
    sum.energy_breakdown_pj[static_cast<int>(EnergyPart::kGlobalAccumulator)] =
        c.global_accumulator_energy_pj;
    sum.area_breakdown_um2[static_cast<int>(AreaPart::kGlobalAccumulator)] =
        c.global_accumulator_area_um2;
  }
  EXPECT_EQ(c.latency_ns, sum.latency_ns) << w;
  EXPECT_EQ(c.sequential_latency_ns, sum.sequential_latency_ns) << w;
  EXPECT_EQ(c.energy_pj, sum.energy_pj) << w;
  EXPECT_EQ(c.area_um2, sum.area_um2) << w;
  EXPECT_EQ(c.tiles, sum.tiles) << w;
  EXPECT_EQ(c.crossbars, sum.crossbars) << w;
  EXPECT_EQ(c.latency_breakdown_ns, sum.latency_breakdown_ns) << w;
  EXPECT_EQ(c.energy_breakdown_pj, sum.energy_breakdown_pj) << w;
  EXPECT_EQ(c.area_breakdown_um2, sum.area_breakdown_um2) << w;
  // And the totals-only entry point returns the same (the same code path, checked anyway).
  const NetworkTotals t = EstimateTotals<Preset>(g);
  EXPECT_EQ(t.energy_breakdown_pj, sum.energy_breakdown_pj) << w;
  EXPECT_EQ(t.latency_breakdown_ns, sum.latency_breakdown_ns) << w;
}

TEST(EstimateTest, MnsimTotalsAreTheSumsOfTheLayerRecords) {
  for (const char* name : {"vgg8", "b01", "b02", "b03", "b04", "b05", "b06", "b07", "b11"}) {
    const arch::Graph g = Net(name);
    ExpectTotalsAreLayerSums<Mnsim2>(g, name);
    ExpectTotalsAreLayerSums<Mnsim2Physical>(g, name);
    ExpectTotalsAreLayerSums<Mnsim2Xbar128>(g, name);
  }
}

// Rows taken as shifts of the row before when the end of the row before did not bind (cheap
// layers behind expensive ones: pools, 1x1 convs and sums wait for their inputs at every row
// start) and row 1 taken as row 0 shifted where the per-output times are uniform (pools, sums):
// fast against plain on networks built to be input-bound, with odd maps and strides.
TEST(EstimateTest, FastScheduleMatchesPlainWhereInputsBindTheRowStarts) {
  for (const char* json : {
           R"({"input": [33, 33, 3], "classes": 10, "layers": [["conv", 3, 256, 1], ["pool", 2],
               ["conv", 1, 8, 1], ["pool", 3], ["conv", 1, 8, 1], ["fc", 10]]})",
           R"({"input": [31, 17, 3], "classes": 10, "layers": [["conv", 5, 192, 1],
               ["conv", 1, 8, 1], ["conv", 3, 8, 2], ["pool", 2], ["fc", 10]]})",
           R"({"input": [32, 32, 3], "classes": 10, "blocks": [["RES", 256], ["RES", 8],
               ["VGG", 256], ["RES", 16], ["MVGG", 8], ["RES", 256]]})",
           R"({"input": [28, 28, 1], "classes": 10, "blocks": [["VGG", 192], ["RES", 8],
               ["RES", 8], ["VGG", 8], ["RES", 128]]})",
           // A run may go on past an input that does not bind only where that input's run
           // reaches its last row (a run going on past any non-binding input is 1% off here).
           R"({"input": [31, 30, 2], "classes": 10, "blocks": [["MVGG", 24], ["MVGG", 8],
               ["MVGG", 32], ["VGG", 32], ["RES", 48]]})",
           R"({"input": [28, 29, 3], "classes": 10, "blocks": [["MVGG", 24], ["RES", 32],
               ["VGG", 48], ["RES", 192]]})"}) {
    const arch::Graph g = Parse(json);
    ExpectFastEqualsPlain<Mnsim2>(g, json);
    ExpectFastEqualsPlain<Mnsim2_2024a>(g, json);
    ExpectFastEqualsPlain<Mnsim2Xbar64>(g, json);
    ExpectFastEqualsPlain<Mnsim2Physical>(g, json);
    ExpectFastEqualsPlain<Mnsim2Dac2>(g, json);
  }
}

// The placement's O(1) extent of a run of spiral tiles equals the extremes over the tiles of the
// placement table, for every run of the 64 x 64 spiral.
TEST(EstimateTest, SpiralRunExtentMatchesThePlacementTable) {
  const auto& c = internal::MnsimTables<Mnsim2>::kConstants;
  const int tiles = c.tile_rows * c.tile_cols;
  int mismatches = 0;
  for (int first = 0; first < tiles; ++first) {
    int max_sum = -1000, min_sum = 1000, max_diff = -1000, min_diff = 1000;
    for (int end = first + 1; end <= tiles; ++end) {
      const internal::TilePosition p = c.placement[end - 1];
      max_sum = std::max(max_sum, p.row + p.col);
      min_sum = std::min(min_sum, p.row + p.col);
      max_diff = std::max(max_diff, p.row - p.col);
      min_diff = std::min(min_diff, p.row - p.col);
      const internal::TileRunExtent x = internal::SpiralRunExtent(first, end);
      if (x.max_sum != max_sum || x.min_sum != min_sum || x.max_diff != max_diff ||
          x.min_diff != min_diff) {
        if (++mismatches <= 5) ADD_FAILURE() << "tiles [" << first << ", " << end << ")";
      }
    }
  }
  EXPECT_EQ(mismatches, 0);
}

// Compile-time checks on the presets.
static_assert(Mnsim2::kWeightSlices == 8, "9-bit weights with polarity: 8 one-bit slices");
static_assert(Mnsim2::kInputCycles == 9, "9-bit activations through a 1-bit DAC");
static_assert(Mnsim2Dac2::kInputCycles == 5, "9-bit activations through a 2-bit DAC");
static_assert(internal::MnsimTables<Mnsim2>::kConstants.placement[3].row == 1 &&
                  internal::MnsimTables<Mnsim2>::kConstants.placement[3].col == 0,
              "spiral placement: tile 3 at (1, 0)");

}  // namespace
}  // namespace imcnas::imc
