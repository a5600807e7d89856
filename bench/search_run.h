// The search that every bench binary runs: split the training set, let an optimiser propose
// architectures, train each on the training split, score it on validation accuracy, price it with
// the crossbar model, and finally retrain the Pareto-optimal candidates and test them. Writes a
// deterministic record (record.json), evaluations.csv, pareto.svg and, apart, the wall-clock
// times (run_environment.json); resumes killed runs and verifies recorded ones.
#ifndef IMCNAS_BENCH_SEARCH_RUN_H_
#define IMCNAS_BENCH_SEARCH_RUN_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "arch/graph.h"
#include "bench/budgets.h"
#include "imc/cost.h"

namespace imcnas::bench {

enum class Objective { kLatency, kEnergy, kAccuracy, kPareto };

const char* ObjectiveName(Objective objective);

struct BinarySpec {
  std::string binary;   // e.g. "cifar10_latency"
  std::string dataset;  // registry name, e.g. "cifar10"
  Objective objective = Objective::kLatency;
  std::string preset;   // crossbar preset name
  std::vector<std::pair<std::string, Budget>> budgets;
  std::function<imc::NetworkTotals(const arch::Graph&)> estimate;
  std::function<nlohmann::json()> preset_constants;
};

// Parses flags, runs (or resumes, or verifies) a search, returns the process exit code.
int RunSearchBinary(const BinarySpec& spec, int argc, char** argv);

}  // namespace imcnas::bench

#endif  // IMCNAS_BENCH_SEARCH_RUN_H_
