// bazel run //nn:train -- --arch FILE --dataset NAME --data_dir DIR --epochs E --batch B --lr X
//     --seed S --threads T [--train_subset N] [--json OUT]
// Trains an architecture file on a data set, prints per-epoch progress and a final JSON summary.

// GCC 12 at -O1 (--config=asan) reports a false "may be used uninitialized" inside the
// std::regex that cxxopts instantiates here.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <cxxopts.hpp>
#include <nlohmann/json.hpp>

#include "arch/architecture.h"
#include "arch/graph.h"
#include "buildinfo/build_info.h"
#include "cli/flags.h"
#include "datasets/registry.h"
#include "datasets/split.h"
#include "nn/trainer.h"

namespace {

using imcnas::nn::TrainConfig;
using json = nlohmann::ordered_json;

using imcnas::cli::UserPath;

std::string KnownList() {
  std::string s;
  for (const auto& name : imcnas::datasets::KnownDatasets()) s += (s.empty() ? "" : ", ") + name;
  return s;
}

json Number(double x) { return std::isfinite(x) ? json(x) : json(nullptr); }

// The boolean flags. cxxopts reads "--nesterov false" as the flag alone plus a stray "false";
// joining a following true/false (or 1/0) into "--nesterov=false" accepts both forms.
const char* const kBoolFlags[] = {"--nesterov", "--decay_bn_and_bias", "--augment",
                                  "--verify_checksums"};

std::vector<std::string> JoinBoolValues(int argc, char** argv) {
  auto is_bool_word = [](const std::string& w) {
    return w == "true" || w == "false" || w == "1" || w == "0";
  };
  std::vector<std::string> args;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    bool is_bool_flag = false;
    for (const char* f : kBoolFlags) is_bool_flag = is_bool_flag || a == f;
    if (is_bool_flag && i + 1 < argc && is_bool_word(argv[i + 1])) a += std::string("=") + argv[++i];
    args.push_back(a);
  }
  return args;
}

// Fails now, not after hours of training, if the summary could not be written to `path`.
void CheckWritable(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (fs::is_directory(path, error)) throw std::invalid_argument("--json " + path + " is a directory");
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, error)) {
    throw std::invalid_argument("--json " + path + ": no such directory " + parent.string());
  }
  const bool existed = fs::exists(path, error);
  std::ofstream probe(path, std::ios::app);  // app: an existing file is left as it is
  if (!probe) throw std::invalid_argument("--json " + path + " cannot be written");
  probe.close();
  if (!existed) fs::remove(path, error);
}

int Run(int argc, char** argv) {
  cxxopts::Options options("train", "Train an imcnas architecture file on a data set.");
  options.add_options()
      ("arch", "architecture JSON file", cxxopts::value<std::string>())
      ("dataset", "data set name (" + KnownList() + ")", cxxopts::value<std::string>())
      ("data_dir", "data directory holding <name>/ folders",
       cxxopts::value<std::string>()->default_value("data"))
      ("epochs", "training epochs", cxxopts::value<int>()->default_value("1"))
      ("batch", "batch size", cxxopts::value<int>()->default_value("128"))
      ("lr", "peak learning rate", cxxopts::value<double>()->default_value("0.05"))
      ("seed", "seed of initialisation, split, order and augmentation",
       cxxopts::value<std::uint64_t>()->default_value("0"))
      ("threads", "OpenMP threads (0: OpenMP's default; at most 1024)",
       cxxopts::value<int>()->default_value("0"))
      ("train_subset", "train on a stratified subset of N images of the training split",
       cxxopts::value<std::int64_t>())
      ("validation_size", "images held out for validation (default: the data set's)",
       cxxopts::value<std::int64_t>())
      ("momentum", "SGD momentum", cxxopts::value<double>()->default_value("0.9"))
      ("nesterov", "Nesterov momentum (boolean flags take true/false: --nesterov false)",
       cxxopts::value<bool>()->default_value("true")->implicit_value("true"))
      ("weight_decay", "L2 weight decay", cxxopts::value<double>()->default_value("5e-4"))
      ("decay_bn_and_bias", "apply weight decay to BN parameters and biases too",
       cxxopts::value<bool>()->default_value("false")->implicit_value("true"))
      ("schedule", "cosine | step | constant",
       cxxopts::value<std::string>()->default_value("cosine"))
      ("warmup_epochs", "linear warm-up epochs (cosine)",
       cxxopts::value<double>()->default_value("0"))
      ("step_epochs", "step schedule: epochs between decays",
       cxxopts::value<int>()->default_value("30"))
      ("step_gamma", "step schedule: decay factor", cxxopts::value<double>()->default_value("0.1"))
      ("label_smoothing", "label smoothing", cxxopts::value<double>()->default_value("0"))
      ("augment", "pad-crop 4 + horizontal flip (default: the data set's, on for CIFAR)",
       cxxopts::value<bool>()->implicit_value("true"))
      ("verify_checksums", "check the data files' sha256",
       cxxopts::value<bool>()->default_value("true")->implicit_value("true"))
      ("json", "also write the final JSON summary to this file", cxxopts::value<std::string>())
      ("h,help", "this text");
  cxxopts::ParseResult flags;
  const std::vector<std::string> args = JoinBoolValues(argc, argv);
  std::vector<const char*> arg_ptrs;
  for (const std::string& a : args) arg_ptrs.push_back(a.c_str());
  try {
    flags = options.parse(static_cast<int>(arg_ptrs.size()), arg_ptrs.data());
  } catch (const std::exception& e) {
    std::cerr << "train: bad flags: " << e.what() << "\n";
    return 2;
  }
  if (flags.count("help")) {
    std::cout << options.help() << "\n";
    return 0;
  }
  if (!flags.unmatched().empty()) {
    std::cerr << "train: unexpected argument '" << flags.unmatched().front()
              << "' (flags take the form --name value)\n";
    return 2;
  }
  if (const std::string repeated = imcnas::cli::RepeatedFlag(flags); !repeated.empty()) {
    std::cerr << "train: --" << repeated << " given more than once\n";
    return 2;
  }
  if (!flags.count("arch") || !flags.count("dataset")) {
    std::cerr << "train: --arch and --dataset are required (data sets: " << KnownList() << ")\n";
    return 2;
  }
  try {
    const std::string arch_path = UserPath(flags["arch"].as<std::string>());
    const imcnas::arch::Architecture arch = imcnas::arch::LoadArchitecture(arch_path);
    const std::string name = flags["dataset"].as<std::string>();
    const imcnas::datasets::DatasetSpec& spec = imcnas::datasets::FindDataset(name);

    TrainConfig config;
    config.epochs = flags["epochs"].as<int>();
    config.batch_size = flags["batch"].as<int>();
    config.learning_rate = flags["lr"].as<double>();
    config.seed = flags["seed"].as<std::uint64_t>();
    config.threads = flags["threads"].as<int>();
    config.momentum = flags["momentum"].as<double>();
    config.nesterov = flags["nesterov"].as<bool>();
    config.weight_decay = flags["weight_decay"].as<double>();
    config.decay_bn_and_bias = flags["decay_bn_and_bias"].as<bool>();
    config.schedule = flags["schedule"].as<std::string>();
    config.warmup_epochs = flags["warmup_epochs"].as<double>();
    config.step_epochs = flags["step_epochs"].as<int>();
    config.step_gamma = flags["step_gamma"].as<double>();
    config.label_smoothing = flags["label_smoothing"].as<double>();
    config.augment =
        flags.count("augment") ? flags["augment"].as<bool>() : spec.augment_by_default;
    imcnas::nn::ValidateConfig(config);  // fail on flags before the slow data loading
    if (config.threads > 1024) throw std::invalid_argument("--threads must be at most 1024");
    std::string json_path;
    if (flags.count("json")) {
      json_path = UserPath(flags["json"].as<std::string>());
      CheckWritable(json_path);
    }
    if (arch.input.height != spec.height || arch.input.width != spec.width ||
        arch.input.channels != spec.channels || arch.classes != spec.classes) {
      throw std::invalid_argument(
          arch_path + " expects " + std::to_string(arch.input.height) + "x" +
          std::to_string(arch.input.width) + "x" + std::to_string(arch.input.channels) +
          " images in " + std::to_string(arch.classes) + " classes but " + spec.display_name +
          " has " + std::to_string(spec.height) + "x" + std::to_string(spec.width) + "x" +
          std::to_string(spec.channels) + " in " + std::to_string(spec.classes));
    }
    std::int64_t validation_size = static_cast<std::int64_t>(spec.default_validation_size);
    if (flags.count("validation_size")) validation_size = flags["validation_size"].as<std::int64_t>();
    if (validation_size < 0 || validation_size >= static_cast<std::int64_t>(spec.train_size)) {
      throw std::invalid_argument("--validation_size must be in [0, " +
                                  std::to_string(spec.train_size) + ")");
    }
    std::int64_t subset = -1;
    if (flags.count("train_subset")) {
      subset = flags["train_subset"].as<std::int64_t>();
      if (subset < 2) throw std::invalid_argument("--train_subset must be at least 2");
    }

    imcnas::datasets::LoadOptions load;
    load.verify_checksums = flags["verify_checksums"].as<bool>();
    const std::string data_dir = UserPath(flags["data_dir"].as<std::string>());
    const imcnas::datasets::LoadedDataset data = imcnas::datasets::LoadDataset(name, data_dir, load);
    imcnas::datasets::Split split = imcnas::datasets::StratifiedSplit(
        data.train.labels, data.train.classes, static_cast<std::size_t>(validation_size),
        config.seed);
    if (subset > static_cast<std::int64_t>(split.train.size())) {
      throw std::invalid_argument("--train_subset " + std::to_string(subset) + " is larger than the " +
                                  std::to_string(split.train.size()) + " images of the training split");
    }
    if (config.batch_size > static_cast<std::int64_t>(subset >= 0 ? subset : split.train.size())) {
      throw std::invalid_argument("--batch " + std::to_string(config.batch_size) +
                                  " is larger than the training set (" +
                                  std::to_string(subset >= 0 ? subset : split.train.size()) +
                                  " images)");
    }
    if (subset >= 0 && static_cast<std::size_t>(subset) < split.train.size()) {
      // A stratified subset: the "validation" side of a split of the training indices.
      std::vector<std::int32_t> labels;
      for (std::int32_t i : split.train) labels.push_back(data.train.labels[i]);
      const auto pick = imcnas::datasets::StratifiedSplit(labels, data.train.classes,
                                                          static_cast<std::size_t>(subset),
                                                          config.seed + 1);
      std::vector<std::int32_t> chosen;
      for (std::int32_t j : pick.validation) chosen.push_back(split.train[j]);
      split.train = std::move(chosen);
    }
    const int threads = config.threads > 0 ? config.threads : omp_get_max_threads();
    const imcnas::arch::Graph graph = imcnas::arch::Lower(arch);
    std::cout << "train: " << (arch.id.empty() ? arch_path : arch.id) << " on " << spec.display_name
              << " (" << data.copy << "): " << split.train.size() << " training, "
              << split.validation.size() << " validation, " << data.test.size()
              << " test images; " << graph.params() << " parameters, " << graph.macs()
              << " MACs/image; " << threads << " threads, seed " << config.seed << "\n";

    double elapsed = 0;
    auto progress = [&](const imcnas::nn::EpochStats& s) {
      elapsed += s.seconds;
      const double left = elapsed / s.epoch * (config.epochs - s.epoch);
      std::cout << std::fixed << std::setprecision(4) << "epoch " << s.epoch << "/"
                << config.epochs << "  loss " << s.train_loss << "  train acc "
                << std::setprecision(2) << 100 * s.train_accuracy << "%  val acc "
                << 100 * s.validation_accuracy << "%  lr " << std::setprecision(5)
                << s.learning_rate << "  " << std::setprecision(1) << s.images_per_second
                << " img/s  " << s.seconds << " s  ~" << left << " s left" << std::endl;
    };
    const imcnas::nn::TrainResult r = imcnas::nn::TrainAndEvaluate(
        arch, data.train, split.train, split.validation, &data.test, config, progress);

    json summary;
    summary["arch"] = json::parse(imcnas::arch::ToJson(arch));
    summary["dataset"] = name;
    summary["data_copy"] = data.copy;
    summary["train_images"] = split.train.size();
    summary["validation_images"] = split.validation.size();
    summary["test_images"] = data.test.size();
    summary["params"] = graph.params();
    summary["macs"] = graph.macs();
    summary["seed"] = config.seed;
    summary["threads"] = threads;
    summary["build"] = imcnas::buildinfo::BuildInfo();  // commit, compiler, settings
    summary["config"] = {{"epochs", config.epochs},
                         {"batch", config.batch_size},
                         {"lr", config.learning_rate},
                         {"momentum", config.momentum},
                         {"nesterov", config.nesterov},
                         {"weight_decay", config.weight_decay},
                         {"decay_bn_and_bias", config.decay_bn_and_bias},
                         {"schedule", config.schedule},
                         {"warmup_epochs", config.warmup_epochs},
                         {"label_smoothing", config.label_smoothing},
                         {"augment", config.augment},
                         {"step_epochs", config.step_epochs},
                         {"step_gamma", config.step_gamma},
                         {"validation_size", validation_size},
                         {"train_subset", subset >= 0 ? json(subset) : json(nullptr)},
                         {"verify_checksums", load.verify_checksums}};
    summary["status"] = imcnas::nn::TrainStatusName(r.status);
    if (!r.status_message.empty()) summary["status_message"] = r.status_message;
    summary["validation_accuracy"] = Number(r.validation_accuracy);
    summary["validation_loss"] = Number(r.validation_loss);
    summary["test_accuracy"] = Number(r.test_accuracy);
    summary["test_loss"] = Number(r.test_loss);
    summary["wall_seconds"] = r.wall_seconds;
    summary["images_per_second"] = r.images_per_second;
    std::ostringstream fp;
    fp << std::hex << std::setw(16) << std::setfill('0') << r.weights_fingerprint;
    summary["weights_fingerprint"] = fp.str();
    json epochs = json::array();
    for (const auto& e : r.epochs) {
      epochs.push_back({{"epoch", e.epoch},
                        {"train_loss", Number(e.train_loss)},
                        {"train_accuracy", e.train_accuracy},
                        {"validation_accuracy", Number(e.validation_accuracy)},
                        {"learning_rate", e.learning_rate},
                        {"seconds", e.seconds},
                        {"images_per_second", e.images_per_second}});
    }
    summary["epochs"] = epochs;
    const std::string text = summary.dump(2);
    std::cout << text << "\n";
    if (!json_path.empty()) {
      std::ofstream out(json_path);
      if (!(out << text << "\n")) {
        std::cerr << "train: cannot write " << json_path << "\n";
        return 1;
      }
    }
    return r.status == imcnas::nn::TrainStatus::kOk ? 0 : 3;
  } catch (const std::exception& e) {
    std::cerr << "train: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
