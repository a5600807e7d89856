// Load time of the real data sets and throughput of the batch iterator.
//   bazel run //bench:dataset_load [-- --benchmark_filter=...]
// Data: $IMCNAS_DATA_DIR, else data/ of the workspace (bazel run sets BUILD_WORKSPACE_DIRECTORY).
// A set that is missing is reported as an error row naming what to do, the others still run.
//
// Load variants: "hashed" computes every sha256 (no cache: the cold cost of verification),
// "cached" reuses sums from a fresh cache directory filled before timing (the usual case from
// the second load on), "unverified" skips checksums. Files come from the page cache after the
// first iteration, as they do in a search that loads a set many times.
#include <benchmark/benchmark.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "datasets/batch.h"
#include "datasets/normalize.h"
#include "datasets/registry.h"
#include "datasets/split.h"

namespace {

using namespace imcnas::datasets;  // NOLINT

std::string DataDir() {
  if (const char* d = std::getenv("IMCNAS_DATA_DIR"); d != nullptr && *d != '\0') return d;
  if (const char* w = std::getenv("BUILD_WORKSPACE_DIRECTORY"); w != nullptr && *w != '\0') {
    return std::string(w) + "/data";
  }
  return "data";
}

// A checksum cache private to this run, so "cached" does not depend on the user's cache.
const std::string& BenchCacheDir() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/imcnas_bench_cache_XXXXXX";
    const char* made = mkdtemp(tmpl);
    return std::string(made != nullptr ? made : "");
  }();
  return dir;
}

enum Mode { kHashed = 0, kCached = 1, kUnverified = 2 };

void BM_Load(benchmark::State& state, const std::string& name) {
  LoadOptions options;
  options.verify_checksums = state.range(0) != kUnverified;
  options.use_checksum_cache = state.range(0) == kCached;
  options.cache_dir = BenchCacheDir();
  std::size_t images = 0;
  try {
    const LoadedDataset warm = LoadDataset(name, DataDir(), options);  // fills page/sum caches
    state.SetLabel(warm.copy);
  } catch (const DatasetError& e) {
    state.SkipWithError((std::string("skipped: ") + e.what()).c_str());
    return;
  }
  for (auto _ : state) {
    LoadedDataset d = LoadDataset(name, DataDir(), options);
    images = d.train.size() + d.test.size();
    benchmark::DoNotOptimize(d.train.pixels.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * images));
}

BENCHMARK_CAPTURE(BM_Load, mnist, std::string("mnist"))
    ->ArgName("hashed0_cached1_unverified2")
    ->DenseRange(0, 2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Load, fashion_mnist, std::string("fashion_mnist"))
    ->ArgName("hashed0_cached1_unverified2")
    ->DenseRange(0, 2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Load, cifar10, std::string("cifar10"))
    ->ArgName("hashed0_cached1_unverified2")
    ->DenseRange(0, 2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// One epoch over the 45k/55k training split in batches of range(0), with the set's default
// augmentation, into preallocated buffers: images per second is what a trainer sees.
void BM_BatchEpoch(benchmark::State& state, const std::string& name) {
  LoadedDataset d;
  try {
    LoadOptions options;
    options.verify_checksums = false;
    d = LoadDataset(name, DataDir(), options);
  } catch (const DatasetError& e) {
    state.SkipWithError((std::string("skipped: ") + e.what()).c_str());
    return;
  }
  const Split split =
      StratifiedSplit(d.train.labels, d.spec->classes, d.spec->default_validation_size, 1);
  const Normalization norm = ComputeNormalization(d.train, split.train);
  const Augmentation aug = d.spec->augment_by_default ? kCifarAugmentation : kNoAugmentation;
  const int batch = static_cast<int>(state.range(0));
  BatchIterator it(d.train, split.train, batch, norm, aug, 7, /*shuffle=*/true);
  std::vector<float> images(static_cast<std::size_t>(batch) * it.image_floats());
  std::vector<std::int32_t> labels(static_cast<std::size_t>(batch));
  int epoch = 0;
  for (auto _ : state) {
    it.StartEpoch(epoch++);
    while (it.Next(images.data(), labels.data()) > 0) benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * it.size()));
  state.SetLabel(aug.pad_crop > 0 ? "pad-crop 4 + flip" : "no augmentation");
}

BENCHMARK_CAPTURE(BM_BatchEpoch, mnist, std::string("mnist"))
    ->Arg(128)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_BatchEpoch, cifar10, std::string("cifar10"))
    ->Arg(32)
    ->Arg(128)
    ->Arg(512)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
