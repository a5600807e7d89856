// Randomised corruption: truncations, byte flips and garbage appended to small valid files.
// Every reader must either throw DatasetError or return a self-consistent set; never crash,
// hang or read out of bounds (run under --config=asan).
#include <sys/stat.h>
#include <random>
#include <string>
#include <vector>

#include "datasets/cifar.h"
#include "datasets/idx.h"
#include "datasets/registry.h"
#include "gtest/gtest.h"
#include "tests/datasets/test_files.h"

namespace imcnas::datasets {
namespace {

using namespace ::imcnas::datasets::testing;  // NOLINT

void ExpectConsistent(const ImageSet& s, int classes) {
  ASSERT_GT(s.size(), 0u);
  ASSERT_EQ(s.pixels.size(), s.size() * s.image_bytes());
  for (auto l : s.labels) {
    ASSERT_GE(l, 0);
    ASSERT_LT(l, classes);
  }
}

Bytes Corrupt(const Bytes& good, std::mt19937_64& rng) {
  Bytes b = good;
  switch (rng() % 4) {
    case 0:  // truncate anywhere, including to nothing
      b.resize(rng() % (b.size() + 1));
      break;
    case 1: {  // flip 1-4 bytes, biased towards the header where structure lives
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int k = 0; k < flips; ++k) {
        const std::size_t at =
            rng() % 2 ? rng() % std::min<std::size_t>(b.size(), 24) : rng() % b.size();
        b[at] ^= static_cast<std::uint8_t>(1 + rng() % 255);
      }
      break;
    }
    case 2: {  // append garbage
      const std::size_t n = 1 + rng() % 5000;
      for (std::size_t k = 0; k < n; ++k) b.push_back(static_cast<std::uint8_t>(rng()));
      break;
    }
    default:  // truncate and flip
      b.resize(1 + rng() % b.size());
      b[rng() % b.size()] ^= 0xff;
  }
  return b;
}

template <typename Read>
void Fuzz(const std::string& tag, const Bytes& good, const std::string& name, int trials,
          Read read) {
  std::mt19937_64 rng(std::hash<std::string>()(tag) ^ 20261127);
  const std::string dir = MakeTempDir(tag);
  const std::string path = dir + "/" + name;
  int errors = 0;
  for (int t = 0; t < trials; ++t) {
    WriteFile(path, Corrupt(good, rng));
    try {
      read(path);
    } catch (const DatasetError& e) {
      ++errors;
      ASSERT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
  // Truncations alone make errors common; a reader that never complains is broken.
  EXPECT_GT(errors, trials / 5) << tag;
}

TEST(Corruption, IdxImages) {
  Fuzz("idx_images", IdxImagesFile(5, 6, 7), "img", 250,
       [](const std::string& p) { (void)ReadIdxImages(p); });
}

TEST(Corruption, IdxLabelsPaired) {
  const std::string dir = MakeTempDir("idx_pair_images");
  WriteFile(dir + "/img", IdxImagesFile(6, 3, 3));
  Fuzz("idx_labels", IdxLabelsFile({0, 1, 2, 9, 4, 5}), "lab", 250,
       [&](const std::string& p) { ExpectConsistent(ReadIdxImageSet(dir + "/img", p, 10), 10); });
}

TEST(Corruption, IdxGzip) {
  Fuzz("idx_gz", Gzip(IdxImagesFile(8, 6, 6)), "img.gz", 250,
       [](const std::string& p) { (void)ReadIdxImages(p); });
}

TEST(Corruption, Cifar10) {
  Fuzz("cifar10", Cifar10File({1, 9, 0}), "b.bin", 200,
       [](const std::string& p) { ExpectConsistent(ReadCifar10Batch(p), 10); });
}

TEST(Corruption, Cifar100) {
  Fuzz("cifar100", Cifar100File({0, 19, 7}, {99, 3, 50}), "train.bin", 200,
       [](const std::string& p) {
         ExpectConsistent(ReadCifar100(p, Cifar100Labels::kFine), 100);
         ExpectConsistent(ReadCifar100(p, Cifar100Labels::kCoarse), 20);
       });
}

TEST(Corruption, LoadDatasetNeverPassesAPartialSet) {
  const Bytes b1 = Cifar10File({1, 2}), tb = Cifar10File({3, 4});
  const std::string data = MakeTempDir("load_corrupt");
  mkdir((data + "/c").c_str(), 0755);
  WriteFile(data + "/c/tb", tb);
  DatasetSpec spec = FindDataset("cifar10");
  spec.subdir = "c";
  spec.train_size = 2;
  spec.test_size = 2;
  spec.train_files = {{"b1", "", Sha256(b1)}};
  spec.test_files = {{"tb", "", Sha256(tb)}};
  LoadOptions options;
  options.use_checksum_cache = false;
  std::mt19937_64 rng(7);
  for (int t = 0; t < 150; ++t) {
    const Bytes bad = Corrupt(b1, rng);
    WriteFile(data + "/c/b1", bad);
    try {
      const LoadedDataset d = LoadDataset(spec, data, options);
      // Loading succeeded: only a label-preserving pixel change can do that, and it must be
      // reported as not the recognised copy.
      ASSERT_EQ(d.train.size(), 2u);
      ExpectConsistent(d.train, 10);
      if (bad != b1) {
        EXPECT_EQ(d.copy, "CIFAR-10 (unverified copy)");
      }
    } catch (const DatasetError& e) {
      ASSERT_NE(std::string(e.what()).find(data + "/c/b1"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace imcnas::datasets
