// The real data sets, when present: full MNIST and Fashion-MNIST with their official checksums,
// and CIFAR-10 (never reported as official). Skipped when the files are absent.
//
// Where the files come from: $IMCNAS_DATA_DIR if set (bazel test --test_env=IMCNAS_DATA_DIR=
// /abs/path/data), else data/ of the workspace, which //:real_data puts in the runfiles (so
// tools/test.sh checks whatever tools/setup.sh installed).
#include <sys/stat.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "datasets/registry.h"
#include "gtest/gtest.h"

namespace imcnas::datasets {
namespace {

std::string DataDir() {
  const char* env = std::getenv("IMCNAS_DATA_DIR");
  return env != nullptr && *env != '\0' ? env : "data";
}

bool Present(const std::string& name) {
  const DatasetSpec& spec = FindDataset(name);
  for (const auto* files : {&spec.train_files, &spec.test_files}) {
    for (const DatasetFile& f : *files) {
      struct stat st;
      const std::string path = DataDir() + "/" + spec.subdir + "/" + f.name;
      if (stat(path.c_str(), &st) != 0 && stat((path + ".gz").c_str(), &st) != 0) return false;
    }
  }
  return true;
}

std::vector<int> Counts(const ImageSet& set) {
  std::vector<int> counts(static_cast<std::size_t>(set.classes), 0);
  for (auto l : set.labels) ++counts[static_cast<std::size_t>(l)];
  return counts;
}

TEST(RealData, Mnist) {
  if (!Present("mnist")) GTEST_SKIP() << "MNIST not in " << DataDir() << " (run tools/setup.sh)";
  const LoadedDataset d = LoadDataset("mnist", DataDir());
  EXPECT_EQ(d.copy, "MNIST (official files, sha256 verified)");
  for (const FileStatus& f : d.files) EXPECT_EQ(f.status, "verified") << f.file;
  ASSERT_EQ(d.train.size(), 60000u);
  ASSERT_EQ(d.test.size(), 10000u);
  EXPECT_EQ(d.train.height, 28);
  // The published class frequencies of MNIST.
  EXPECT_EQ(Counts(d.train),
            (std::vector<int>{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}));
  EXPECT_EQ(Counts(d.test),
            (std::vector<int>{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}));
  EXPECT_EQ(d.train.labels[0], 5);  // the famous first training digit
  EXPECT_EQ(d.test.labels[0], 7);
}

TEST(RealData, FashionMnist) {
  if (!Present("fashion_mnist")) {
    GTEST_SKIP() << "Fashion-MNIST not in " << DataDir() << " (run tools/setup.sh)";
  }
  const LoadedDataset d = LoadDataset("fashion_mnist", DataDir());
  EXPECT_EQ(d.copy, "Fashion-MNIST (official files, sha256 verified)");
  for (const FileStatus& f : d.files) EXPECT_EQ(f.status, "verified") << f.file;
  ASSERT_EQ(d.train.size(), 60000u);
  ASSERT_EQ(d.test.size(), 10000u);
  EXPECT_EQ(Counts(d.train), std::vector<int>(10, 6000));
  EXPECT_EQ(Counts(d.test), std::vector<int>(10, 1000));
  EXPECT_EQ(d.train.labels[0], 9);  // ankle boot
}

TEST(RealData, Cifar10IsNeverCalledOfficial) {
  if (!Present("cifar10")) GTEST_SKIP() << "CIFAR-10 not in " << DataDir() << " (optional)";
  const LoadedDataset d = LoadDataset("cifar10", DataDir());
  EXPECT_TRUE(d.copy == "CIFAR-10 (JPEG-degraded copy)" || d.copy == "CIFAR-10 (unverified copy)")
      << d.copy;
  ASSERT_EQ(d.train.size(), 50000u);
  ASSERT_EQ(d.test.size(), 10000u);
  EXPECT_EQ(Counts(d.train), std::vector<int>(10, 5000));
  EXPECT_EQ(Counts(d.test), std::vector<int>(10, 1000));
  // Official order and labels (kept by the JPEG-degraded copy too).
  EXPECT_EQ(std::vector<std::int32_t>(d.train.labels.begin(), d.train.labels.begin() + 10),
            (std::vector<std::int32_t>{6, 9, 9, 4, 1, 1, 2, 7, 8, 3}));
}

}  // namespace
}  // namespace imcnas::datasets
