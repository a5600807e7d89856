// The training loop on a small synthetic image set: it learns, it is bit-identical run after run
// and with 1 or 2 OpenMP threads, it stops with a status when it diverges, and it rejects bad
// configurations and mismatching data with clear errors.
#include <omp.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "arch/architecture.h"
#include "datasets/dataset.h"
#include "nn/trainer.h"

namespace imcnas::nn {
namespace {

// Class k brightens quadrant k of an 8x8 image; the rest is noise.
datasets::ImageSet ToySet(int images, std::uint64_t seed) {
  datasets::ImageSet set;
  set.height = set.width = 8;
  set.channels = 1;
  set.classes = 3;
  std::mt19937_64 g(seed);
  for (int i = 0; i < images; ++i) {
    const int label = i % 3;
    set.labels.push_back(label);
    for (int y = 0; y < 8; ++y) {
      for (int x = 0; x < 8; ++x) {
        const int quadrant = (y / 4) * 2 + x / 4;
        const int base = quadrant == label ? 150 : 60;
        set.pixels.push_back(static_cast<std::uint8_t>(base + g() % 80));
      }
    }
  }
  return set;
}

arch::Architecture ToyArch() {
  return arch::ParseArchitecture(
      R"({"input": [8, 8, 1], "classes": 3, "blocks": [["RES", 4], ["VGG", 6]]})");
}

std::vector<std::int32_t> Range(int begin, int end) {
  std::vector<std::int32_t> v;
  for (int i = begin; i < end; ++i) v.push_back(i);
  return v;
}

TrainConfig ToyConfig(int threads) {
  TrainConfig c;
  c.epochs = 8;
  c.batch_size = 16;
  c.learning_rate = 0.05;
  c.warmup_epochs = 1;
  c.label_smoothing = 0.1;
  c.seed = 42;
  c.threads = threads;
  c.augment = false;  // a 4-pixel shift would erase the quadrant cue of ToySet
  return c;
}

TEST(Trainer, LearnsAndIsBitIdenticalAcrossRunsAndThreadCounts) {
  const datasets::ImageSet train = ToySet(120, 1);
  const datasets::ImageSet test = ToySet(30, 2);
  const auto a = TrainAndEvaluate(ToyArch(), train, Range(0, 96), Range(96, 120), &test,
                                  ToyConfig(1));
  const auto b = TrainAndEvaluate(ToyArch(), train, Range(0, 96), Range(96, 120), &test,
                                  ToyConfig(1));
  const auto c = TrainAndEvaluate(ToyArch(), train, Range(0, 96), Range(96, 120), &test,
                                  ToyConfig(2));
  ASSERT_EQ(a.status, TrainStatus::kOk) << a.status_message;
  EXPECT_GT(a.test_accuracy, 0.8);  // chance is 1/3
  EXPECT_EQ(a.epochs.size(), 8u);
  for (const TrainResult* other : {&b, &c}) {
    EXPECT_EQ(a.weights_fingerprint, other->weights_fingerprint);
    EXPECT_EQ(a.validation_accuracy, other->validation_accuracy);
    EXPECT_EQ(a.validation_loss, other->validation_loss);
    EXPECT_EQ(a.test_loss, other->test_loss);
    for (std::size_t e = 0; e < a.epochs.size(); ++e) {
      EXPECT_EQ(a.epochs[e].train_loss, other->epochs[e].train_loss);
    }
  }
  // A different seed gives a different network.
  TrainConfig other_seed = ToyConfig(2);
  other_seed.seed = 43;
  const auto d = TrainAndEvaluate(ToyArch(), train, Range(0, 96), Range(96, 120), &test,
                                  other_seed);
  EXPECT_NE(a.weights_fingerprint, d.weights_fingerprint);
}

TEST(Trainer, DivergenceStopsWithAStatus) {
  const datasets::ImageSet train = ToySet(48, 3);
  TrainConfig c = ToyConfig(2);
  c.learning_rate = 1e6;
  c.warmup_epochs = 0;
  c.schedule = "constant";
  const auto r = TrainAndEvaluate(ToyArch(), train, Range(0, 48), {}, nullptr, c);
  EXPECT_EQ(r.status, TrainStatus::kDiverged);
  EXPECT_NE(r.status_message.find("loss"), std::string::npos);
  EXPECT_TRUE(std::isnan(r.test_accuracy));
  EXPECT_TRUE(std::isnan(r.validation_accuracy));
}

// One step per epoch: its loss (from the initial weights) is fine, and the update with a
// learning rate overflowing float makes the weights non-finite after the last step, where no
// loss is computed any more. The run must still end as diverged.
TEST(Trainer, NonFiniteWeightsAfterTheLastStepAreDivergence) {
  const datasets::ImageSet train = ToySet(16, 3);
  TrainConfig c = ToyConfig(1);
  c.epochs = 1;
  c.learning_rate = 1e300;
  c.warmup_epochs = 0;
  c.schedule = "constant";
  const auto r = TrainAndEvaluate(ToyArch(), train, Range(0, 16), {}, nullptr, c);
  EXPECT_EQ(r.status, TrainStatus::kDiverged);
  EXPECT_NE(r.status_message.find("not finite after epoch 1"), std::string::npos)
      << r.status_message;
}

TEST(Trainer, WarmUpOnlyWithCosine) {
  TrainConfig c = ToyConfig(1);
  c.schedule = "step";
  EXPECT_THROW(ValidateConfig(c), std::invalid_argument);
  c.warmup_epochs = 0;
  EXPECT_NO_THROW(ValidateConfig(c));
}

TEST(Trainer, LearningRateSchedules) {
  TrainConfig c;
  c.epochs = 10;
  c.learning_rate = 0.1;
  c.warmup_epochs = 2;
  EXPECT_DOUBLE_EQ(LearningRate(c, 0, 10), 0.1 / 20);
  EXPECT_DOUBLE_EQ(LearningRate(c, 19, 10), 0.1);
  EXPECT_DOUBLE_EQ(LearningRate(c, 20, 10), 0.1);
  EXPECT_NEAR(LearningRate(c, 60, 10), 0.05, 1e-12);  // half-way through the cosine
  EXPECT_NEAR(LearningRate(c, 99, 10), 0.5 * 0.1 * (1 + std::cos(M_PI * 79 / 80)), 1e-12);
  c.schedule = "step";
  c.step_epochs = 3;
  c.step_gamma = 0.5;
  EXPECT_DOUBLE_EQ(LearningRate(c, 29, 10), 0.1);
  EXPECT_DOUBLE_EQ(LearningRate(c, 30, 10), 0.05);
  EXPECT_DOUBLE_EQ(LearningRate(c, 65, 10), 0.025);
}

std::string ErrorOf(const TrainConfig& c, const datasets::ImageSet& set,
                    const arch::Architecture& a) {
  try {
    TrainAndEvaluate(a, set, Range(0, 12), {}, nullptr, c);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

TEST(Trainer, RejectsBadConfigAndMismatchingData) {
  const datasets::ImageSet set = ToySet(12, 4);
  TrainConfig c = ToyConfig(1);
  c.epochs = 1;
  c.warmup_epochs = 0;
  TrainConfig bad = c;
  bad.learning_rate = -1;
  EXPECT_NE(ErrorOf(bad, set, ToyArch()).find("learning rate"), std::string::npos);
  bad = c;
  bad.schedule = "linear";
  EXPECT_NE(ErrorOf(bad, set, ToyArch()).find("schedule"), std::string::npos);
  bad = c;
  bad.batch_size = 1;
  EXPECT_NE(ErrorOf(bad, set, ToyArch()).find("batch"), std::string::npos);
  const auto wrong_input = arch::ParseArchitecture(
      R"({"input": [28, 28, 1], "classes": 3, "blocks": [["VGG", 4]]})");
  EXPECT_NE(ErrorOf(c, set, wrong_input).find("28x28x1"), std::string::npos);
  const auto wrong_classes = arch::ParseArchitecture(
      R"({"input": [8, 8, 1], "classes": 10, "blocks": [["VGG", 4]]})");
  EXPECT_NE(ErrorOf(c, set, wrong_classes).find("classes"), std::string::npos);
}

}  // namespace
}  // namespace imcnas::nn
