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
//
// With --serve (one --arch): no benchmarks; the training step and the inference pass are set up
// and warmed once, "ready" is printed, and then each line "train N" or "inference N" on stdin
// runs N of them and answers with the seconds they took (steady clock), until "quit" or the end
// of input. tools/torch_throughput.py drives it to time both sides in alternating bursts of a
// fraction of a second: on a VM whose speed drifts by tens of percent from minute to minute,
// figures taken seconds apart compare like with like, figures a minute apart do not.
#include <omp.h>

#include <chrono>
#include <cstdio>
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

// One training step (forward, loss, backward, SGD update) of a network on a fixed batch.
class Trainer {
 public:
  Trainer(const imcnas::arch::Architecture& arch, int batch)
      : s_(Make(arch, batch)), batch_(batch), net_(s_.graph, 1), sgd_(net_.Parameters(), {}) {}
  void Step() {
    const auto r = imcnas::nn::SoftmaxCrossEntropy(net_.Forward(s_.images.data(), batch_, true),
                                                   s_.labels.data(), 0.0, &dlogits_);
    benchmark::DoNotOptimize(r.loss);
    net_.Backward(dlogits_);
    sgd_.Step(0.01);
  }
  double macs() const { return static_cast<double>(s_.graph.macs()); }

 private:
  const Setup s_;
  const int batch_;
  imcnas::nn::Network<float> net_;
  imcnas::nn::Sgd<float> sgd_;
  Tensor<float> dlogits_;
};

// One inference pass (with the convolution folds) of a network on a fixed batch.
class Inferer {
 public:
  Inferer(const imcnas::arch::Architecture& arch, int batch)
      : s_(Make(arch, batch)), batch_(batch), net_(s_.graph, 1) {}
  void Step() { benchmark::DoNotOptimize(net_.Forward(s_.images.data(), batch_, false).data()); }
  double macs() const { return static_cast<double>(s_.graph.macs()); }

 private:
  const Setup s_;
  const int batch_;
  imcnas::nn::Network<float> net_;
};

// Images/s and the GFLOP/s they imply at `flops_per_mac` FLOPs per multiply-accumulate.
void Report(benchmark::State& state, int batch, double macs, double flops_per_mac) {
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["images/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * batch,
                                                  benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] = benchmark::Counter(
      flops_per_mac * 1e-9 * macs * batch * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["threads"] = omp_get_max_threads();
}

void TrainStep(benchmark::State& state, imcnas::arch::Architecture arch, int batch) {
  Trainer t(arch, batch);
  t.Step();  // untimed warm-up: first-touch allocation of the buffers, as PyTorch's side gets
  for (auto _ : state) t.Step();
  Report(state, batch, t.macs(), 6);
}

void Inference(benchmark::State& state, imcnas::arch::Architecture arch, int batch) {
  Inferer f(arch, batch);
  f.Step();  // untimed warm-up
  for (auto _ : state) f.Step();
  Report(state, batch, f.macs(), 2);
}

// --serve: answers "train N" / "inference N" on stdin with the seconds N steps took.
int Serve(const imcnas::arch::Architecture& arch, int batch) {
  Trainer trainer(arch, batch);
  Inferer inferer(arch, batch);
  trainer.Step();
  inferer.Step();
  std::printf("ready\n");
  std::fflush(stdout);
  std::string line;
  while (std::getline(std::cin, line) && line != "quit") {
    const std::size_t space = line.find(' ');
    const std::string mode = line.substr(0, space);
    int n = 0;
    try {
      if (space == std::string::npos || (mode != "train" && mode != "inference")) {
        throw std::invalid_argument("expected 'train N', 'inference N' or 'quit'");
      }
      n = IntFlag("the step count", line.substr(space + 1), 1, 1000000);
    } catch (const std::exception& e) {
      std::cerr << "trainer_throughput --serve: bad command '" << line << "': " << e.what() << "\n";
      return 2;
    }
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) mode == "train" ? trainer.Step() : inferer.Step();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%.9f\n", seconds);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> arch_files;
  int batch = 128;
  int iterations = 0;  // 0: Google Benchmark decides (at least --min_time s per benchmark)
  double min_time = 2.0;
  bool serve = false;
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
      } else if (a == "--serve") {
        serve = true;
      } else if (a == "--batch" || a.rfind("--batch=", 0) == 0) {
        batch = IntFlag("--batch", value("--batch"), 2, 65536);
      } else {
        rest.push_back(argv[i]);
      }
    }
    if (serve) {
      if (arch_files.size() != 1) throw std::invalid_argument("--serve needs exactly one --arch");
      if (rest.size() > 1) throw std::invalid_argument("--serve takes no benchmark flags");
      return Serve(imcnas::arch::LoadArchitecture(arch_files[0]), batch);
    }
    if (arch_files.empty()) {
      for (const char* id : {"b01", "b06", "b11"}) {
        arch_files.push_back(std::string("testdata/arch/") + id + ".json");
      }
    }
    for (const std::string& file : arch_files) {
      const imcnas::arch::Architecture arch = imcnas::arch::LoadArchitecture(file);
      const std::string name = arch.id.empty() ? file : arch.id;
      for (auto* b :
           {benchmark::RegisterBenchmark(("train_step/" + name).c_str(), TrainStep, arch, batch),
            benchmark::RegisterBenchmark(("inference/" + name).c_str(), Inference, arch, batch)}) {
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
