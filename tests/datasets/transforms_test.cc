// Stratified split, normalisation and the batch iterator (shuffle, augmentation, layout).
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include "datasets/batch.h"
#include "datasets/normalize.h"
#include "datasets/split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/test_files.h"

namespace imcnas::datasets {
namespace {

using ::testing::HasSubstr;
using ::imcnas::datasets::testing::ErrorOf;

std::vector<std::int32_t> Labels(std::size_t n, int classes) {
  std::vector<std::int32_t> labels(n);
  for (std::size_t i = 0; i < n; ++i)
    labels[i] = static_cast<std::int32_t>((i * 7 + i / 3) % classes);
  return labels;
}

// A set with pixel values that differ per image, position and channel.
ImageSet MakeSet(std::size_t n, int h, int w, int c, int classes) {
  ImageSet s;
  s.height = h;
  s.width = w;
  s.channels = c;
  s.classes = classes;
  s.labels = Labels(n, classes);
  s.pixels.resize(n * h * w * c);
  for (std::size_t i = 0; i < s.pixels.size(); ++i) {
    s.pixels[i] = static_cast<std::uint8_t>((i * 2654435761u) >> 13);
  }
  return s;
}

TEST(StratifiedSplit, SizesProportionsAndDisjointCover) {
  const auto labels = Labels(1000, 10);
  const Split s = StratifiedSplit(labels, 10, 100, 42);
  ASSERT_EQ(s.validation.size(), 100u);
  ASSERT_EQ(s.train.size(), 900u);
  EXPECT_TRUE(std::is_sorted(s.train.begin(), s.train.end()));
  EXPECT_TRUE(std::is_sorted(s.validation.begin(), s.validation.end()));
  std::vector<std::int32_t> all = s.train;
  all.insert(all.end(), s.validation.begin(), s.validation.end());
  std::sort(all.begin(), all.end());
  std::vector<std::int32_t> expected(1000);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(all, expected);
  std::vector<int> per_class(10, 0), class_size(10, 0);
  for (auto l : labels) ++class_size[l];
  for (auto i : s.validation) ++per_class[labels[i]];
  // Each class gets the floor or the ceiling of its exact share (size / 10).
  for (int c = 0; c < 10; ++c) {
    EXPECT_GE(per_class[c], class_size[c] / 10) << c;
    EXPECT_LE(per_class[c], (class_size[c] + 9) / 10) << c;
  }
}

TEST(StratifiedSplit, UnevenClassesGetLargestRemainders) {
  // Classes of 5, 3 and 2 items, 5 to validation: exact shares 2.5, 1.5, 1.0 -> 3, 1, 1 (the
  // tie at .5 goes to the lower class).
  const std::vector<std::int32_t> labels = {0, 0, 0, 0, 0, 1, 1, 1, 2, 2};
  const Split s = StratifiedSplit(labels, 3, 5, 7);
  std::vector<int> per_class(3, 0);
  for (auto i : s.validation) ++per_class[labels[i]];
  EXPECT_EQ(per_class, (std::vector<int>{3, 1, 1}));
  // An empty class is fine; so are the extremes.
  EXPECT_EQ(StratifiedSplit(labels, 5, 10, 1).validation.size(), 10u);
  EXPECT_EQ(StratifiedSplit(labels, 3, 0, 1).train.size(), 10u);
  EXPECT_TRUE(StratifiedSplit({}, 3, 0, 1).train.empty());
}

TEST(StratifiedSplit, DeterministicPerSeed) {
  const auto labels = Labels(5000, 10);
  const Split a = StratifiedSplit(labels, 10, 500, 1);
  const Split b = StratifiedSplit(labels, 10, 500, 1);
  const Split c = StratifiedSplit(labels, 10, 500, 2);
  EXPECT_EQ(a.validation, b.validation);
  EXPECT_NE(a.validation, c.validation);
}

TEST(StratifiedSplit, BadArguments) {
  EXPECT_THAT(ErrorOf([] { StratifiedSplit({0, 1}, 2, 3, 0); }), HasSubstr("exceeds"));
  EXPECT_THAT(ErrorOf([] { StratifiedSplit({0, 2}, 2, 1, 0); }), HasSubstr("label 2 of image 1"));
  EXPECT_THAT(ErrorOf([] { StratifiedSplit({0, -1}, 2, 1, 0); }), HasSubstr("label -1"));
  EXPECT_THAT(ErrorOf([] { StratifiedSplit({0}, 0, 0, 0); }), HasSubstr("classes"));
}

TEST(Normalization, MatchesDirectComputation) {
  const ImageSet set = MakeSet(50, 5, 6, 3, 4);
  std::vector<std::int32_t> idx = {0, 3, 7, 8, 20, 49};
  const Normalization n = ComputeNormalization(set, idx);
  ASSERT_EQ(n.mean.size(), 3u);
  for (int c = 0; c < 3; ++c) {
    double sum = 0, sq = 0, count = 0;
    for (auto i : idx) {
      for (int p = 0; p < 30; ++p) {
        const double v = set.image(i)[p * 3 + c] / 255.0;
        sum += v;
        sq += v * v;
        ++count;
      }
    }
    const double mean = sum / count;
    EXPECT_NEAR(n.mean[c], mean, 1e-6);
    EXPECT_NEAR(n.stddev[c], std::sqrt(sq / count - mean * mean), 1e-6);
  }
}

TEST(Normalization, SameBitsForAnyThreadCount) {
  const ImageSet set = MakeSet(3000, 8, 8, 3, 10);
  std::vector<std::int32_t> idx(3000);
  std::iota(idx.begin(), idx.end(), 0);
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const Normalization one = ComputeNormalization(set, idx);
  omp_set_num_threads(3);
  const Normalization three = ComputeNormalization(set, idx);
  omp_set_num_threads(saved);
  EXPECT_EQ(std::memcmp(one.mean.data(), three.mean.data(), 12), 0);
  EXPECT_EQ(std::memcmp(one.stddev.data(), three.stddev.data(), 12), 0);
}

TEST(Normalization, BadArguments) {
  const ImageSet set = MakeSet(4, 2, 2, 1, 2);
  EXPECT_THAT(ErrorOf([&] { ComputeNormalization(set, {}); }), HasSubstr("no images"));
  EXPECT_THAT(ErrorOf([&] { ComputeNormalization(set, {4}); }), HasSubstr("index 4"));
}

// Everything an epoch yields, for comparisons.
struct Epoch {
  std::vector<float> images;
  std::vector<std::int32_t> labels;
  std::vector<int> counts;
};

Epoch RunEpoch(BatchIterator& it, int epoch) {
  it.StartEpoch(epoch);
  Epoch e;
  std::vector<float> buf(it.batch_size() * it.image_floats());
  std::vector<std::int32_t> lab(it.batch_size());
  while (int n = it.Next(buf.data(), lab.data())) {
    e.counts.push_back(n);
    e.images.insert(e.images.end(), buf.begin(), buf.begin() + n * it.image_floats());
    e.labels.insert(e.labels.end(), lab.begin(), lab.begin() + n);
  }
  return e;
}

TEST(BatchIterator, PlainBatchesAreNormalisedNchwInOrder) {
  const ImageSet set = MakeSet(10, 3, 4, 2, 5);
  const Normalization norm{{0.25f, 0.5f}, {0.5f, 2.0f}};
  std::vector<std::int32_t> idx = {9, 2, 4, 0, 7};
  BatchIterator it(set, idx, 2, norm, kNoAugmentation, 1, /*shuffle=*/false);
  EXPECT_EQ(it.size(), 5u);
  EXPECT_EQ(it.batches_per_epoch(), 3u);
  const Epoch e = RunEpoch(it, 0);
  EXPECT_EQ(e.counts, (std::vector<int>{2, 2, 1}));
  for (std::size_t b = 0; b < idx.size(); ++b) {
    EXPECT_EQ(e.labels[b], set.labels[idx[b]]);
    for (int c = 0; c < 2; ++c) {
      for (int y = 0; y < 3; ++y) {
        for (int x = 0; x < 4; ++x) {
          const float v = set.image(idx[b])[(y * 4 + x) * 2 + c];
          const float want = (v / 255.0f - norm.mean[c]) / norm.stddev[c];
          ASSERT_EQ(e.images[b * 24 + c * 12 + y * 4 + x], want);
        }
      }
    }
  }
  float dummy[24];
  std::int32_t l[2];
  EXPECT_EQ(it.Next(dummy, l), 0);  // stays at the end
}

TEST(BatchIterator, ShuffleIsAPermutationFixedBySeedAndEpoch) {
  const ImageSet set = MakeSet(100, 2, 2, 1, 10);
  std::vector<std::int32_t> idx(100);
  std::iota(idx.begin(), idx.end(), 0);
  const Normalization norm{{0.f}, {1.f}};
  BatchIterator a(set, idx, 7, norm, kNoAugmentation, 5, true);
  BatchIterator b(set, idx, 7, norm, kNoAugmentation, 5, true);
  BatchIterator c(set, idx, 7, norm, kNoAugmentation, 6, true);
  const Epoch a0 = RunEpoch(a, 0), a1 = RunEpoch(a, 1), a0again = RunEpoch(a, 0);
  EXPECT_EQ(a0.images, a0again.images);
  EXPECT_EQ(a0.images, RunEpoch(b, 0).images);
  EXPECT_NE(a0.labels, a1.labels);
  EXPECT_NE(a0.images, RunEpoch(c, 0).images);
  // A permutation: the first pixel of each 2x2 image identifies it here.
  std::multiset<float> seen(a1.images.begin(), a1.images.end());
  BatchIterator plain(set, idx, 100, norm, kNoAugmentation, 5, false);
  const Epoch p = RunEpoch(plain, 3);
  EXPECT_EQ(seen, std::multiset<float>(p.images.begin(), p.images.end()));
  EXPECT_NE(a1.images, p.images);
}

// Every augmented image must be some crop offset (|dy|, |dx| <= pad) and flip of its source,
// with zero (pixel value 0) where the crop leaves the image.
TEST(BatchIterator, AugmentationIsPadCropAndFlip) {
  const int h = 6, w = 5, ch = 3, pad = 2;
  const ImageSet set = MakeSet(40, h, w, ch, 4);
  std::vector<std::int32_t> idx(40);
  std::iota(idx.begin(), idx.end(), 0);
  const Normalization norm{{0.1f, 0.2f, 0.3f}, {0.9f, 1.1f, 1.3f}};
  BatchIterator it(set, idx, 16, norm, Augmentation{pad, true}, 11, /*shuffle=*/false);
  std::set<std::pair<int, int>> offsets;
  int flips = 0;
  for (int epoch = 0; epoch < 5; ++epoch) {
    const Epoch e = RunEpoch(it, epoch);
    for (int b = 0; b < 40; ++b) {
      bool found = false;
      for (int dy = -pad; dy <= pad && !found; ++dy) {
        for (int dx = -pad; dx <= pad && !found; ++dx) {
          for (int flip = 0; flip < 2 && !found; ++flip) {
            bool same = true;
            for (int c = 0; c < ch && same; ++c) {
              for (int y = 0; y < h && same; ++y) {
                for (int x = 0; x < w && same; ++x) {
                  const int sy = y + dy, sx = (flip ? w - 1 - x : x) + dx;
                  const bool in = sy >= 0 && sy < h && sx >= 0 && sx < w;
                  const float v = in ? set.image(b)[(sy * w + sx) * ch + c] : 0.0f;
                  const float want = (v / 255.0f - norm.mean[c]) / norm.stddev[c];
                  same = e.images[b * ch * h * w + c * h * w + y * w + x] == want;
                }
              }
            }
            if (same) {
              found = true;
              offsets.insert({dy, dx});
              flips += flip;
            }
          }
        }
      }
      ASSERT_TRUE(found) << "epoch " << epoch << " image " << b;
    }
  }
  // 200 draws cover most of the 25 offsets, and flips happen about half the time.
  EXPECT_GE(offsets.size(), 20u);
  EXPECT_GT(flips, 60);
  EXPECT_LT(flips, 140);
}

TEST(BatchIterator, SameBitsForAnyThreadCountBatchSizeAndHistory) {
  const ImageSet set = MakeSet(700, 32, 32, 3, 10);
  std::vector<std::int32_t> idx(700);
  std::iota(idx.begin(), idx.end(), 0);
  const Normalization norm = ComputeNormalization(set, idx);
  const int saved = omp_get_max_threads();
  // 512 CIFAR-sized images per batch take the OpenMP path, 64 do not.
  omp_set_num_threads(1);
  BatchIterator one(set, idx, 512, norm, kCifarAugmentation, 99, true);
  const Epoch e1 = RunEpoch(one, 3);
  omp_set_num_threads(4);
  BatchIterator four(set, idx, 512, norm, kCifarAugmentation, 99, true);
  RunEpoch(four, 0);  // history must not matter
  const Epoch e4 = RunEpoch(four, 3);
  BatchIterator small(set, idx, 64, norm, kCifarAugmentation, 99, true);
  const Epoch e64 = RunEpoch(small, 3);
  omp_set_num_threads(saved);
  ASSERT_EQ(e1.images.size(), e4.images.size());
  EXPECT_EQ(std::memcmp(e1.images.data(), e4.images.data(), e1.images.size() * sizeof(float)), 0);
  EXPECT_EQ(e1.labels, e4.labels);
  EXPECT_EQ(e1.counts, (std::vector<int>{512, 188}));
  // The epoch's stream depends on positions, not on how it is cut into batches.
  ASSERT_EQ(e64.images.size(), e1.images.size());
  EXPECT_EQ(std::memcmp(e1.images.data(), e64.images.data(), e1.images.size() * sizeof(float)), 0);
  EXPECT_EQ(e64.counts.size(), 11u);
}

TEST(BatchIterator, BadArguments) {
  const ImageSet set = MakeSet(4, 4, 4, 1, 2);
  const Normalization norm{{0.f}, {1.f}};
  EXPECT_THAT(ErrorOf([&] { BatchIterator(set, {0}, 0, norm, {}, 0, false); }),
              HasSubstr("batch size"));
  EXPECT_THAT(ErrorOf([&] {
                BatchIterator(set, {0, 4}, 1, norm, {}, 0, false);
              }),
              HasSubstr("index 4"));
  EXPECT_THAT(ErrorOf([&] {
                BatchIterator(set, {0}, 1, {{0.f, 0.f}, {1.f, 1.f}}, {}, 0, false);
              }),
              HasSubstr("1 channels"));
  EXPECT_THAT(ErrorOf([&] {
                BatchIterator(set, {0}, 1, {{0.f}, {0.f}}, {}, 0, false);
              }),
              HasSubstr("positive"));
  EXPECT_THAT(ErrorOf([&] {
                BatchIterator(set, {0}, 1, norm, {5, false}, 0, false);
              }),
              HasSubstr("pad_crop 5"));
  EXPECT_THAT(ErrorOf([&] {
                BatchIterator(set, {0}, 1, norm, {-1, false}, 0, false);
              }),
              HasSubstr("pad_crop -1"));
  BatchIterator ok(set, {}, 3, norm, {}, 0, true);  // an empty split is allowed
  EXPECT_EQ(ok.batches_per_epoch(), 0u);
  EXPECT_THAT(ErrorOf([&] { ok.StartEpoch(-1); }), HasSubstr("epoch"));
  ImageSet broken = set;
  broken.pixels.pop_back();
  EXPECT_THAT(ErrorOf([&] { BatchIterator(broken, {0}, 1, norm, {}, 0, false); }),
              HasSubstr("malformed"));
}

}  // namespace
}  // namespace imcnas::datasets
