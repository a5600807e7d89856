// Throughput of the trainer: images per second of a whole training step (forward, loss,
// backward, SGD update) and of inference, at batch 128, with the GFLOP/s that implies
// (a training step counts 3 x 2 x MACs per image: forward, input gradient, weight gradient).
// The MACs are those of the direct convolution (arch's counts), so with Winograd's 3x3
// convolutions, which multiply 2.25x less, the figure is an effective rate that can exceed
// the machine's matrix-product peak.
//
//   bazel run //bench:trainer_throughput -- [--arch FILE]... [--threads T] [--batch B]
//       [--iterations N (fixed count, for profiling)] [--min_time S (default 2)]
//       [Google Benchmark flags]
// Without --arch: the reference networks b01, b06 and b11 (testdata/arch).
#include <omp.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "arch/architecture.h"
#include "arch/graph.h"
#include "cli/flags.h"
#include "nn/layers.h"
#include "nn/network.h"
#include "nn/sgd.h"

namespace {

using imcnas::nn::Tensor;

struct Setup {
  imcnas::arch::Graph graph;
  std::vector<float> images;
  std::vector<std::int32_t> labels;
};

Setup Make(const imcnas::arch::Architecture& arch, int batch) {
  Setup s{imcnas::arch::Lower(arch), {}, {}};
  std::mt19937_64 g(1);
  std::normal_distribution<float> normal;
  s.images.resize(static_cast<std::size_t>(batch) * arch.input.size());
  for (auto& v : s.images) v = normal(g);
  for (int i = 0; i < batch; ++i) s.labels.push_back(i % arch.classes);
  return s;
}

void TrainStep(benchmark::State& state, imcnas::arch::Architecture arch, int batch) {
  const Setup s = Make(arch, batch);
  imcnas::nn::Network<float> net(s.graph, 1);
  imcnas::nn::Sgd<float> sgd(net.Parameters(), {});
  Tensor<float> dlogits;
  auto step = [&] {
    const auto r = imcnas::nn::SoftmaxCrossEntropy(net.Forward(s.images.data(), batch, true),
                                                  s.labels.data(), 0.0, &dlogits);
    benchmark::DoNotOptimize(r.loss);
    net.Backward(dlogits);
    sgd.Step(0.01);
  };
  step();  // untimed warm-up: first-touch allocation of the buffers, as PyTorch's side gets
  for (auto _ : state) step();
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["images/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * batch,
                                                  benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(
      6e-9 * s.graph.macs() * batch * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["threads"] = omp_get_max_threads();
}

void Inference(benchmark::State& state, imcnas::arch::Architecture arch, int batch) {
  const Setup s = Make(arch, batch);
  imcnas::nn::Network<float> net(s.graph, 1);
  net.Forward(s.images.data(), batch, false);  // untimed warm-up
  for (auto _ : state) {
    benchmark::DoNotOptimize(net.Forward(s.images.data(), batch, false).data());
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["images/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * batch,
                                                  benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(
      2e-9 * s.graph.macs() * batch * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["threads"] = omp_get_max_threads();
}

using imcnas::cli::UserPath;

// A whole decimal integer in [min, max]; "1e3", "5x" or "abc" are errors, not 1, 5 or a crash.
int IntFlag(const std::string& flag, const std::string& text, int min, int max) {
  std::size_t used = 0;
  long long v = 0;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || v < min || v > max) {
    throw std::invalid_argument(flag + " must be a whole number from " + std::to_string(min) +
                                " to " + std::to_string(max) + ", got '" + text + "'");
  }
  return static_cast<int>(v);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> arch_files;
  int batch = 128;
  int iterations = 0;  // 0: Google Benchmark decides (at least --min_time s per benchmark)
  double min_time = 2.0;
  std::vector<char*> rest = {argv[0]};
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&](const std::string& flag) -> std::string {
        if (a.size() > flag.size() && a.compare(0, flag.size() + 1, flag + "=") == 0) {
          return a.substr(flag.size() + 1);
        }
        if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
        return argv[++i];
      };
      if (a == "--arch" || a.rfind("--arch=", 0) == 0) {
        arch_files.push_back(UserPath(value("--arch")));
      } else if (a == "--threads" || a.rfind("--threads=", 0) == 0) {
        omp_set_num_threads(IntFlag("--threads", value("--threads"), 1, 1024));
      } else if (a == "--iterations" || a.rfind("--iterations=", 0) == 0) {
        iterations = IntFlag("--iterations", value("--iterations"), 1, 1000000);
      } else if (a == "--min_time" || a.rfind("--min_time=", 0) == 0) {
        const std::string text = value("--min_time");
        std::size_t used = 0;
        try {
          min_time = std::stod(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != text.size() || !(min_time > 0 && min_time <= 3600)) {
          throw std::invalid_argument("--min_time must be seconds in (0, 3600], got '" + text +
                                      "'");
        }
      } else if (a == "--batch" || a.rfind("--batch=", 0) == 0) {
        batch = IntFlag("--batch", value("--batch"), 2, 65536);
      } else {
        rest.push_back(argv[i]);
      }
    }
    if (arch_files.empty()) {
      for (const char* id : {"b01", "b06", "b11"}) {
        arch_files.push_back(std::string("testdata/arch/") + id + ".json");
      }
    }
    for (const std::string& file : arch_files) {
      const imcnas::arch::Architecture arch = imcnas::arch::LoadArchitecture(file);
      const std::string name = arch.id.empty() ? file : arch.id;
      for (auto* b : {benchmark::RegisterBenchmark(("train_step/" + name).c_str(), TrainStep,
                                                   arch, batch),
                      benchmark::RegisterBenchmark(("inference/" + name).c_str(), Inference,
                                                   arch, batch)}) {
        b->Unit(benchmark::kMillisecond)->UseRealTime();
        if (iterations > 0) {
          b->Iterations(iterations);
        } else {
          b->MinTime(min_time);
        }
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "trainer_throughput: " << e.what() << "\n";
    return 2;
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
