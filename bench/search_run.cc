#include "bench/search_run.h"

#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include <cxxopts.hpp>

#include "arch/architecture.h"
#include "arch/json_limits.h"
#include "buildinfo/build_info.h"
#include "cli/flags.h"
#include "bench/pareto_plot.h"
#include "bench/record_io.h"
#include "datasets/registry.h"
#include "datasets/split.h"
#include "nas/optimizer.h"
#include "nas/objectives.h"
#include "nas/search_space.h"
#include "nn/trainer.h"

namespace imcnas::bench {

const char* ObjectiveName(Objective objective) {
  switch (objective) {
    case Objective::kLatency:
      return "latency";
    case Objective::kEnergy:
      return "energy";
    case Objective::kAccuracy:
      return "accuracy";
    case Objective::kPareto:
      return "pareto";
  }
  return "?";
}

namespace {

using Json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr const char* kRecordFormat = "imcnas-run-record/1";

// A flag error: the message is printed on one line with a pointer to --help.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Missing or bad data: printed with the setup command that fixes it.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The limits of the budget flags (a record's configuration is held to them too).
void CheckBudget(const Budget& b) {
  auto at_least = [](const char* flag, long long v, long long min) {
    if (v < min) {
      throw UsageError(std::string("--") + flag + " must be at least " + std::to_string(min));
    }
  };
  // A subset is 0 (the whole split) or at least 2 images: batch statistics need two.
  auto subset = [](const char* flag, long long v) {
    if (v != 0 && v < 2) {
      throw UsageError(std::string("--") + flag + " must be 0 (the whole split) or at least 2");
    }
  };
  at_least("evaluations", b.evaluations, 1);
  at_least("initial_design", b.initial_design, 1);
  at_least("epochs", b.epochs, 1);
  subset("train_subset", b.train_subset);
  at_least("validation", b.validation, 1);
  at_least("batch", b.batch, 2);
  at_least("final_epochs", b.final_epochs, 1);
  subset("final_train_subset", b.final_train_subset);
  at_least("final_max", b.final_max, 1);
  if (b.max_macs < 0) throw UsageError("--max_macs must be 0 (no cap) or positive");
  if (!(b.learning_rate > 0) || !std::isfinite(b.learning_rate)) {
    throw UsageError("--lr must be a positive number");
  }
}

void CheckOptimizer(const std::string& optimizer, const BinarySpec& spec) {
  if (optimizer != "gp" && optimizer != "tpe" && optimizer != "evolution" &&
      optimizer != "random") {
    throw UsageError("unknown --optimizer '" + optimizer + "' (gp, tpe, evolution, random)");
  }
  if (spec.objective == Objective::kPareto && optimizer == "tpe") {
    throw UsageError("--optimizer tpe searches one objective; the pareto search takes gp "
                     "(ParEGO), evolution (NSGA-II) or random");
  }
}

// Everything that determines a run's results; written into the record and read back by
// --resume and --verify.
struct RunConfig {
  std::string budget_name;
  Budget budget;
  std::uint64_t seed = 1;
  std::string optimizer = "gp";
  bool own_copy = false;  // no checksum or count checks (a user's own data)

  Json ToJson(const BinarySpec& spec) const {
    return Json{{"binary", spec.binary},
                {"dataset", spec.dataset},
                {"objective", ObjectiveName(spec.objective)},
                {"crossbar_preset", spec.preset},
                {"optimizer", optimizer},
                {"seed", seed},
                {"budget", budget_name},
                {"evaluations", budget.evaluations},
                {"initial_design", budget.initial_design},
                {"epochs", budget.epochs},
                {"train_subset", budget.train_subset},
                {"validation", budget.validation},
                {"batch", budget.batch},
                {"learning_rate", budget.learning_rate},
                {"max_macs", budget.max_macs},
                {"final_epochs", budget.final_epochs},
                {"final_train_subset", budget.final_train_subset},
                {"final_max", budget.final_max},
                {"own_copy", own_copy}};
  }

  // Reads a record's configuration; `where` names the record in messages. Values get the same
  // limits as the flags they stand for.
  static RunConfig FromJson(const Json& j, const BinarySpec& spec, const std::string& where) {
    auto field = [&](const char* key, auto example) {
      using T = decltype(example);
      if (!j.is_object() || !j.contains(key)) {
        throw UsageError(where + ": configuration." + key + " is missing");
      }
      const Json& v = j.at(key);
      const bool ok = std::is_same_v<T, bool>          ? v.is_boolean()
                      : std::is_same_v<T, std::string> ? v.is_string()
                      : std::is_same_v<T, double>      ? v.is_number()
                      : std::is_unsigned_v<T>          ? v.is_number_unsigned()
                                                       : v.is_number_integer();
      if (!ok) throw UsageError(where + ": configuration." + key + " has the wrong type");
      if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
        if (v.is_number_unsigned() ? v.get<std::uint64_t>() > static_cast<std::uint64_t>(
                                                                  std::numeric_limits<T>::max())
                                   : (v.get<long long>() < std::numeric_limits<T>::min() ||
                                      v.get<long long>() > std::numeric_limits<T>::max())) {
          throw UsageError(where + ": configuration." + key + " is out of range");
        }
      }
      return v.get<T>();
    };
    if (field("binary", std::string()) != spec.binary) {
      throw UsageError("the record was made by " + field("binary", std::string()) + ", not by " +
                       spec.binary + "; run that binary instead");
    }
    RunConfig c;
    c.optimizer = field("optimizer", std::string());
    c.seed = field("seed", std::uint64_t());
    c.budget_name = field("budget", std::string());
    c.budget.evaluations = field("evaluations", int());
    c.budget.initial_design = field("initial_design", int());
    c.budget.epochs = field("epochs", int());
    c.budget.train_subset = field("train_subset", int());
    c.budget.validation = field("validation", int());
    c.budget.batch = field("batch", int());
    c.budget.learning_rate = field("learning_rate", double());
    c.budget.max_macs = field("max_macs", 0LL);
    c.budget.final_epochs = field("final_epochs", int());
    c.budget.final_train_subset = field("final_train_subset", int());
    c.budget.final_max = field("final_max", int());
    c.own_copy = field("own_copy", bool());
    try {
      CheckBudget(c.budget);
      CheckOptimizer(c.optimizer, spec);
    } catch (const UsageError& e) {
      throw UsageError(where + ": " + e.what());
    }
    return c;
  }
};

struct Options {
  RunConfig config;
  int threads = 0;
  std::string data_dir;
  std::string out_dir;
  std::string resume_dir;
  std::string verify_dir;
  bool quiet = false;
};

// Paths a user types are relative to where they ran `bazel run` (cli::UserPath); defaults live
// in the workspace.
using cli::UserPath;

std::string WorkspacePath(const std::string& path) {
  if (const char* root = std::getenv("BUILD_WORKSPACE_DIRECTORY")) {
    return std::string(root) + "/" + path;
  }
  return path;
}

std::string SetupHint(const std::string& dataset) {
  if (dataset == "cifar10") {
    return "tools/setup.sh --cifar10 download   (or: tools/setup.sh --cifar10 DIR for a local copy)";
  }
  if (dataset.rfind("cifar100", 0) == 0) return "tools/setup.sh --cifar100 download|DIR";
  return "tools/setup.sh";
}

// splitmix64: independent, reproducible seeds for each use of the run seed.
std::uint64_t DeriveSeed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

constexpr std::uint64_t kSplitStream = 1;
constexpr std::uint64_t kSubsetStream = 2;
constexpr std::uint64_t kOptimizerStream = 3;
constexpr std::uint64_t kFinalSubsetStream = 4;
constexpr std::uint64_t kCandidateStream = 1000;
constexpr std::uint64_t kFinalStream = 1000000;

Options ParseOptions(const BinarySpec& spec, int argc, char** argv) {
  cxxopts::Options parser(
      spec.binary, "Multi-objective architecture search on " + spec.dataset + ", objective " +
                       ObjectiveName(spec.objective) + ", crossbar preset " + spec.preset +
                       ".\nEvery run writes record.json (deterministic; cite its run id), "
                       "evaluations.csv, pareto.svg and run_environment.json (times) into --out.");
  std::string budgets;
  for (const auto& [name, b] : spec.budgets) budgets += (budgets.empty() ? "" : "|") + name;
  // clang-format off
  parser.add_options()
      ("budget", "search budget: " + budgets + " (smoke: seconds, for tests; quick: the default, "
                 "a CIFAR-10 run in under 30 minutes on 2 cores; paper: the published study's "
                 "scale, hours)", cxxopts::value<std::string>()->default_value("quick"))
      ("evaluations", "candidates to train and price (overrides the budget)", cxxopts::value<int>())
      ("initial_design", "seeded random candidates before the model-based proposals",
       cxxopts::value<int>())
      ("epochs", "training epochs per candidate", cxxopts::value<int>())
      ("train_subset", "training images per candidate, 0 = the whole training split",
       cxxopts::value<int>())
      ("validation", "validation images held out of the training set", cxxopts::value<int>())
      ("batch", "mini-batch size", cxxopts::value<int>())
      ("lr", "peak learning rate (SGD, Nesterov momentum 0.9, cosine schedule)",
       cxxopts::value<double>())
      ("max_macs", "do not train candidates above this many multiply-accumulates per image "
                   "(0: no cap); they are recorded as over budget", cxxopts::value<long long>())
      ("final_epochs", "epochs when retraining the Pareto-optimal candidates", cxxopts::value<int>())
      ("final_train_subset", "training images for the retraining, 0 = whole split",
       cxxopts::value<int>())
      ("final_max", "retrain at most this many Pareto-optimal candidates", cxxopts::value<int>())
      ("seed", "seed of every random choice (split, optimiser, initialisation, augmentation)",
       cxxopts::value<std::uint64_t>()->default_value("1"))
      ("threads", "OpenMP threads (results do not depend on it); 0 = all cores",
       cxxopts::value<int>()->default_value("0"))
      ("data_dir", "data sets folder made by tools/setup.sh",
       cxxopts::value<std::string>()->default_value("data"))
      ("out", "output folder (default runs/<binary>-<seed>-<date>)",
       cxxopts::value<std::string>())
      ("optimizer", "gp (Gaussian-process Bayesian optimisation), tpe (Hyperopt-style), "
                    "evolution, random", cxxopts::value<std::string>()->default_value("gp"))
      ("resume", "continue the killed run recorded in DIR", cxxopts::value<std::string>())
      ("verify", "rerun the run recorded in DIR and report whether every bit matches",
       cxxopts::value<std::string>())
      ("own_copy", "accept the user's own copy of the data set: checksums are not checked and "
                   "any number of images is taken (the record says 'unverified copy')",
       cxxopts::value<bool>()->default_value("false"))
      ("quiet", "no progress output", cxxopts::value<bool>()->default_value("false"))
      ("h,help", "this text");
  // clang-format on
  cxxopts::ParseResult args;
  try {
    args = parser.parse(argc, argv);
  } catch (const cxxopts::exceptions::exception& e) {
    throw UsageError(e.what());
  }
  if (args.count("help")) {
    std::cout << parser.help() << "\nExamples:\n  bazel run //bench:" << spec.binary
              << "\n  bazel run //bench:" << spec.binary
              << " -- --budget smoke --seed 2 --out /tmp/run\n  bazel run //bench:" << spec.binary
              << " -- --resume runs/<dir>\n";
    std::exit(0);
  }
  if (!args.unmatched().empty()) {
    const std::string& a = args.unmatched()[0];
    throw UsageError("unexpected argument '" + a + "'" +
                     (a == "true" || a == "false" ? " (boolean flags take --name=true|false)"
                                                  : ""));
  }
  if (const std::string repeated = cli::RepeatedFlag(args); !repeated.empty()) {
    throw UsageError("--" + repeated + " given more than once");
  }
  // A resumed or verified run takes every setting from its record: a flag that would change the
  // results is refused rather than silently ignored.
  if (args.count("resume") || args.count("verify")) {
    for (const char* flag : {"budget", "evaluations", "initial_design", "epochs", "train_subset",
                             "validation", "batch", "lr", "max_macs", "final_epochs",
                             "final_train_subset", "final_max", "seed", "optimizer", "own_copy",
                             "out"}) {
      if (args.count(flag)) {
        throw UsageError(std::string("--") + flag + " cannot be given with --" +
                         (args.count("resume") ? "resume" : "verify") +
                         ": the run's settings come from its record");
      }
    }
  }

  Options o;
  o.config.budget_name = args["budget"].as<std::string>();
  bool found = false;
  for (const auto& [name, b] : spec.budgets) {
    if (name == o.config.budget_name) {
      o.config.budget = b;
      found = true;
    }
  }
  if (!found) throw UsageError("unknown --budget '" + o.config.budget_name + "' (" + budgets + ")");
  Budget& b = o.config.budget;
  auto take_int = [&](const char* flag, int* field) {
    if (args.count(flag)) *field = args[flag].as<int>();
  };
  take_int("evaluations", &b.evaluations);
  take_int("initial_design", &b.initial_design);
  take_int("epochs", &b.epochs);
  take_int("train_subset", &b.train_subset);
  take_int("validation", &b.validation);
  take_int("batch", &b.batch);
  take_int("final_epochs", &b.final_epochs);
  take_int("final_train_subset", &b.final_train_subset);
  take_int("final_max", &b.final_max);
  if (args.count("max_macs")) b.max_macs = args["max_macs"].as<long long>();
  if (args.count("lr")) b.learning_rate = args["lr"].as<double>();
  CheckBudget(b);
  b.initial_design = std::min(b.initial_design, b.evaluations);
  o.config.seed = args["seed"].as<std::uint64_t>();
  o.config.optimizer = args["optimizer"].as<std::string>();
  CheckOptimizer(o.config.optimizer, spec);
  o.config.own_copy = args["own_copy"].as<bool>();
  o.threads = args["threads"].as<int>();
  if (o.threads < 0 || o.threads > 1024) {
    throw UsageError("--threads must be 0 (all cores) or 1 to 1024");
  }
  auto path_flag = [&](const char* flag) {
    if (!args.count(flag)) return std::string();
    const std::string path = args[flag].as<std::string>();
    if (path.empty()) throw UsageError(std::string("--") + flag + " needs a folder");
    return UserPath(path);
  };
  o.data_dir = args.count("data_dir") == 0 ? WorkspacePath("data") : path_flag("data_dir");
  o.out_dir = path_flag("out");
  o.resume_dir = path_flag("resume");
  o.verify_dir = path_flag("verify");
  if (!o.resume_dir.empty() && !o.verify_dir.empty()) {
    throw UsageError("--resume and --verify exclude each other");
  }
  o.quiet = args["quiet"].as<bool>();
  return o;
}

// ----------------------------------------------------------------------------- the search

struct Candidate {
  int order = 0;
  std::uint64_t index = 0;
  std::vector<double> objectives;
  bool failed = false;
  double accuracy = 0;
  double latency_ns = 0;
  double energy_pj = 0;
  Json record;       // deterministic
  Json environment;  // wall-clock times
};

class SearchRun {
 public:
  SearchRun(const BinarySpec& spec, const Options& options)
      : spec_(spec), options_(options), config_(options.config),
        space_(nas::SearchSpace::Paper()) {}

  // Runs to the end (replaying `previous` candidates and finals first); returns the run id.
  // `recorded_dataset`: the data set block of the record being resumed or verified; the data
  // loaded now must match it.
  std::string Run(const std::string& out_dir, const Json* previous,
                  const Json* recorded_dataset) {
    out_dir_ = out_dir;
    started_ = Clock::now();
    start_time_ = std::time(nullptr);
    LoadData();
    // The folder is made once the data loaded (a missing data set leaves no empty folder) and
    // proven writable before the first candidate trains.
    PrepareOutputFolder();
    ComputeScales();
    InitRecord();
    if (recorded_dataset && *recorded_dataset != record_.at("dataset")) {
      throw UsageError("the data set now loaded differs from the one the record was made with "
                       "(files, checksums or splits); use the same --data_dir copy");
    }
    // A resumed record must not mix two cost models or two builds: its replayed candidates
    // keep their recorded prices and accuracies. (--verify reruns everything and compares.)
    if (previous) {
      for (const char* key : {"objective_definition", "crossbar_preset", "build"}) {
        if (previous->value(key, Json()) != record_.at(key)) {
          throw UsageError(std::string("the record's \"") + key + "\" differs from this " +
                           "binary's (" + out_dir_ + "/record.json was made by " +
                           previous->at("build").dump() + "); resume with the build "
                           "that started the run, or start a new run");
        }
      }
    }
    optimizer_ = nas::MakeOptimizer(space_, OptimizerConfig());

    const Json no_candidates = Json::array();
    const Json& replay = previous ? previous->at("candidates") : no_candidates;
    if (static_cast<int>(replay.size()) > config_.budget.evaluations) {
      throw UsageError("the record holds more candidates than its budget");
    }
    for (int i = 0; i < config_.budget.evaluations; ++i) {
      const std::vector<std::uint64_t> proposal = optimizer_->Propose(1);
      if (proposal.size() != 1) throw std::logic_error("optimiser proposed nothing");
      Candidate c;
      if (i < static_cast<int>(replay.size())) {
        c = Replayed(replay[i], i);
        if (c.index != proposal[0]) {
          throw std::runtime_error(
              "cannot resume: candidate " + std::to_string(i) + " was " + std::to_string(c.index) +
              " in the record but the optimiser now proposes " + std::to_string(proposal[0]) +
              " (different build or configuration?)");
        }
      } else {
        c = Evaluate(proposal[0], i);
      }
      nas::Evaluation evaluation;
      evaluation.index = c.index;
      evaluation.objectives = c.objectives;
      // Diverged and over-budget candidates are observed with the chance-level accuracy they
      // were given (a penalty the model learns from); only an unpriceable one has no objectives.
      evaluation.failed = c.objectives.empty();
      optimizer_->Observe(evaluation);
      candidates_.push_back(c);
      record_["candidates"].push_back(c.record);
      environment_["candidates"].push_back(c.environment);
      Save();
    }
    RetrainFront(previous);
    record_["complete"] = true;
    Save();
    const std::string id = RunId();
    Progress("done: " + std::to_string(candidates_.size()) + " candidates; run id " + id +
             "; record " + out_dir_ + "/record.json");
    return id;
  }

  std::string RunId() const {
    return Sha256Hex(CanonicalJson(record_)).substr(0, 16);
  }

 private:
  void Progress(const std::string& line) const {
    if (!options_.quiet) std::cerr << "[" << spec_.binary << "] " << line << std::endl;
  }

  void LoadData() {
    const auto load_started = Clock::now();
    try {
      datasets::LoadOptions load_options;
      load_options.verify_checksums = !config_.own_copy;
      load_options.check_counts = !config_.own_copy;
      data_ = datasets::LoadDataset(spec_.dataset, options_.data_dir, load_options);
    } catch (const std::exception& e) {
      throw DataError(e.what());
    }
    const auto& train = data_.train;
    const std::size_t validation = static_cast<std::size_t>(config_.budget.validation);
    if (validation >= train.size()) {
      throw UsageError("--validation " + std::to_string(validation) + " leaves no training images (" +
                       std::to_string(train.size()) + " in the training set)");
    }
    split_ = datasets::StratifiedSplit(train.labels, train.classes, validation,
                                       DeriveSeed(config_.seed, kSplitStream));
    candidate_train_ = Subset(split_.train, config_.budget.train_subset, kSubsetStream);
    final_train_ = Subset(split_.train, config_.budget.final_train_subset, kFinalSubsetStream);
    Progress("loaded " + spec_.dataset + " (" + data_.copy + ") in " +
             std::to_string(Seconds(load_started)).substr(0, 5) + " s: " +
             std::to_string(candidate_train_.size()) + " training images per candidate, " +
             std::to_string(split_.validation.size()) + " validation, " +
             std::to_string(data_.test.size()) + " test");
  }

  void PrepareOutputFolder() const {
    std::error_code error;
    std::filesystem::create_directories(out_dir_, error);
    if (error) throw UsageError("cannot create output folder " + out_dir_ + ": " + error.message());
    const std::string probe = out_dir_ + "/.write_test";
    WriteFileAtomically(probe, "");
    std::filesystem::remove(probe, error);
  }

  // A seeded, stratified subset of `indices` of the given size (0 or too large: all of them).
  std::vector<std::int32_t> Subset(const std::vector<std::int32_t>& indices, int size,
                                   std::uint64_t stream) const {
    if (size <= 0 || static_cast<std::size_t>(size) >= indices.size()) return indices;
    std::vector<std::int32_t> labels(indices.size());
    for (std::size_t i = 0; i < indices.size(); ++i) labels[i] = data_.train.labels[indices[i]];
    const datasets::Split pick = datasets::StratifiedSplit(
        labels, data_.train.classes, static_cast<std::size_t>(size),
        DeriveSeed(config_.seed, stream));
    std::vector<std::int32_t> subset;
    subset.reserve(pick.validation.size());
    for (std::int32_t k : pick.validation) subset.push_back(indices[k]);
    std::sort(subset.begin(), subset.end());
    return subset;
  }

  nas::OptimizerConfig OptimizerConfig() const {
    nas::OptimizerConfig c;
    const bool pareto = spec_.objective == Objective::kPareto;
    c.num_objectives = pareto ? 3 : 1;
    c.seed = DeriveSeed(config_.seed, kOptimizerStream);
    c.initial_design = config_.budget.initial_design;
    if (config_.optimizer == "gp") {
      c.kind = pareto ? "gp_parego" : "gp";
    } else if (config_.optimizer == "evolution") {
      c.kind = pareto ? "nsga2" : "evolution";
    } else {
      c.kind = config_.optimizer;
    }
    return c;
  }

  void InitRecord() {
    const auto& spec_data = *data_.spec;
    Json files = Json::array();
    for (const auto& f : data_.files) {
      // File names only: the record must not depend on where the data folder is.
      files.push_back({{"file", std::filesystem::path(f.file).filename().string()},
                       {"sha256", f.sha256},
                       {"status", f.status}});
    }
    record_ = Json{
        {"format", kRecordFormat},
        {"configuration", config_.ToJson(spec_)},
        {"objective_definition", ObjectiveDefinition()},
        {"dataset",
         {{"name", spec_data.name},
          {"copy", data_.copy},
          {"files", files},
          {"input", {spec_data.height, spec_data.width, spec_data.channels}},
          {"classes", spec_data.classes},
          {"training_split", split_.train.size()},
          {"validation_split", split_.validation.size()},
          {"candidate_training_images", candidate_train_.size()},
          {"final_training_images", final_train_.size()},
          {"test", data_.test.size()}}},
        {"crossbar_preset", {{"name", spec_.preset}, {"constants", spec_.preset_constants()}}},
        {"search_space", {{"name", "paper"}, {"size", space_.size()}}},
        {"build", buildinfo::BuildInfo()},
        {"complete", false},
        {"candidates", Json::array()},
        {"pareto_front", Json::array()},
        {"final", Json::array()},
    };
    environment_ = Json{{"threads", omp_get_max_threads()},
                        {"data_dir", options_.data_dir},
                        {"started_unix", static_cast<long long>(start_time_)},
                        {"candidates", Json::array()},
                        {"final", Json::array()}};
  }

  // The paper's scalarised costs need reference costs to normalise latency and energy: the
  // cheapest and the dearest networks of the space for this data set's input, priced by this
  // binary's crossbar preset (one block of 16 channels; seven blocks of 128), so that the
  // normalised log cost runs over about [0, 1] (see nas/objectives.h).
  void ComputeScales() {
    const arch::Shape input{data_.spec->height, data_.spec->width, data_.spec->channels};
    double lat_low = 0, lat_high = 0, en_low = 0, en_high = 0;
    bool first = true;
    for (arch::BlockKind kind : {arch::BlockKind::kVgg, arch::BlockKind::kMvgg,
                                 arch::BlockKind::kRes}) {
      arch::Architecture small, large;
      small.input = large.input = input;
      small.classes = large.classes = data_.spec->classes;
      small.blocks = {arch::Block{kind, 16}};
      large.blocks.assign(7, arch::Block{kind, 128});
      const imc::NetworkTotals a = spec_.estimate(arch::Lower(small));
      const imc::NetworkTotals b = spec_.estimate(arch::Lower(large));
      lat_low = first ? a.latency_ns : std::min(lat_low, a.latency_ns);
      en_low = first ? a.energy_pj : std::min(en_low, a.energy_pj);
      lat_high = first ? b.latency_ns : std::max(lat_high, b.latency_ns);
      en_high = first ? b.energy_pj : std::max(en_high, b.energy_pj);
      first = false;
    }
    latency_scale_.cost_low = lat_low;
    latency_scale_.cost_high = lat_high;
    energy_scale_.cost_low = en_low;
    energy_scale_.cost_high = en_high;
  }

  Json ScaleJson(const nas::ScalarizationConfig& scale, const char* cost) const {
    return {{"formula", std::string("(1 - w) * (1 - validation_accuracy) + w * (ln ") + cost +
                            " - ln cost_low) / (ln cost_high - ln cost_low)"},
            {"w", scale.cost_weight},
            {"cost_low", scale.cost_low},
            {"cost_high", scale.cost_high},
            {"reference_networks",
             "cost_low: the cheapest single block of 16 channels; cost_high: the dearest seven "
             "blocks of 128 channels (VGG, MVGG, RES), priced by the run's crossbar preset"}};
  }

  Json ObjectiveDefinition() const {
    switch (spec_.objective) {
      case Objective::kLatency:
        return {{"minimised", ScaleJson(latency_scale_, "latency_ns")}};
      case Objective::kEnergy:
        return {{"minimised", ScaleJson(energy_scale_, "energy_pj")}};
      case Objective::kAccuracy:
        return {{"minimised", "1 - validation_accuracy"},
                {"paper_style_optimum_in_plots", ScaleJson(latency_scale_, "latency_ns")}};
      case Objective::kPareto:
        return {{"minimised", {"1 - validation_accuracy", "ln(latency_ns)", "ln(energy_pj)"}},
                {"paper_style_optimum_in_plots", ScaleJson(latency_scale_, "latency_ns")}};
    }
    return {};
  }

  std::vector<double> Objectives(double accuracy, double latency_ns, double energy_pj) const {
    switch (spec_.objective) {
      case Objective::kLatency:
        return {nas::ScalarizedCost(accuracy, latency_ns, latency_scale_)};
      case Objective::kEnergy:
        return {nas::ScalarizedCost(accuracy, energy_pj, energy_scale_)};
      case Objective::kAccuracy:
        return {1.0 - accuracy};
      case Objective::kPareto:
        return {1.0 - accuracy, std::log(latency_ns), std::log(energy_pj)};
    }
    return {};
  }

  nn::TrainConfig TrainingConfig(int epochs, std::uint64_t seed) const {
    nn::TrainConfig t;
    t.epochs = epochs;
    t.batch_size = config_.budget.batch;
    t.learning_rate = config_.budget.learning_rate;
    t.seed = seed;
    t.threads = omp_get_max_threads();
    t.augment = data_.spec->augment_by_default;
    return t;
  }

  // One candidate's deterministic record; `cost` is null when the network could not be priced.
  static Json CandidateJson(int order, std::uint64_t index, const arch::Architecture& architecture,
                            const arch::Graph& graph, std::uint64_t train_seed,
                            const std::string& status, const std::string& message,
                            double accuracy, double loss, const imc::NetworkTotals* cost,
                            const Json& epochs, const std::vector<double>& objectives) {
    return Json{{"order", order},
                {"index", index},
                {"architecture", Json::parse(arch::ToJson(architecture))},
                {"status", status},
                {"status_message", message},
                {"validation_accuracy", accuracy},
                {"validation_loss", loss},
                {"latency_ns", cost ? cost->latency_ns : 0.0},
                {"sequential_latency_ns", cost ? cost->sequential_latency_ns : 0.0},
                {"energy_pj", cost ? cost->energy_pj : 0.0},
                {"area_um2", cost ? cost->area_um2 : 0.0},
                {"macs", graph.macs()},
                {"params", graph.params()},
                {"train_seed", train_seed},
                {"epochs", epochs},
                {"objectives", objectives}};
  }

  Candidate Evaluate(std::uint64_t index, int order) {
    const auto candidate_started = Clock::now();
    const arch::Architecture architecture =
        space_.ToArchitecture(index, {data_.spec->height, data_.spec->width, data_.spec->channels},
                              data_.spec->classes);
    const arch::Graph graph = arch::Lower(architecture);
    const std::uint64_t train_seed = DeriveSeed(config_.seed, kCandidateStream + order);
    imc::NetworkTotals cost;
    try {
      cost = spec_.estimate(graph);
    } catch (const std::invalid_argument& e) {
      // The network does not fit the preset's chip: nothing to train, a failed candidate.
      return Unpriceable(index, order, architecture, graph, train_seed, e.what());
    }
    Progress("candidate " + std::to_string(order + 1) + "/" +
             std::to_string(config_.budget.evaluations) + " " + arch::ToJson(architecture) + " " +
             BestSoFar() + Eta(order));
    if (config_.budget.max_macs > 0 && graph.macs() > config_.budget.max_macs) {
      return OverBudget(index, order, architecture, graph, cost, train_seed);
    }
    const nn::TrainConfig train_config = TrainingConfig(config_.budget.epochs, train_seed);
    const nn::TrainResult result = nn::TrainAndEvaluate(
        architecture, data_.train, candidate_train_, split_.validation, nullptr, train_config,
        [&](const nn::EpochStats& s) {
          Progress("  epoch " + std::to_string(s.epoch) + "/" +
                   std::to_string(train_config.epochs) + " loss " + Format(s.train_loss, 4) +
                   " train acc " + Format(100 * s.train_accuracy, 2) + "% val acc " +
                   Format(100 * s.validation_accuracy, 2) + "% " +
                   Format(s.images_per_second, 0) + " img/s");
        });
    Candidate c;
    c.order = order;
    c.index = index;
    c.failed = result.status != nn::TrainStatus::kOk;
    c.accuracy = c.failed ? 1.0 / data_.spec->classes : result.validation_accuracy;
    c.latency_ns = cost.latency_ns;
    c.energy_pj = cost.energy_pj;
    c.objectives = Objectives(c.accuracy, c.latency_ns, c.energy_pj);
    Json epochs = Json::array();
    for (const auto& s : result.epochs) {
      epochs.push_back({{"train_loss", s.train_loss},
                        {"train_accuracy", s.train_accuracy},
                        {"validation_accuracy", s.validation_accuracy}});
    }
    c.record = CandidateJson(order, index, architecture, graph, train_seed,
                             c.failed ? "diverged" : "ok", result.status_message, c.accuracy,
                             result.validation_loss, &cost, epochs, c.objectives);
    const double seconds = Seconds(candidate_started);
    c.environment = Json{{"order", order},
                         {"seconds", seconds},
                         {"training_seconds", result.wall_seconds},
                         {"images_per_second", result.images_per_second}};
    candidate_seconds_ += seconds;
    ++candidates_timed_;
    Progress("  -> val acc " + Format(100 * c.accuracy, 2) + "%, latency " +
             Format(c.latency_ns / 1e3, 1) + " us, energy " + Format(c.energy_pj / 1e6, 2) +
             " uJ" + (c.failed ? " (" + result.status_message + ")" : "") + ", " +
             Format(seconds, 1) + " s");
    return c;
  }

  Candidate Unpriceable(std::uint64_t index, int order, const arch::Architecture& architecture,
                        const arch::Graph& graph, std::uint64_t train_seed,
                        const std::string& why) {
    Candidate c;
    c.order = order;
    c.index = index;
    c.failed = true;
    c.record = CandidateJson(order, index, architecture, graph, train_seed, "unpriceable", why,
                             0.0, 0.0, nullptr, Json::array(), {});
    c.environment = Json{{"order", order}, {"seconds", 0.0}};
    Progress("  -> not priced: " + why);
    return c;
  }

  // A network above the budget's multiply-accumulate cap is priced but not trained: it is
  // recorded as over budget and observed with chance-level accuracy.
  Candidate OverBudget(std::uint64_t index, int order, const arch::Architecture& architecture,
                       const arch::Graph& graph, const imc::NetworkTotals& cost,
                       std::uint64_t train_seed) {
    Candidate c;
    c.order = order;
    c.index = index;
    c.failed = true;
    c.accuracy = 1.0 / data_.spec->classes;
    c.latency_ns = cost.latency_ns;
    c.energy_pj = cost.energy_pj;
    c.objectives = Objectives(c.accuracy, c.latency_ns, c.energy_pj);
    const std::string why = std::to_string(graph.macs()) + " MACs per image exceed the budget's " +
                            std::to_string(config_.budget.max_macs) + " (--max_macs)";
    c.record = CandidateJson(order, index, architecture, graph, train_seed, "over_budget", why,
                             c.accuracy, 0.0, &cost, Json::array(), c.objectives);
    c.environment = Json{{"order", order}, {"seconds", 0.0}};
    Progress("  -> not trained: " + why);
    return c;
  }

  // Rebuilds a recorded candidate without training it (resume).
  Candidate Replayed(const Json& r, int order) const {
    if (r.at("order").get<int>() != order) throw std::runtime_error("record out of order");
    Candidate c;
    c.order = order;
    c.index = r.at("index").get<std::uint64_t>();
    c.failed = r.at("status").get<std::string>() != "ok";
    c.accuracy = r.at("validation_accuracy").get<double>();
    c.latency_ns = r.at("latency_ns").get<double>();
    c.energy_pj = r.at("energy_pj").get<double>();
    c.objectives = r.at("objectives").get<std::vector<double>>();
    c.record = r;
    c.environment = Json{{"order", order}, {"replayed", true}};
    return c;
  }

  std::string BestSoFar() const {
    if (candidates_.empty()) return "";
    int best = -1;
    for (const auto& c : candidates_) {
      if (c.failed || c.objectives.empty()) continue;
      if (best < 0 || c.objectives[0] < candidates_[best].objectives[0]) best = c.order;
    }
    if (best < 0) return "| best: none yet ";
    const Candidate& c = candidates_[best];
    return "| best: #" + std::to_string(best + 1) + " val acc " + Format(100 * c.accuracy, 2) +
           "% latency " + Format(c.latency_ns / 1e3, 1) + " us energy " +
           Format(c.energy_pj / 1e6, 2) + " uJ ";
  }

  std::string Eta(int order) const {
    if (candidates_timed_ == 0) return "";
    const double per = candidate_seconds_ / candidates_timed_;
    const double left = per * (config_.budget.evaluations - order);
    return "| ~" + Format(left / 60, 1) + " min left for the search";
  }

  // Candidates on the objective's front: (accuracy, latency) for latency, (accuracy, energy) for
  // energy, (accuracy, latency, energy) for pareto, the most accurate for accuracy.
  std::vector<int> Front() const {
    std::vector<int> ok;
    std::vector<std::vector<double>> points;
    for (const auto& c : candidates_) {
      if (c.failed) continue;
      ok.push_back(c.order);
      switch (spec_.objective) {
        case Objective::kLatency:
          points.push_back({-c.accuracy, c.latency_ns});
          break;
        case Objective::kEnergy:
          points.push_back({-c.accuracy, c.energy_pj});
          break;
        case Objective::kAccuracy:
          points.push_back({-c.accuracy});
          break;
        case Objective::kPareto:
          points.push_back({-c.accuracy, c.latency_ns, c.energy_pj});
          break;
      }
    }
    std::vector<int> front;
    for (std::size_t k : nas::ParetoFront(points)) front.push_back(ok[k]);
    std::sort(front.begin(), front.end());
    return front;
  }

  // The paper-style optimum: the least scalarised cost (latency-based for pareto and accuracy
  // runs, so every picture rings a comparable point).
  int ScalarOptimum() const {
    int best = -1;
    double best_cost = std::numeric_limits<double>::infinity();
    for (const auto& c : candidates_) {
      if (c.failed) continue;
      double cost = 0;
      switch (spec_.objective) {
        case Objective::kEnergy:
          cost = nas::ScalarizedCost(c.accuracy, c.energy_pj, energy_scale_);
          break;
        default:  // latency, and the accuracy and pareto runs' paper-style optimum
          cost = nas::ScalarizedCost(c.accuracy, c.latency_ns, latency_scale_);
      }
      if (cost < best_cost) {
        best_cost = cost;
        best = c.order;
      }
    }
    return best;
  }

  void RetrainFront(const Json* previous) {
    std::vector<int> front = Front();
    record_["pareto_front"] = front;
    record_["scalarized_optimum"] = ScalarOptimum();
    // Too large a front: the scalarised optimum (the point the search aims for and the plots
    // ring) and the most accurate member first, then members evenly spaced along the
    // most-accurate-first order, then the most accurate of the rest.
    std::vector<int> chosen = front;
    const std::size_t max = static_cast<std::size_t>(config_.budget.final_max);
    if (front.size() > max) {
      std::vector<int> by_accuracy = front;
      std::stable_sort(by_accuracy.begin(), by_accuracy.end(), [&](int a, int b) {
        return candidates_[a].accuracy > candidates_[b].accuracy;
      });
      chosen.clear();
      auto add = [&](int order) {
        if (chosen.size() < max && std::find(chosen.begin(), chosen.end(), order) == chosen.end()) {
          chosen.push_back(order);
        }
      };
      const int optimum = record_["scalarized_optimum"].get<int>();
      if (std::find(front.begin(), front.end(), optimum) != front.end()) add(optimum);
      for (std::size_t k = 0; k < max; ++k) {  // k = 0: the most accurate
        add(by_accuracy[max == 1 ? 0 : k * (by_accuracy.size() - 1) / (max - 1)]);
      }
      for (int order : by_accuracy) add(order);
      std::sort(chosen.begin(), chosen.end());
    }
    const Json no_finals = Json::array();
    const Json& done = previous && previous->contains("final") ? previous->at("final") : no_finals;
    for (std::size_t k = 0; k < chosen.size(); ++k) {
      const Candidate& c = candidates_[chosen[k]];
      if (k < done.size() && done[k].at("order").get<int>() == c.order) {
        record_["final"].push_back(done[k]);
        environment_["final"].push_back({{"order", c.order}, {"replayed", true}});
        continue;
      }
      const auto started = Clock::now();
      const arch::Architecture architecture = space_.ToArchitecture(
          c.index, {data_.spec->height, data_.spec->width, data_.spec->channels},
          data_.spec->classes);
      const std::uint64_t seed = DeriveSeed(config_.seed, kFinalStream + c.order);
      Progress("final " + std::to_string(k + 1) + "/" + std::to_string(chosen.size()) +
               ": retraining candidate #" + std::to_string(c.order + 1) + " " +
               arch::ToJson(architecture) + " for " +
               std::to_string(config_.budget.final_epochs) + " epochs on " +
               std::to_string(final_train_.size()) + " images");
      const nn::TrainConfig train_config = TrainingConfig(config_.budget.final_epochs, seed);
      const nn::TrainResult result = nn::TrainAndEvaluate(
          architecture, data_.train, final_train_, split_.validation, &data_.test, train_config,
          [&](const nn::EpochStats& s) {
            Progress("  epoch " + std::to_string(s.epoch) + "/" +
                     std::to_string(train_config.epochs) + " loss " + Format(s.train_loss, 4) +
                     " val acc " + Format(100 * s.validation_accuracy, 2) + "% " +
                     Format(s.images_per_second, 0) + " img/s");
          });
      const bool failed = result.status != nn::TrainStatus::kOk;
      record_["final"].push_back({{"order", c.order},
                                  {"index", c.index},
                                  {"architecture", c.record.at("architecture")},
                                  {"status", failed ? "diverged" : "ok"},
                                  {"train_seed", seed},
                                  {"validation_accuracy", result.validation_accuracy},
                                  {"test_accuracy", result.test_accuracy},
                                  {"test_loss", result.test_loss},
                                  {"latency_ns", c.latency_ns},
                                  {"energy_pj", c.energy_pj},
                                  {"area_um2", c.record.at("area_um2")}});
      environment_["final"].push_back({{"order", c.order},
                                       {"seconds", Seconds(started)},
                                       {"images_per_second", result.images_per_second}});
      Progress("  -> test acc " + Format(100 * result.test_accuracy, 2) + "%");
      Save();
    }
  }

  void Save() {
    WriteFileAtomically(out_dir_ + "/record.json", CanonicalJson(record_));
    environment_["wall_seconds"] = Seconds(started_);
    WriteFileAtomically(out_dir_ + "/run_environment.json", CanonicalJson(environment_));
    WriteFileAtomically(out_dir_ + "/evaluations.csv", Csv());
    std::vector<PlotPoint> points;
    for (const auto& c : candidates_) {
      points.push_back({c.accuracy, c.latency_ns, c.energy_pj, c.failed});
    }
    WriteFileAtomically(out_dir_ + "/pareto.svg",
                        ParetoSvg(points, ScalarOptimum(),
                                  spec_.binary + " (" + data_.copy + "), crossbar preset " +
                                      spec_.preset));
  }

  std::string Csv() const {
    std::ostringstream csv;
    csv << "order,index,blocks,status,validation_accuracy,latency_ns,energy_pj,area_um2,macs,"
           "params,objective\n";
    for (const auto& c : candidates_) {
      std::string blocks;
      for (const auto& b : c.record.at("architecture").at("blocks")) {
        blocks += (blocks.empty() ? "" : " ") + b[0].get<std::string>() +
                  std::to_string(b[1].get<int>());
      }
      csv << c.order << "," << c.index << "," << blocks << "," << c.record.at("status").get<std::string>()
          << "," << Format(c.accuracy, 6) << "," << Format(c.latency_ns, 3) << ","
          << Format(c.energy_pj, 3) << "," << Format(c.record.at("area_um2").get<double>(), 1)
          << "," << c.record.at("macs").get<long long>() << ","
          << c.record.at("params").get<long long>() << ","
          << (c.objectives.empty() ? "" : Format(c.objectives[0], 9)) << "\n";
    }
    return csv.str();
  }

  static double Seconds(Clock::time_point since) {
    return std::chrono::duration<double>(Clock::now() - since).count();
  }

  static std::string Format(double value, int digits) {
    char buffer[64];
    std::snprintf(buffer, sizeof(buffer), "%.*f", digits, value);
    return buffer;
  }

  const BinarySpec& spec_;
  const Options& options_;
  const RunConfig& config_;
  nas::SearchSpace space_;
  datasets::LoadedDataset data_;
  datasets::Split split_;
  std::vector<std::int32_t> candidate_train_;
  std::vector<std::int32_t> final_train_;
  std::unique_ptr<nas::Optimizer> optimizer_;
  std::vector<Candidate> candidates_;
  nas::ScalarizationConfig latency_scale_;
  nas::ScalarizationConfig energy_scale_;
  Json record_;
  Json environment_;
  std::string out_dir_;
  Clock::time_point started_;
  std::time_t start_time_ = 0;
  double candidate_seconds_ = 0;
  int candidates_timed_ = 0;
};

std::string DefaultOutDir(const BinarySpec& spec, std::uint64_t seed) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[32];
  std::strftime(date, sizeof(date), "%Y%m%d-%H%M%S", &utc);
  return WorkspacePath("runs/" + spec.binary + "-" + std::to_string(seed) + "-" + date);
}

Json ReadRecord(const std::string& dir) {
  const std::string path = dir + "/record.json";
  std::string text;
  try {
    text = ReadFile(path);
  } catch (const std::exception&) {
    throw UsageError("no run record at " + path);
  }
  Json record;
  // A record nests 6 levels deep; anything far deeper is refused before parsing, so nothing
  // that walks it recursively can overflow the stack.
  const std::string problem = arch::JsonShapeProblem(text, 64, false);
  if (!problem.empty()) throw UsageError(path + ": " + problem + ": not a run record");
  try {
    record = Json::parse(text);
  } catch (const Json::exception& e) {
    throw UsageError(path + " is not valid JSON: " + e.what());
  }
  if (!record.is_object() || !record.contains("format") || !record["format"].is_string() ||
      record["format"].get<std::string>() != kRecordFormat) {
    throw UsageError(path + " is not an imcnas run record (" + kRecordFormat + ")");
  }
  // What --resume and --verify read besides the configuration (checked by RunConfig::FromJson).
  for (const char* key : {"candidates", "dataset", "build"}) {
    if (!record.contains(key)) throw UsageError(path + " has no \"" + key + "\"");
  }
  if (!record["candidates"].is_array()) throw UsageError(path + ": candidates is not a list");
  return record;
}

int Verify(const BinarySpec& spec, Options options) {
  const Json recorded = ReadRecord(options.verify_dir);
  const Json& complete = recorded.value("complete", Json());
  if (!complete.is_boolean() || !complete.get<bool>()) {
    throw UsageError("the run in " + options.verify_dir +
                     " is not complete; finish it with --resume first");
  }
  const std::string where = options.verify_dir + "/record.json";
  options.config = RunConfig::FromJson(recorded.value("configuration", Json()), spec, where);
  char tmp[] = "/tmp/imcnas-verify-XXXXXX";
  if (!mkdtemp(tmp)) throw std::runtime_error("cannot create a temporary folder");
  SearchRun run(spec, options);
  run.Run(tmp, nullptr, &recorded.at("dataset"));
  const std::string original = ReadFile(options.verify_dir + "/record.json");
  const std::string again = ReadFile(std::string(tmp) + "/record.json");
  if (original == again) {
    std::cout << "verify: identical: every bit of " << options.verify_dir
              << "/record.json was reproduced (run id " << run.RunId() << ")" << std::endl;
    std::filesystem::remove_all(tmp);
    return 0;
  }
  const Json redone = Json::parse(again);
  Json recorded_results = recorded;
  Json redone_results = redone;
  recorded_results.erase("build");
  redone_results.erase("build");
  if (recorded_results == redone_results) {
    std::cout << "verify: every result in " << options.verify_dir
              << "/record.json was reproduced bit for bit; only the build information differs "
                 "(recorded "
              << recorded.at("build").dump() << ", now " << redone.at("build").dump() << ")"
              << std::endl;
    std::filesystem::remove_all(tmp);
    return 0;
  }
  std::string difference = "outside the candidates";
  const auto& a = recorded.at("candidates");
  const auto& b = redone.at("candidates");
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    if (a[i] != b[i]) {
      difference = "first at candidate " + std::to_string(i);
      break;
    }
  }
  std::cout << "verify: DIFFERENT (" << difference << "); the rerun is in " << tmp << std::endl;
  return 1;
}

}  // namespace

int RunSearchBinary(const BinarySpec& spec, int argc, char** argv) {
  try {
    Options options = ParseOptions(spec, argc, argv);
    if (options.threads > 0) omp_set_num_threads(options.threads);
    if (!options.verify_dir.empty()) return Verify(spec, options);

    std::optional<Json> previous;
    std::string out_dir;
    if (!options.resume_dir.empty()) {
      previous = ReadRecord(options.resume_dir);
      options.config = RunConfig::FromJson(previous->value("configuration", Json()), spec,
                                           options.resume_dir + "/record.json");
      out_dir = options.resume_dir;
    } else {
      out_dir = options.out_dir.empty() ? DefaultOutDir(spec, options.config.seed) : options.out_dir;
      std::error_code error;
      if (std::filesystem::exists(out_dir + "/record.json", error)) {
        throw UsageError(out_dir + " already holds a run; use --resume " + out_dir +
                         " or another --out");
      }
      if (std::filesystem::exists(out_dir, error) &&
          (!std::filesystem::is_directory(out_dir, error) ||
           !std::filesystem::is_empty(out_dir, error))) {
        throw UsageError("--out " + out_dir + " exists and is not an empty folder");
      }
    }
    SearchRun run(spec, options);
    std::string id;
    try {
      id = run.Run(out_dir, previous ? &*previous : nullptr,
                   previous ? &previous->at("dataset") : nullptr);
    } catch (const Json::exception& e) {
      // Replaying reads the recorded candidates and finals field by field: a field missing or
      // of the wrong type means a damaged record (a run without one reads no JSON).
      if (!previous) throw;
      throw UsageError(options.resume_dir + "/record.json could not be replayed (damaged?): " +
                       e.what());
    }
    std::cout << "run id " << id << "  (" << out_dir << "/record.json)" << std::endl;
    return 0;
  } catch (const UsageError& e) {
    std::cerr << spec.binary << ": error: " << e.what() << " (see --help)" << std::endl;
    return 2;
  } catch (const DataError& e) {
    std::cerr << spec.binary << ": error: " << e.what() << "\n  fix: " << SetupHint(spec.dataset)
              << std::endl;
    return 1;
  } catch (const std::exception& e) {
    std::cerr << spec.binary << ": error: " << e.what() << std::endl;
    return 1;
  }
}

}  // namespace imcnas::bench
