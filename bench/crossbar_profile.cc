// Speed of the crossbar cost models: b06 (7 blocks) with each preset, the mapping alone, a sweep
// over network depth, and a sample of the search space. Goal (issue 5): <= 2 us per network
// estimate.
//   bazel run //bench:crossbar_profile
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "arch/architecture.h"
#include "arch/graph.h"
#include "imc/estimate.h"
#include "imc/internal/layer_list.h"
#include "imc/internal/mnsim_engine.h"
#include "nas/random.h"
#include "nas/search_space.h"

namespace {

using namespace imcnas;

constexpr char kB06[] =
    R"({"id": "b06", "input": [32, 32, 3], "classes": 10, "blocks": [["RES", 64], ["RES", 64],
        ["VGG", 64], ["RES", 128], ["VGG", 128], ["RES", 256], ["VGG", 256]]})";

const arch::Graph& B06() {
  static const arch::Graph* g = new arch::Graph(arch::Lower(arch::ParseArchitecture(kB06)));
  return *g;
}

template <class Preset>
void BM_EstimateB06(benchmark::State& state) {
  const arch::Graph& g = B06();
  for (auto _ : state) {
    imc::NetworkCost c = imc::Estimate<Preset>(g);
    benchmark::DoNotOptimize(c.latency_ns);
  }
}
BENCHMARK_TEMPLATE(BM_EstimateB06, imc::Mnsim2)->Unit(benchmark::kMicrosecond);
BENCHMARK_TEMPLATE(BM_EstimateB06, imc::Mnsim2_2024a)->Unit(benchmark::kMicrosecond);
BENCHMARK_TEMPLATE(BM_EstimateB06, imc::Mnsim2Xbar128)->Unit(benchmark::kMicrosecond);
BENCHMARK_TEMPLATE(BM_EstimateB06, imc::Mnsim2Physical)->Unit(benchmark::kMicrosecond);
BENCHMARK_TEMPLATE(BM_EstimateB06, imc::Neurosim14)->Unit(benchmark::kMicrosecond);

// Totals only (no layer records): what a search needs; the same bits as Estimate's totals.
template <class Preset>
void BM_EstimateTotalsB06(benchmark::State& state) {
  const arch::Graph& g = B06();
  for (auto _ : state) {
    imc::NetworkTotals t = imc::EstimateTotals<Preset>(g);
    benchmark::DoNotOptimize(t.latency_ns);
  }
}
BENCHMARK_TEMPLATE(BM_EstimateTotalsB06, imc::Mnsim2)->Unit(benchmark::kMicrosecond);
BENCHMARK_TEMPLATE(BM_EstimateTotalsB06, imc::Mnsim2Xbar128)->Unit(benchmark::kMicrosecond);
BENCHMARK_TEMPLATE(BM_EstimateTotalsB06, imc::Mnsim2Physical)->Unit(benchmark::kMicrosecond);
BENCHMARK_TEMPLATE(BM_EstimateTotalsB06, imc::Neurosim14)->Unit(benchmark::kMicrosecond);

void BM_EstimateB06ByName(benchmark::State& state) {
  const arch::Graph& g = B06();
  for (auto _ : state) {
    imc::NetworkCost c = imc::EstimateByName("mnsim2", g);
    benchmark::DoNotOptimize(c.latency_ns);
  }
}
BENCHMARK(BM_EstimateB06ByName)->Unit(benchmark::kMicrosecond);

// Mapping alone: hardware layer list, crossbars, PEs and tiles per layer.
void BM_MappingB06(benchmark::State& state) {
  const arch::Graph& g = B06();
  const auto& c = imc::internal::MnsimTables<imc::Mnsim2>::kConstants;
  std::vector<imc::internal::HwLayer> layers;
  std::vector<imc::internal::MnsimMapping> mapping;
  for (auto _ : state) {
    imc::internal::BuildLayerList(g, true, &layers);
    imc::internal::MapMnsim(c, layers, &mapping);
    benchmark::DoNotOptimize(mapping.data());
  }
}
BENCHMARK(BM_MappingB06)->Unit(benchmark::kMicrosecond);

// Depth sweep: 1..7 blocks cycling RES, VGG, MVGG with channels 32, 64, 128, ...
arch::Graph NetOfDepth(int depth) {
  const char* kinds[] = {"RES", "VGG", "MVGG"};
  std::string blocks;
  for (int i = 0; i < depth; ++i) {
    const int channels = 32 << (i / 2 < 3 ? i / 2 : 3);
    blocks +=
        std::string(i ? ", " : "") + "[\"" + kinds[i % 3] + "\", " + std::to_string(channels) + "]";
  }
  return arch::Lower(arch::ParseArchitecture(
      R"({"input": [32, 32, 3], "classes": 10, "blocks": [)" + blocks + "]}"));
}

void BM_EstimateDepth(benchmark::State& state) {
  const arch::Graph g = NetOfDepth(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    imc::NetworkCost c = imc::Estimate<imc::Mnsim2>(g);
    benchmark::DoNotOptimize(c.latency_ns);
  }
  state.counters["layers"] = static_cast<double>(imc::Estimate<imc::Mnsim2>(g).layers.size());
}
BENCHMARK(BM_EstimateDepth)->DenseRange(1, 7)->Unit(benchmark::kMicrosecond);

// What a search pays per candidate: 280 networks of the search space (nas::SearchSpace, 40 of
// each depth 1-7, seed 20261129, CIFAR-10 shape), estimated in turn (totals only, as the search
// binaries do); the time is the mean over them. Unlike b06 over and over, the branches differ
// from one estimate to the next.
const std::vector<arch::Graph>& SearchSpaceSample() {
  static const std::vector<arch::Graph>* nets = [] {
    auto* v = new std::vector<arch::Graph>;
    const nas::SearchSpace space = nas::SearchSpace::Paper();
    nas::Rng rng(20261129);
    for (int depth = 1; depth <= 7; ++depth) {
      for (int k = 0; k < 40; ++k) {
        v->push_back(arch::Lower(
            space.ToArchitecture(space.SampleAtDepth(depth, rng), arch::Shape{32, 32, 3}, 10)));
      }
    }
    // Interleave the depths, so that consecutive estimates differ in size.
    std::vector<arch::Graph> mixed;
    for (int k = 0; k < 40; ++k) {
      for (int d = 0; d < 7; ++d) mixed.push_back((*v)[d * 40 + k]);
    }
    *v = std::move(mixed);
    return v;
  }();
  return *nets;
}

template <class Preset>
void BM_EstimateTotalsSearchSpace(benchmark::State& state) {
  const std::vector<arch::Graph>& nets = SearchSpaceSample();
  size_t i = 0;
  for (auto _ : state) {
    imc::NetworkTotals t = imc::EstimateTotals<Preset>(nets[i]);
    benchmark::DoNotOptimize(t.latency_ns);
    i = i + 1 == nets.size() ? 0 : i + 1;
  }
}
BENCHMARK_TEMPLATE(BM_EstimateTotalsSearchSpace, imc::Mnsim2)->Unit(benchmark::kMicrosecond);
BENCHMARK_TEMPLATE(BM_EstimateTotalsSearchSpace, imc::Neurosim14)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
