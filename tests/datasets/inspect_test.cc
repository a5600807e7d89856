// The inspect tool's exit status and messages, run as a subprocess on data the test writes.
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/test_files.h"

namespace imcnas::datasets {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using namespace ::imcnas::datasets::testing;  // NOLINT

struct Result {
  int status = -1;
  std::string output;  // stdout and stderr
};

Result Inspect(const std::string& args) {
  // Tests start in the runfiles root, where the tool is at datasets/inspect.
  const std::string cmd = "datasets/inspect " + args + " 2>&1";
  Result r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) r.output.append(buf, n);
  const int raw = pclose(p);
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return r;
}

TEST(Inspect, BadFlagsExitTwo) {
  Result r = Inspect("");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("--dataset and --data_dir are required"));
  r = Inspect("--dataset mnist --data_dir /x --frobnicate 3");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, AllOf(HasSubstr("bad flags"), HasSubstr("frobnicate")));
  r = Inspect("--dataset svhn --data_dir /x");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, AllOf(HasSubstr("unknown data set 'svhn'"), HasSubstr("cifar100_coarse")));
  r = Inspect("--dataset mnist --data_dir /x --validation_size -3");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("--validation_size -3"));
  r = Inspect("--dataset mnist --data_dir /x --seed abc");
  EXPECT_EQ(r.status, 2);
  r = Inspect("--dataset --data_dir /x");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("--dataset needs a value"));
  r = Inspect("--dataset mnist --data_dir /x stray");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("unexpected argument 'stray'"));
}

TEST(Inspect, BadDataExitsOneNamingTheFault) {
  const std::string dir = MakeTempDir("inspect_bad");
  Result r = Inspect("--dataset mnist --data_dir " + dir + "/absent");
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output, AllOf(HasSubstr(dir + "/absent"), HasSubstr("not found")));
  mkdir((dir + "/cifar10").c_str(), 0755);
  r = Inspect("--dataset cifar10 --data_dir " + dir);
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output,
              AllOf(HasSubstr(dir + "/cifar10/data_batch_1.bin"), HasSubstr("not found")));
  WriteFile(dir + "/one.bin", Cifar10File({1, 2}));
  const Bytes b = ReadFile(dir + "/one.bin");
  WriteFile(dir + "/one.bin", Bytes(b.begin(), b.end() - 5));
  r = Inspect("--cifar10_batch " + dir + "/one.bin");
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(r.output, AllOf(HasSubstr(dir + "/one.bin"), HasSubstr("not a whole number")));
}

// A full-size MNIST-shaped set (synthetic pixels): loads with checksums off, and with them on
// fails naming the file and both sums.
TEST(Inspect, ReportsCountsAndChecksumStatus) {
  const std::string dir = MakeTempDir("inspect_ok");
  mkdir((dir + "/mnist").c_str(), 0755);
  std::vector<std::uint8_t> train_labels(60000), test_labels(10000);
  for (std::size_t i = 0; i < train_labels.size(); ++i) train_labels[i] = i % 10;
  for (std::size_t i = 0; i < test_labels.size(); ++i) test_labels[i] = (i / 1000) % 10;
  const Bytes train_images = IdxImagesFile(60000, 28, 28);
  WriteFile(dir + "/mnist/train-images-idx3-ubyte", train_images);
  WriteFile(dir + "/mnist/train-labels-idx1-ubyte.gz", Gzip(IdxLabelsFile(train_labels)));
  WriteFile(dir + "/mnist/t10k-images-idx3-ubyte", IdxImagesFile(10000, 28, 28));
  WriteFile(dir + "/mnist/t10k-labels-idx1-ubyte", IdxLabelsFile(test_labels));
  Result r = Inspect("--dataset mnist --data_dir " + dir + " --verify_checksums=false");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_THAT(r.output, AllOf(HasSubstr("MNIST (unverified copy)"), HasSubstr("not checked"),
                              HasSubstr("train 55000 + validation 5000"), HasSubstr("test 10000"),
                              HasSubstr("load time"), HasSubstr("train-labels-idx1-ubyte.gz")));
  EXPECT_THAT(r.output,
              HasSubstr("    0  0                                  5500        500     1000"));
  r = Inspect("--dataset mnist --data_dir " + dir);
  EXPECT_EQ(r.status, 1);
  EXPECT_THAT(
      r.output,
      AllOf(HasSubstr(dir + "/mnist/train-images-idx3-ubyte: sha256 mismatch"),
            HasSubstr("expected ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
            HasSubstr("got " + Sha256(train_images))));
}

}  // namespace
}  // namespace imcnas::datasets
