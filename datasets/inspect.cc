// bazel run //datasets:inspect -- --dataset NAME --data_dir DIR
// Loads a data set through the registry and prints its split sizes, per-class counts, checksum
// status and load time. Exit status: 0 fine, 1 the data is bad or missing, 2 bad flags.
// bazel run //datasets:inspect -- --cifar10_batch FILE
// Decodes one CIFAR-10 batch file of any whole number of records (e.g. an excerpt) and prints
// its record count, sha256, per-class counts and first labels.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <cxxopts.hpp>

#include "cli/flags.h"
#include "datasets/cifar.h"
#include "datasets/internal/file_io.h"
#include "datasets/normalize.h"
#include "datasets/registry.h"
#include "datasets/split.h"

namespace {

using imcnas::datasets::DatasetError;

std::string KnownList() {
  std::string known;
  for (const std::string& n : imcnas::datasets::KnownDatasets()) {
    known += (known.empty() ? "" : ", ") + n;
  }
  return known;
}

std::vector<std::size_t> CountClasses(const std::vector<std::int32_t>& labels,
                                      const std::vector<std::int32_t>* subset, int classes) {
  std::vector<std::size_t> counts(static_cast<std::size_t>(classes), 0);
  if (subset == nullptr) {
    for (std::int32_t l : labels) ++counts[static_cast<std::size_t>(l)];
  } else {
    for (std::int32_t i : *subset) ++counts[static_cast<std::size_t>(labels[i])];
  }
  return counts;
}

using imcnas::cli::UserPath;

int InspectCifar10Batch(const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  const imcnas::datasets::ImageSet set = imcnas::datasets::ReadCifar10Batch(path);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto bytes = imcnas::datasets::internal::ReadFileBytes(path);
  std::printf("file        %s\n", path.c_str());
  std::printf("sha256      %s%s\n",
              imcnas::datasets::internal::Sha256Hex(bytes.data(), bytes.size()).c_str(),
              imcnas::datasets::internal::IsGzipPath(path)
                  ? "  (of the decompressed bytes, as the registry's sums)"
                  : "");
  std::printf("records     %zu (%dx%dx%d), read in %.3f s\n", set.size(), set.height, set.width,
              set.channels, seconds);
  std::printf("first labels");
  for (std::size_t i = 0; i < set.size() && i < 10; ++i) {
    std::printf("%s%d", i == 0 ? " " : ", ", set.labels[i]);
  }
  std::printf("\n");
  std::vector<std::int32_t> all(set.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::int32_t>(i);
  const imcnas::datasets::Normalization norm = imcnas::datasets::ComputeNormalization(set, all);
  std::printf("mean (RGB)  %.6f %.6f %.6f\nstd (RGB)   %.6f %.6f %.6f\n", norm.mean[0],
              norm.mean[1], norm.mean[2], norm.stddev[0], norm.stddev[1], norm.stddev[2]);
  std::printf("pixel (0, y=0, x=1) RGB: %d %d %d\n", set.image(0)[3], set.image(0)[4],
              set.image(0)[5]);
  const auto counts = CountClasses(set.labels, nullptr, set.classes);
  const auto& names = imcnas::datasets::FindDataset("cifar10").class_names;
  for (int c = 0; c < set.classes; ++c) {
    std::printf("%5d  %-12s %8zu\n", c, names[c].c_str(), counts[c]);
  }
  return 0;
}

int Run(int argc, char** argv) {
  cxxopts::Options options("inspect", "Load an imcnas data set and report what was loaded.");
  options.add_options()("dataset", "data set name (" + KnownList() + ")",
                        cxxopts::value<std::string>())(
      "data_dir", "data directory holding <name>/ folders, e.g. data",
      cxxopts::value<std::string>())(
      "verify_checksums", "check sha256 of the files (--verify_checksums=false: a copy of your own)",
      cxxopts::value<bool>()->default_value("true")->implicit_value("true"))(
      "validation_size",
      "validation images held out of the training set (default: the "
      "registry's)",
      cxxopts::value<std::int64_t>())("seed", "seed of the stratified split",
                                      cxxopts::value<std::uint64_t>()->default_value("0"))(
      "cifar10_batch", "instead: decode this one CIFAR-10 batch file and print its labels",
      cxxopts::value<std::string>())("h,help", "this text");
  cxxopts::ParseResult flags;
  try {
    flags = options.parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "inspect: bad flags: " << e.what() << "\n" << options.help() << "\n";
    return 2;
  }
  if (flags.count("help") != 0) {
    std::cout << options.help() << "\n";
    return 0;
  }
  for (const char* name : {"dataset", "data_dir", "cifar10_batch"}) {
    if (flags.count(name) != 0) {
      const std::string value = flags[name].as<std::string>();
      if (value.empty() || value.rfind("--", 0) == 0) {
        std::cerr << "inspect: --" << name << " needs a value\n";
        return 2;
      }
    }
  }
  if (!flags.unmatched().empty()) {
    const std::string& a = flags.unmatched().front();
    std::cerr << "inspect: unexpected argument '" << a << "' (flags take the form --name value"
              << (a == "true" || a == "false" ? "; boolean flags --name=true|false" : "") << ")\n";
    return 2;
  }
  if (const std::string repeated = imcnas::cli::RepeatedFlag(flags); !repeated.empty()) {
    std::cerr << "inspect: --" << repeated << " given more than once\n";
    return 2;
  }
  if (flags.count("cifar10_batch") != 0) {
    if (flags.count("dataset") != 0 || flags.count("data_dir") != 0) {
      std::cerr << "inspect: --cifar10_batch does not combine with --dataset/--data_dir\n";
      return 2;
    }
    return InspectCifar10Batch(UserPath(flags["cifar10_batch"].as<std::string>()));
  }
  if (flags.count("dataset") == 0 || flags.count("data_dir") == 0) {
    std::cerr << "inspect: --dataset and --data_dir are required (data sets: " << KnownList()
              << ")\n";
    return 2;
  }
  const std::string name = flags["dataset"].as<std::string>();
  const std::string data_dir = UserPath(flags["data_dir"].as<std::string>());
  const imcnas::datasets::DatasetSpec* spec = nullptr;
  try {
    spec = &imcnas::datasets::FindDataset(name);
  } catch (const DatasetError& e) {
    std::cerr << "inspect: " << e.what() << "\n";
    return 2;
  }
  std::size_t validation_size = spec->default_validation_size;
  if (flags.count("validation_size") != 0) {
    const std::int64_t v = flags["validation_size"].as<std::int64_t>();
    if (v < 0 || static_cast<std::size_t>(v) > spec->train_size) {
      std::cerr << "inspect: --validation_size " << v << " outside [0, " << spec->train_size
                << "]\n";
      return 2;
    }
    validation_size = static_cast<std::size_t>(v);
  }
  const std::uint64_t seed = flags["seed"].as<std::uint64_t>();
  imcnas::datasets::LoadOptions load_options;
  load_options.verify_checksums = flags["verify_checksums"].as<bool>();

  const auto start = std::chrono::steady_clock::now();
  imcnas::datasets::LoadedDataset loaded =
      imcnas::datasets::LoadDataset(name, data_dir, load_options);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const imcnas::datasets::Split split =
      imcnas::datasets::StratifiedSplit(loaded.train.labels, spec->classes, validation_size, seed);

  std::printf("data set    %s (%s): %dx%dx%d, %d classes\n", spec->name.c_str(),
              spec->display_name.c_str(), spec->height, spec->width, spec->channels, spec->classes);
  std::printf("copy        %s\n", loaded.copy.c_str());
  std::printf("load time   %.3f s (read, sha256%s, decode)\n", seconds,
              load_options.verify_checksums ? "" : " skipped");
  std::printf("files\n");
  for (const auto& f : loaded.files) {
    std::printf("  %-20s %s%s  %s\n", f.status.c_str(),
                f.sha256.empty() ? "(no sha256)" : f.sha256.c_str(),
                f.sum_from_cache ? " (cached)" : "", f.file.c_str());
  }
  std::printf("splits      train %zu + validation %zu (stratified, seed %llu) = %zu; test %zu\n",
              split.train.size(), split.validation.size(), static_cast<unsigned long long>(seed),
              loaded.train.size(), loaded.test.size());
  const auto train = CountClasses(loaded.train.labels, &split.train, spec->classes);
  const auto validation = CountClasses(loaded.train.labels, &split.validation, spec->classes);
  const auto test = CountClasses(loaded.test.labels, nullptr, spec->classes);
  std::printf("%5s  %-30s %8s %10s %8s\n", "class", "name", "train", "validation", "test");
  for (int c = 0; c < spec->classes; ++c) {
    std::printf("%5d  %-30s %8zu %10zu %8zu\n", c, spec->class_names[c].c_str(), train[c],
                validation[c], test[c]);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const DatasetError& e) {
    std::cerr << "inspect: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "inspect: unexpected error: " << e.what() << "\n";
    return 1;
  }
}
