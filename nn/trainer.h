// Training and evaluation of a network from an architecture file: SGD with momentum/Nesterov,
// weight decay, cosine (with linear warm-up) or step learning-rate schedule, He initialisation,
// seeded shuffling and augmentation (datasets::BatchIterator), early stop on divergence.
// Deterministic in (architecture, data, config) whatever config.threads.
#ifndef IMCNAS_NN_TRAINER_H_
#define IMCNAS_NN_TRAINER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "arch/architecture.h"
#include "datasets/dataset.h"

namespace imcnas::nn {

struct TrainConfig {
  int epochs = 1;
  int batch_size = 128;
  double learning_rate = 0.05;
  double momentum = 0.9;
  bool nesterov = true;
  double weight_decay = 5e-4;
  bool decay_bn_and_bias = false;
  // "cosine": linear warm-up over warmup_epochs, then cosine decay to 0 at the end (per step).
  // "step": learning_rate * step_gamma^floor(epoch / step_epochs). "constant".
  std::string schedule = "cosine";
  double warmup_epochs = 0;
  int step_epochs = 30;
  double step_gamma = 0.1;
  double label_smoothing = 0;
  std::uint64_t seed = 0;
  int threads = 0;  // OpenMP threads (omp_set_num_threads, which persists); 0 keeps the setting
  bool augment = false;  // pad-crop 4 + horizontal flip (the CIFAR recipe)
  int eval_batch_size = 0;  // 0: batch_size (the activations are already allocated for it)
  // A batch loss above this (or not finite) stops training with kDiverged.
  double divergence_loss = 1e3;
};

// Throws std::invalid_argument naming the first bad field.
void ValidateConfig(const TrainConfig& config);

// Learning rate of optimiser step `step` (0-based) with `steps_per_epoch` steps per epoch.
double LearningRate(const TrainConfig& config, long long step, long long steps_per_epoch);

struct EpochStats {
  int epoch = 0;  // 1-based
  double train_loss = 0, train_accuracy = 0, validation_accuracy = 0;
  double learning_rate = 0;  // at the epoch's last step
  double seconds = 0, images_per_second = 0;
};

enum class TrainStatus { kOk, kDiverged };
const char* TrainStatusName(TrainStatus status);

struct TrainResult {
  TrainStatus status = TrainStatus::kOk;
  std::string status_message;
  std::vector<EpochStats> epochs;
  double validation_accuracy = 0, validation_loss = 0;  // NaN without validation images
  double test_accuracy = 0, test_loss = 0;              // NaN without a test set
  double wall_seconds = 0, images_per_second = 0;
  // FNV-1a over every parameter and BN statistic of the final network: equal fingerprints
  // mean bit-identical weights.
  std::uint64_t weights_fingerprint = 0;
};

using ProgressCallback = std::function<void(const EpochStats&)>;

// Trains a fresh network (He init from config.seed) on train_set[train_indices], evaluates on
// validation (train_set[validation_indices]) after every epoch and at the end, and on the test
// set at the end if given. Throws std::invalid_argument for a bad config, an architecture whose
// input or class count does not match the data, or empty training indices; datasets::DatasetError
// for indices out of range. A diverging run is not an error: it returns status kDiverged.
TrainResult TrainAndEvaluate(const arch::Architecture& arch, const datasets::ImageSet& train_set,
                             const std::vector<std::int32_t>& train_indices,
                             const std::vector<std::int32_t>& validation_indices,
                             const datasets::ImageSet* test_set, const TrainConfig& config,
                             const ProgressCallback& progress = {});

}  // namespace imcnas::nn

#endif  // IMCNAS_NN_TRAINER_H_
