// Fidelity of the mnsim2 presets against MNSIM 2.0 (testdata/imc/mnsim2_reference.csv, copied
// from shared/reference): totals within the tolerances for every network and
// configuration, rank correlation across networks, and per-layer agreement (the mechanisms).
#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/imc/reference_support.h"

namespace imcnas::imc::testing {
namespace {

const std::vector<ReferenceRow>& Rows() {
  static const auto* rows =
      new std::vector<ReferenceRow>(ReadReferenceCsv("testdata/imc/mnsim2_reference.csv"));
  return *rows;
}

struct Tolerance {
  double latency, energy, area;
};

Tolerance ToleranceFor(const std::string& config) {
  // Issue 5: default (and the earlier default) +-10% latency and energy, +-5% area; the
  // sensitivity configurations +-20%.
  if (config == "default" || config == "cfg2024a") return {0.10, 0.10, 0.05};
  return {0.20, 0.20, 0.20};
}

TEST(MnsimReferenceTest, CoversTheReferenceConfigurations) {
  const auto groups = GroupReference(Rows());
  int defaults = 0;
  for (const auto& g : groups) defaults += g.config == "default";
  EXPECT_EQ(defaults, 9);
  EXPECT_GE(groups.size(), 38u);
}

TEST(MnsimReferenceTest, TotalsWithinTolerance) {
  for (const auto& g : GroupReference(Rows())) {
    ASSERT_NE(g.total, nullptr) << g.config << " " << g.net;
    const std::string preset = PresetForConfig("mnsim2", g.config);
    const NetworkCost c = EstimateByName(preset, LoadNet(g.net));
    const Tolerance t = ToleranceFor(g.config);
    const double lat = g.total->Number("latency_ns");
    const double energy = g.total->Number("energy_nJ") * 1000.0;
    const double area = g.total->Number("area_um2");
    EXPECT_NEAR(c.latency_ns / lat, 1.0, t.latency) << preset << " " << g.net;
    EXPECT_NEAR(c.energy_pj / energy, 1.0, t.energy) << preset << " " << g.net;
    EXPECT_NEAR(c.area_um2 / area, 1.0, t.area) << preset << " " << g.net;
  }
}

TEST(MnsimReferenceTest, RankCorrelationAcrossNetworks) {
  std::vector<double> lat, ref_lat, energy, ref_energy, area, ref_area;
  for (const auto& g : GroupReference(Rows())) {
    if (g.config != "default") continue;
    const NetworkCost c = Estimate<Mnsim2>(LoadNet(g.net));
    lat.push_back(c.latency_ns);
    energy.push_back(c.energy_pj);
    area.push_back(c.area_um2);
    ref_lat.push_back(g.total->Number("latency_ns"));
    ref_energy.push_back(g.total->Number("energy_nJ"));
    ref_area.push_back(g.total->Number("area_um2"));
  }
  ASSERT_EQ(lat.size(), 9u);
  EXPECT_GE(KendallTau(lat, ref_lat), 0.95);
  EXPECT_GE(KendallTau(energy, ref_energy), 0.95);
  EXPECT_GE(KendallTau(area, ref_area), 0.95);
}

// The mechanisms: every layer's mapping, finish time, busy-time breakdown, energy and area.
TEST(MnsimReferenceTest, PerLayerAgreementAtDefaults) {
  for (const auto& g : GroupReference(Rows())) {
    if (g.config != "default") continue;
    const NetworkCost c = Estimate<Mnsim2>(LoadNet(g.net));
    ASSERT_EQ(c.layers.size(), g.layers.size()) << g.net;
    for (size_t i = 0; i < c.layers.size(); ++i) {
      const LayerCost& l = c.layers[i];
      const ReferenceRow& r = *g.layers[i];
      const std::string where = g.net + " layer " + std::to_string(i) + " " + l.name;
      EXPECT_EQ(l.tiles, static_cast<int>(r.Number("tiles"))) << where;
      EXPECT_NEAR(l.finish_ns, r.Number("finish_ns"), 1e-4 * r.Number("finish_ns") + 1) << where;
      EXPECT_NEAR(l.energy_pj, r.Number("energy_nJ") * 1000, 2e-3 * r.Number("energy_nJ") * 1000)
          << where;
      EXPECT_NEAR(l.area_um2, r.Number("area_um2"), 1e-4 * r.Number("area_um2") + 1) << where;
      const double ref_buffer = r.Number("lat_buffer_ns");
      EXPECT_NEAR(l.latency_breakdown_ns[static_cast<int>(LatencyPart::kBuffer)], ref_buffer,
                  1e-4 * ref_buffer + 1)
          << where;
      const double ref_inter = r.Number("lat_inter_tile_ns");
      EXPECT_NEAR(l.latency_breakdown_ns[static_cast<int>(LatencyPart::kInterTile)], ref_inter,
                  1e-4 * ref_inter + 1)
          << where;
      const double ref_adc = r.Number("e_ADC_nJ") * 1000;
      EXPECT_NEAR(l.energy_breakdown_pj[static_cast<int>(EnergyPart::kAdc)], ref_adc,
                  1e-4 * ref_adc + 1)
          << where;
    }
  }
}

TEST(MnsimReferenceTest, GlobalAccumulatorReportedButLeftOutOfTotals) {
  for (const auto& g : GroupReference(Rows())) {
    if (g.config != "default" || g.total->Number("global_acc_area_um2") == 0) continue;
    const NetworkCost c = Estimate<Mnsim2>(LoadNet(g.net));
    EXPECT_NEAR(c.global_accumulator_area_um2, g.total->Number("global_acc_area_um2"), 1.0)
        << g.net;
    EXPECT_EQ(c.energy_breakdown_pj[static_cast<int>(EnergyPart::kGlobalAccumulator)], 0.0);
  }
}

}  // namespace
}  // namespace imcnas::imc::testing
