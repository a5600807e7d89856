// One search binary per data set, objective and crossbar preset, fixed at compile time:
//   int main(int argc, char** argv) {
//     return imcnas::bench::SearchMain<Cifar10, LatencyObjective, imc::Mnsim2>(argc, argv,
//                                                                            "cifar10_latency");
//   }
// bench/search.bzl generates exactly that file for each line of bench/BUILD.
#ifndef IMCNAS_BENCH_SEARCH_BINARY_H_
#define IMCNAS_BENCH_SEARCH_BINARY_H_

#include <string>

#include "bench/budgets.h"
#include "bench/search_run.h"
#include "imc/estimate.h"

namespace imcnas::bench {

struct LatencyObjective {
  static constexpr Objective kObjective = Objective::kLatency;
};
struct EnergyObjective {
  static constexpr Objective kObjective = Objective::kEnergy;
};
struct AccuracyObjective {
  static constexpr Objective kObjective = Objective::kAccuracy;
};
struct ParetoObjective {
  static constexpr Objective kObjective = Objective::kPareto;
};

template <class DatasetTag, class ObjectiveTag, class Preset>
int SearchMain(int argc, char** argv, const char* binary_name) {
  static_assert(DatasetTag::kSmoke.evaluations > 0 && DatasetTag::kQuick.evaluations > 0 &&
                    DatasetTag::kPaper.evaluations > 0,
                "every budget evaluates at least one candidate");
  BinarySpec spec;
  spec.binary = binary_name;
  spec.dataset = DatasetTag::kName;
  spec.objective = ObjectiveTag::kObjective;
  spec.preset = imc::internal::PresetName<Preset>::kValue;
  spec.budgets = {{"smoke", DatasetTag::kSmoke},
                  {"quick", DatasetTag::kQuick},
                  {"paper", DatasetTag::kPaper}};
  spec.estimate = [](const arch::Graph& graph) { return imc::EstimateTotals<Preset>(graph); };
  spec.preset_constants = [] { return imc::PresetConstants<Preset>(); };
  return RunSearchBinary(spec, argc, argv);
}

}  // namespace imcnas::bench

#endif  // IMCNAS_BENCH_SEARCH_BINARY_H_
