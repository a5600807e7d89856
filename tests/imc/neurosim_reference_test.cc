// Fidelity of the neurosim14 preset against DNN+NeuroSim V1.4, configuration B
// (testdata/imc/neurosim14_reference.csv, copied from shared/reference, p = 0.3 traces).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/imc/reference_support.h"

namespace imcnas::imc::testing {
namespace {

const std::vector<ReferenceRow>& Rows() {
  static const auto* rows =
      new std::vector<ReferenceRow>(ReadReferenceCsv("testdata/imc/neurosim14_reference.csv"));
  return *rows;
}

double Energy(const ReferenceRow& r) {
  return r.Number("dynamic_energy_pJ") + r.Number("leakage_energy_pJ");
}

TEST(NeurosimReferenceTest, TotalsWithin25PercentAndRanked) {
  std::vector<double> lat, ref_lat, energy, ref_energy, area, ref_area;
  int nets = 0;
  for (const auto& g : GroupReference(Rows())) {
    ASSERT_EQ(g.config, "B");
    ASSERT_NE(g.total, nullptr) << g.net;
    const NetworkCost c = Estimate<Neurosim14>(LoadNet(g.net));
    EXPECT_NEAR(c.latency_ns / g.total->Number("latency_ns"), 1.0, 0.25) << g.net;
    EXPECT_NEAR(c.energy_pj / Energy(*g.total), 1.0, 0.25) << g.net;
    EXPECT_NEAR(c.area_um2 / g.total->Number("area_um2"), 1.0, 0.25) << g.net;
    lat.push_back(c.latency_ns);
    energy.push_back(c.energy_pj);
    area.push_back(c.area_um2);
    ref_lat.push_back(g.total->Number("latency_ns"));
    ref_energy.push_back(Energy(*g.total));
    ref_area.push_back(g.total->Number("area_um2"));
    ++nets;
  }
  EXPECT_EQ(nets, 9);
  EXPECT_GE(KendallTau(lat, ref_lat), 0.9);
  EXPECT_GE(KendallTau(energy, ref_energy), 0.9);
  EXPECT_GE(KendallTau(area, ref_area), 0.9);
}

// Mapping mechanisms: tiles and duplication of every layer match NeuroSim exactly.
TEST(NeurosimReferenceTest, TilesAndDuplicationPerLayer) {
  for (const auto& g : GroupReference(Rows())) {
    const NetworkCost c = Estimate<Neurosim14>(LoadNet(g.net));
    ASSERT_EQ(c.layers.size(), g.layers.size()) << g.net;
    for (size_t i = 0; i < c.layers.size(); ++i) {
      const std::string where = g.net + " layer " + std::to_string(i);
      EXPECT_EQ(c.layers[i].tiles, static_cast<int>(g.layers[i]->Number("num_tiles"))) << where;
      EXPECT_EQ(c.layers[i].duplication, static_cast<int>(g.layers[i]->Number("speedup"))) << where;
      // Per-layer latency within 25% (most are within 5%).
      EXPECT_NEAR(c.layers[i].latency_ns / g.layers[i]->Number("latency_ns"), 1.0, 0.25) << where;
    }
    EXPECT_EQ(c.tiles, static_cast<int>(g.total->Number("num_tiles"))) << g.net;
  }
}

}  // namespace
}  // namespace imcnas::imc::testing
