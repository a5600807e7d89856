// Shared by the fidelity tests: reference rows grouped by (configuration, network), the
// networks' graphs, Kendall's tau.
#ifndef IMCNAS_TESTS_IMC_REFERENCE_SUPPORT_H_
#define IMCNAS_TESTS_IMC_REFERENCE_SUPPORT_H_

#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "arch/architecture.h"
#include "arch/graph.h"
#include "imc/estimate.h"
#include "imc/reference_csv.h"

namespace imcnas::imc::testing {

struct ReferenceNetwork {
  std::string config, net;
  const ReferenceRow* total = nullptr;
  std::vector<const ReferenceRow*> layers;
};

inline std::vector<ReferenceNetwork> GroupReference(const std::vector<ReferenceRow>& rows) {
  std::vector<ReferenceNetwork> out;
  std::map<std::pair<std::string, std::string>, size_t> index;
  for (const ReferenceRow& r : rows) {
    const auto key = std::make_pair(r.Text("config"), r.Text("net_id"));
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, out.size()).first;
      out.push_back({key.first, key.second, nullptr, {}});
    }
    ReferenceNetwork& n = out[it->second];
    if (r.Text("layer_index") == "-1") {
      n.total = &r;
    } else {
      n.layers.push_back(&r);
    }
  }
  return out;
}

inline arch::Graph LoadNet(const std::string& net) {
  return arch::Lower(arch::LoadArchitecture("testdata/arch/" + net + ".json"));
}

// Kendall's tau-b of two equally long samples.
inline double KendallTau(const std::vector<double>& a, const std::vector<double>& b) {
  long long concordant = 0, discordant = 0, ties_a = 0, ties_b = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t j = i + 1; j < a.size(); ++j) {
      const double da = a[i] - a[j], db = b[i] - b[j];
      if (da == 0 && db == 0) continue;
      if (da == 0) {
        ++ties_a;
      } else if (db == 0) {
        ++ties_b;
      } else if ((da > 0) == (db > 0)) {
        ++concordant;
      } else {
        ++discordant;
      }
    }
  }
  const double n0 = static_cast<double>(concordant + discordant);
  const double denom = std::sqrt((n0 + ties_a) * (n0 + ties_b));
  return denom > 0 ? (concordant - discordant) / denom : 0.0;
}

}  // namespace imcnas::imc::testing

#endif  // IMCNAS_TESTS_IMC_REFERENCE_SUPPORT_H_
