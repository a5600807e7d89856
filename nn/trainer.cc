#include "nn/trainer.h"

#include <omp.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "arch/graph.h"
#include "datasets/batch.h"
#include "datasets/normalize.h"
#include "nn/network.h"
#include "nn/sgd.h"

namespace imcnas::nn {
namespace {

[[noreturn]] void Bad(const std::string& message) { throw std::invalid_argument(message); }

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

struct Evaluation {
  double accuracy = std::numeric_limits<double>::quiet_NaN();
  double loss = std::numeric_limits<double>::quiet_NaN();
};

Evaluation Evaluate(Network<float>& net, const datasets::ImageSet& set,
                    const std::vector<std::int32_t>& indices,
                    const datasets::Normalization& norm, int batch_size) {
  Evaluation e;
  if (indices.empty()) return e;
  datasets::BatchIterator it(set, indices, batch_size, norm, datasets::kNoAugmentation, 0, false);
  std::vector<float> images(static_cast<std::size_t>(batch_size) * it.image_floats());
  std::vector<std::int32_t> labels(batch_size);
  double loss = 0;
  long long correct = 0;
  for (int n; (n = it.Next(images.data(), labels.data())) > 0;) {
    const LossResult r =
        SoftmaxCrossEntropy<float>(net.Forward(images.data(), n, false), labels.data(), 0.0, nullptr);
    loss += r.loss * n;
    correct += r.correct;
  }
  e.accuracy = static_cast<double>(correct) / indices.size();
  e.loss = loss / indices.size();
  return e;
}

std::uint64_t Fingerprint(Network<float>& net) {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&](const Vector<float>& v) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(v.data());
    for (std::size_t i = 0; i < v.size() * sizeof(float); ++i) {
      h = (h ^ bytes[i]) * 1099511628211ULL;
    }
  };
  for (auto& p : net.Parameters()) mix(*p.value);
  for (auto* b : net.Buffers()) mix(*b);
  return h;
}

// Whether every weight and BN statistic is finite. The loss check alone can miss a NaN: a NaN
// weight can leave the loss finite for a while, and nothing checks after the last step.
bool AllFinite(Network<float>& net) {
  auto finite = [](const Vector<float>& v) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!std::isfinite(v.data()[i])) return false;
    }
    return true;
  };
  for (auto& p : net.Parameters()) {
    if (!finite(*p.value)) return false;
  }
  for (auto* b : net.Buffers()) {
    if (!finite(*b)) return false;
  }
  return true;
}

}  // namespace

const char* TrainStatusName(TrainStatus status) {
  return status == TrainStatus::kOk ? "ok" : "diverged";
}

void ValidateConfig(const TrainConfig& c) {
  if (c.epochs < 1) Bad("epochs must be at least 1");
  if (c.batch_size < 2) Bad("batch size must be at least 2 (batch normalisation)");
  if (c.eval_batch_size < 0) Bad("evaluation batch size must be non-negative");
  if (!(c.learning_rate > 0) || !std::isfinite(c.learning_rate)) {
    Bad("learning rate must be positive");
  }
  if (!(c.momentum >= 0 && c.momentum < 1)) Bad("momentum must be in [0, 1)");
  if (c.nesterov && c.momentum == 0) Bad("Nesterov needs a positive momentum");
  if (!(c.weight_decay >= 0)) Bad("weight decay must be non-negative");
  if (c.schedule != "cosine" && c.schedule != "step" && c.schedule != "constant") {
    Bad("schedule must be cosine, step or constant, not '" + c.schedule + "'");
  }
  if (!(c.warmup_epochs >= 0 && c.warmup_epochs < c.epochs)) {
    Bad("warm-up epochs must be in [0, epochs)");
  }
  // Only the cosine schedule has a warm-up; a record must not claim one that never happened.
  if (c.warmup_epochs > 0 && c.schedule != "cosine") {
    Bad("warm-up epochs apply to the cosine schedule only");
  }
  if (c.step_epochs < 1) Bad("step epochs must be at least 1");
  if (!(c.step_gamma > 0)) Bad("step gamma must be positive");
  if (!(c.label_smoothing >= 0 && c.label_smoothing < 1)) Bad("label smoothing must be in [0, 1)");
  if (c.threads < 0) Bad("threads must be non-negative");
  if (!(c.divergence_loss > 0)) Bad("divergence loss must be positive");
}

double LearningRate(const TrainConfig& c, long long step, long long steps_per_epoch) {
  const double base = c.learning_rate;
  if (c.schedule == "constant") return base;
  if (c.schedule == "step") {
    const long long epoch = step / steps_per_epoch;
    return base * std::pow(c.step_gamma, static_cast<double>(epoch / c.step_epochs));
  }
  const long long total = static_cast<long long>(c.epochs) * steps_per_epoch;
  const long long warmup = std::llround(c.warmup_epochs * steps_per_epoch);
  if (step < warmup) return base * static_cast<double>(step + 1) / warmup;
  const double progress = static_cast<double>(step - warmup) / std::max(1LL, total - warmup);
  return 0.5 * base * (1 + std::cos(M_PI * progress));
}

TrainResult TrainAndEvaluate(const arch::Architecture& arch, const datasets::ImageSet& train_set,
                             const std::vector<std::int32_t>& train_indices,
                             const std::vector<std::int32_t>& validation_indices,
                             const datasets::ImageSet* test_set, const TrainConfig& config,
                             const ProgressCallback& progress) {
  const auto start = std::chrono::steady_clock::now();
  ValidateConfig(config);
  auto check_set = [&](const datasets::ImageSet& set, const std::string& which) {
    if (set.height != arch.input.height || set.width != arch.input.width ||
        set.channels != arch.input.channels) {
      Bad("the architecture expects " + std::to_string(arch.input.height) + "x" +
          std::to_string(arch.input.width) + "x" + std::to_string(arch.input.channels) +
          " images but the " + which + " set has " + std::to_string(set.height) + "x" +
          std::to_string(set.width) + "x" + std::to_string(set.channels));
    }
    if (set.classes != arch.classes) {
      Bad("the architecture has " + std::to_string(arch.classes) + " classes but the " + which +
          " set has " + std::to_string(set.classes));
    }
  };
  check_set(train_set, "training");
  if (test_set) check_set(*test_set, "test");
  if (train_indices.size() < 2) Bad("training needs at least 2 images");
  if (config.threads > 0) omp_set_num_threads(config.threads);

  const arch::Graph graph = arch::Lower(arch);
  Network<float> net(graph, config.seed);
  SgdOptions sgd_options;
  sgd_options.momentum = config.momentum;
  sgd_options.nesterov = config.nesterov;
  sgd_options.weight_decay = config.weight_decay;
  sgd_options.decay_bn_and_bias = config.decay_bn_and_bias;
  Sgd<float> sgd(net.Parameters(), sgd_options);

  const datasets::Normalization norm = datasets::ComputeNormalization(train_set, train_indices);
  const datasets::Augmentation augmentation =
      config.augment ? datasets::kCifarAugmentation : datasets::kNoAugmentation;
  // The data order and augmentation draw from their own stream, independent of the weights.
  datasets::BatchIterator batches(train_set, train_indices, config.batch_size, norm,
                                  augmentation, config.seed ^ 0x5eedda7a5eedda7aULL, true);
  std::vector<float> images(static_cast<std::size_t>(config.batch_size) * batches.image_floats());
  std::vector<std::int32_t> labels(config.batch_size);
  const long long steps_per_epoch = static_cast<long long>(batches.batches_per_epoch());
  const int eval_batch = config.eval_batch_size > 0 ? config.eval_batch_size : config.batch_size;

  TrainResult result;
  Tensor<float> dlogits;
  long long step = 0;
  double train_seconds = 0;
  long long train_images = 0;
  for (int epoch = 0; epoch < config.epochs && result.status == TrainStatus::kOk; ++epoch) {
    const auto epoch_start = std::chrono::steady_clock::now();
    batches.StartEpoch(epoch);
    double loss_sum = 0;
    long long correct = 0, seen = 0;
    double lr = 0;
    for (int n; (n = batches.Next(images.data(), labels.data())) > 0; ++step) {
      if (n < 2) continue;  // a last batch of one image has no batch statistics
      const LossResult r = SoftmaxCrossEntropy(net.Forward(images.data(), n, true),
                                               labels.data(), config.label_smoothing, &dlogits);
      if (!std::isfinite(r.loss) || r.loss > config.divergence_loss) {
        result.status = TrainStatus::kDiverged;
        result.status_message = "loss " + std::to_string(r.loss) + " at epoch " +
                                std::to_string(epoch + 1) + ", step " + std::to_string(step + 1);
        break;
      }
      net.Backward(dlogits);
      lr = LearningRate(config, step, steps_per_epoch);
      sgd.Step(lr);
      loss_sum += r.loss * n;
      correct += r.correct;
      seen += n;
    }
    const double seconds = Seconds(epoch_start);
    train_seconds += seconds;
    train_images += seen;
    if (result.status == TrainStatus::kOk && !AllFinite(net)) {
      result.status = TrainStatus::kDiverged;
      result.status_message = "a weight or BN statistic is not finite after epoch " +
                              std::to_string(epoch + 1);
    }
    if (result.status != TrainStatus::kOk) break;
    EpochStats stats;
    stats.epoch = epoch + 1;
    stats.train_loss = seen ? loss_sum / seen : 0;
    stats.train_accuracy = seen ? static_cast<double>(correct) / seen : 0;
    stats.learning_rate = lr;
    stats.seconds = seconds;
    stats.images_per_second = seen / seconds;
    stats.validation_accuracy =
        Evaluate(net, train_set, validation_indices, norm, eval_batch).accuracy;
    result.epochs.push_back(stats);
    if (progress) progress(stats);
  }
  const Evaluation validation =
      Evaluate(net, train_set, validation_indices, norm, eval_batch);
  result.validation_accuracy = validation.accuracy;
  result.validation_loss = validation.loss;
  result.test_accuracy = result.test_loss = std::numeric_limits<double>::quiet_NaN();
  if (test_set && test_set->size() > 0) {
    std::vector<std::int32_t> all(test_set->size());
    std::iota(all.begin(), all.end(), 0);
    const Evaluation test = Evaluate(net, *test_set, all, norm, eval_batch);
    result.test_accuracy = test.accuracy;
    result.test_loss = test.loss;
  }
  result.weights_fingerprint = Fingerprint(net);
  result.images_per_second = train_seconds > 0 ? train_images / train_seconds : 0;
  result.wall_seconds = Seconds(start);
  return result;
}

}  // namespace imcnas::nn
