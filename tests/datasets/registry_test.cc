// The registry and LoadDataset on small data directories the test writes.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "datasets/registry.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/test_files.h"

namespace imcnas::datasets {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace ::imcnas::datasets::testing;  // NOLINT

TEST(Registry, KnowsTheFiveSets) {
  EXPECT_THAT(KnownDatasets(),
              ElementsAre("mnist", "fashion_mnist", "cifar10", "cifar100", "cifar100_coarse"));
  const DatasetSpec& mnist = FindDataset("mnist");
  EXPECT_EQ(mnist.height, 28);
  EXPECT_EQ(mnist.channels, 1);
  EXPECT_EQ(mnist.train_size, 60000u);
  EXPECT_EQ(mnist.test_size, 10000u);
  EXPECT_FALSE(mnist.augment_by_default);
  EXPECT_EQ(mnist.train_files[0].name, "train-images-idx3-ubyte");
  EXPECT_EQ(mnist.train_files[0].official_sha256,
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db");
  EXPECT_EQ(FindDataset("fashion_mnist").test_files[1].official_sha256,
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34");
  EXPECT_EQ(FindDataset("fashion_mnist").class_names[9], "Ankle boot");
  const DatasetSpec& cifar10 = FindDataset("cifar10");
  EXPECT_EQ(cifar10.channels, 3);
  EXPECT_TRUE(cifar10.augment_by_default);
  EXPECT_EQ(cifar10.train_files.size(), 5u);
  EXPECT_EQ(cifar10.default_validation_size, 5000u);
  for (const auto& f : cifar10.train_files) {
    EXPECT_TRUE(f.official_sha256.empty()) << "no official CIFAR-10 sums are known here";
    EXPECT_EQ(f.jpeg_degraded_sha256.size(), 64u);
  }
  EXPECT_EQ(cifar10.class_names[0], "airplane");
  for (const char* name : {"cifar100", "cifar100_coarse"}) {
    const DatasetSpec& s = FindDataset(name);
    EXPECT_EQ(static_cast<int>(s.class_names.size()), s.classes);
    EXPECT_EQ(std::set<std::string>(s.class_names.begin(), s.class_names.end()).size(),
              s.class_names.size());
  }
  EXPECT_EQ(FindDataset("cifar100").classes, 100);
  EXPECT_EQ(FindDataset("cifar100").class_names[99], "worm");
  EXPECT_EQ(FindDataset("cifar100_coarse").classes, 20);
  for (const std::string& name : KnownDatasets()) {
    const DatasetSpec& s = FindDataset(name);
    EXPECT_EQ(static_cast<int>(s.class_names.size()), s.classes) << name;
  }
}

TEST(Registry, UnknownNameListsKnownOnes) {
  EXPECT_THAT(
      ErrorOf([] { FindDataset("svhn"); }),
      AllOf(HasSubstr("unknown data set 'svhn'"), HasSubstr("mnist, fashion_mnist, cifar10")));
  EXPECT_THAT(ErrorOf([] { LoadDataset("cifar", "/nonexistent"); }), HasSubstr("'cifar'"));
}

// A 4x4 IDX set with 3 classes: 6 training images, 2 test images.
struct TinyIdx {
  std::string dir;  // the data directory (files are in dir/tiny/)
  DatasetSpec spec;
  Bytes train_images = IdxImagesFile(6, 4, 4), train_labels = IdxLabelsFile({0, 1, 2, 0, 1, 2});
  Bytes test_images = IdxImagesFile(2, 4, 4), test_labels = IdxLabelsFile({2, 0});

  explicit TinyIdx(bool gzip = false) {
    dir = MakeTempDir("tinyidx");
    mkdir((dir + "/tiny").c_str(), 0755);
    const std::string ext = gzip ? ".gz" : "";
    auto put = [&](const std::string& name, const Bytes& b) {
      WriteFile(dir + "/tiny/" + name + ext, gzip ? Gzip(b) : b);
    };
    put("ti", train_images);
    put("tl", train_labels);
    put("vi", test_images);
    put("vl", test_labels);
    spec.name = "tiny";
    spec.display_name = "Tiny";
    spec.height = spec.width = 4;
    spec.channels = 1;
    spec.classes = 3;
    spec.class_names = {"a", "b", "c"};
    spec.train_size = 6;
    spec.test_size = 2;
    spec.default_validation_size = 3;
    spec.format = FileFormat::kIdx;
    spec.subdir = "tiny";
    spec.train_files = {{"ti", Sha256(train_images), ""}, {"tl", Sha256(train_labels), ""}};
    spec.test_files = {{"vi", Sha256(test_images), ""}, {"vl", Sha256(test_labels), ""}};
  }
  std::string path(const std::string& name) const { return dir + "/tiny/" + name; }
};

LoadOptions NoCache() {
  LoadOptions o;
  o.use_checksum_cache = false;
  return o;
}

TEST(LoadDataset, VerifiedIdxSet) {
  TinyIdx t;
  const LoadedDataset d = LoadDataset(t.spec, t.dir, NoCache());
  EXPECT_EQ(d.spec, &t.spec);
  EXPECT_EQ(d.copy, "Tiny (official files, sha256 verified)");
  ASSERT_EQ(d.files.size(), 4u);
  for (const FileStatus& f : d.files) {
    EXPECT_EQ(f.status, "verified") << f.file;
    EXPECT_FALSE(f.sum_from_cache);
  }
  EXPECT_EQ(d.files[0].file, t.path("ti"));
  EXPECT_EQ(d.files[0].sha256, Sha256(t.train_images));
  EXPECT_EQ(d.train.size(), 6u);
  EXPECT_EQ(d.test.size(), 2u);
  EXPECT_EQ(d.train.labels, (std::vector<std::int32_t>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(d.test.labels, (std::vector<std::int32_t>{2, 0}));
  EXPECT_EQ(d.train.classes, 3);
  EXPECT_EQ(d.test.image(1)[5], Pixel(1, 5));
}

TEST(LoadDataset, FallsBackToGzipAndHashesDecompressedBytes) {
  TinyIdx t(/*gzip=*/true);
  const LoadedDataset d = LoadDataset(t.spec, t.dir, NoCache());
  EXPECT_EQ(d.copy, "Tiny (official files, sha256 verified)");
  EXPECT_EQ(d.files[0].file, t.path("ti.gz"));
  EXPECT_EQ(d.files[0].sha256, Sha256(t.train_images));
  EXPECT_EQ(d.train.pixels, LoadDataset(TinyIdx().spec, TinyIdx().dir, NoCache()).train.pixels);
}

TEST(LoadDataset, RawFileWinsOverGzip) {
  TinyIdx t;
  WriteFile(t.path("ti.gz"), Bytes{1, 2, 3});  // garbage that must not be read
  const LoadedDataset d = LoadDataset(t.spec, t.dir, NoCache());
  EXPECT_EQ(d.files[0].file, t.path("ti"));
}

TEST(LoadDataset, ChecksumMismatchNamesFileAndBothSums) {
  TinyIdx t;
  Bytes changed = t.test_images;
  changed.back() ^= 1;  // still a well-formed IDX file
  WriteFile(t.path("vi"), changed);
  EXPECT_THAT(
      ErrorOf([&] { LoadDataset(t.spec, t.dir, NoCache()); }),
      AllOf(HasSubstr(t.path("vi")), HasSubstr("sha256 mismatch"),
            HasSubstr("expected " + Sha256(t.test_images)), HasSubstr("got " + Sha256(changed))));
  // Off for a user's own copy: loads, says so, claims nothing.
  LoadOptions off = NoCache();
  off.verify_checksums = false;
  const LoadedDataset d = LoadDataset(t.spec, t.dir, off);
  EXPECT_EQ(d.copy, "Tiny (unverified copy)");
  for (const FileStatus& f : d.files) {
    EXPECT_EQ(f.status, "not checked");
    EXPECT_TRUE(f.sha256.empty());
  }
  EXPECT_EQ(d.test.image(1)[15], changed.back());
}

TEST(LoadDataset, StructuralFaultIsReportedBeforeChecksum) {
  TinyIdx t;
  WriteFile(t.path("ti"), Bytes(t.train_images.begin(), t.train_images.end() - 3));
  EXPECT_THAT(ErrorOf([&] { LoadDataset(t.spec, t.dir, NoCache()); }),
              AllOf(HasSubstr(t.path("ti")), HasSubstr("truncated")));
}

TEST(LoadDataset, MissingOrWrongPlaces) {
  TinyIdx t;
  EXPECT_THAT(ErrorOf([&] { LoadDataset(t.spec, t.dir + "/nope", NoCache()); }),
              AllOf(HasSubstr(t.dir + "/nope"), HasSubstr("not found")));
  EXPECT_THAT(ErrorOf([&] { LoadDataset(t.spec, t.path("ti"), NoCache()); }),
              HasSubstr("is not a directory"));
  EXPECT_THAT(ErrorOf([&] { LoadDataset(t.spec, "", NoCache()); }), HasSubstr("no data directory"));
  DatasetSpec other = t.spec;
  other.subdir = "other";
  EXPECT_THAT(ErrorOf([&] { LoadDataset(other, t.dir, NoCache()); }),
              AllOf(HasSubstr(t.dir + "/other"), HasSubstr("Tiny folder not found")));
  unlink(t.path("vl").c_str());
  EXPECT_THAT(ErrorOf([&] { LoadDataset(t.spec, t.dir, NoCache()); }),
              AllOf(HasSubstr(t.path("vl")), HasSubstr("file not found"), HasSubstr("vl.gz")));
  mkdir(t.path("vl").c_str(), 0755);
  EXPECT_THAT(ErrorOf([&] { LoadDataset(t.spec, t.dir, NoCache()); }),
              AllOf(HasSubstr(t.path("vl")), HasSubstr("is a directory")));
}

TEST(LoadDataset, CountsAndShapesMustMatchTheSpec) {
  {
    TinyIdx t;
    WriteFile(t.path("ti"), IdxImagesFile(5, 4, 4));
    WriteFile(t.path("tl"), IdxLabelsFile({0, 1, 2, 0, 1}));
    LoadOptions off = NoCache();
    off.verify_checksums = false;
    EXPECT_THAT(
        ErrorOf([&] { LoadDataset(t.spec, t.dir, off); }),
        AllOf(HasSubstr(t.path("ti")), HasSubstr("holds 5 images"), HasSubstr("expects 6")));
    WriteFile(t.path("ti"), IdxImagesFile(6, 4, 5));
    EXPECT_THAT(ErrorOf([&] { LoadDataset(t.spec, t.dir, off); }),
                AllOf(HasSubstr(t.path("ti")), HasSubstr("4x5")));
  }
  {
    TinyIdx t;
    WriteFile(t.path("vl"), IdxLabelsFile({2, 3}));  // class 3 of a 3-class set
    LoadOptions off = NoCache();
    off.verify_checksums = false;
    EXPECT_THAT(ErrorOf([&] { LoadDataset(t.spec, t.dir, off); }),
                AllOf(HasSubstr(t.path("vl")), HasSubstr("label 3 of item 1")));
  }
  TinyIdx t;
  DatasetSpec bad = t.spec;
  bad.class_names.pop_back();
  EXPECT_THAT(ErrorOf([&] { LoadDataset(bad, t.dir, NoCache()); }), HasSubstr("malformed spec"));
  bad = t.spec;
  bad.test_files.pop_back();
  EXPECT_THAT(ErrorOf([&] { LoadDataset(bad, t.dir, NoCache()); }), HasSubstr("malformed spec"));
}

// A CIFAR-10-format set of two 2-record training batches and one 2-record test batch, whose
// "JPEG-degraded" sums are those of the files written.
struct TinyCifar {
  std::string dir;
  DatasetSpec spec;
  Bytes b1 = Cifar10File({3, 1}), b2 = Cifar10File({9, 0}), tb = Cifar10File({5, 5});
  TinyCifar() {
    dir = MakeTempDir("tinycifar");
    mkdir((dir + "/c").c_str(), 0755);
    WriteFile(dir + "/c/b1", b1);
    WriteFile(dir + "/c/b2", b2);
    WriteFile(dir + "/c/tb", tb);
    spec = FindDataset("cifar10");
    spec.name = "tiny_cifar";
    spec.subdir = "c";
    spec.train_size = 4;
    spec.test_size = 2;
    spec.train_files = {{"b1", "", Sha256(b1)}, {"b2", "", Sha256(b2)}};
    spec.test_files = {{"tb", "", Sha256(tb)}};
  }
};

TEST(LoadDataset, RecognisesTheJpegDegradedCopyAndNeverClaimsOfficial) {
  TinyCifar t;
  LoadedDataset d = LoadDataset(t.spec, t.dir, NoCache());
  EXPECT_EQ(d.copy, "CIFAR-10 (JPEG-degraded copy)");
  for (const FileStatus& f : d.files) EXPECT_EQ(f.status, "jpeg-degraded copy");
  EXPECT_EQ(d.train.labels, (std::vector<std::int32_t>{3, 1, 9, 0}));
  EXPECT_EQ(d.test.labels, (std::vector<std::int32_t>{5, 5}));
  EXPECT_EQ(d.train.image(2)[0], Pixel(0, 0));  // first record of the second batch
  // Any other bytes: an unverified copy, loaded without error (no official sums known).
  Bytes other = t.b2;
  other[100] ^= 0x40;
  WriteFile(t.dir + "/c/b2", other);
  d = LoadDataset(t.spec, t.dir, NoCache());
  EXPECT_EQ(d.copy, "CIFAR-10 (unverified copy)");
  EXPECT_EQ(d.files[0].status, "jpeg-degraded copy");
  EXPECT_EQ(d.files[1].status, "unverified");
  EXPECT_EQ(d.files[1].sha256, Sha256(other));
}

TEST(LoadDataset, CifarBatchesMustHoldTheirShare) {
  TinyCifar t;
  WriteFile(t.dir + "/c/b1", Cifar10File({3}));
  WriteFile(t.dir + "/c/b2", Cifar10File({9, 0, 1}));  // total right, but b1 is short
  EXPECT_THAT(
      ErrorOf([&] { LoadDataset(t.spec, t.dir, NoCache()); }),
      AllOf(HasSubstr(t.dir + "/c/b1"), HasSubstr("holds 1 records"), HasSubstr("expects 2")));
  WriteFile(t.dir + "/c/b1", {});
  EXPECT_THAT(ErrorOf([&] { LoadDataset(t.spec, t.dir, NoCache()); }),
              AllOf(HasSubstr(t.dir + "/c/b1"), HasSubstr("empty")));
}

TEST(LoadDataset, OwnSubsetsLoadWhenCountsAreNotChecked) {
  {
    TinyIdx t;
    WriteFile(t.path("ti"), IdxImagesFile(5, 4, 4));
    WriteFile(t.path("tl"), IdxLabelsFile({0, 1, 2, 0, 1}));
    LoadOptions own = NoCache();
    own.verify_checksums = false;
    own.check_counts = false;
    const LoadedDataset d = LoadDataset(t.spec, t.dir, own);
    EXPECT_EQ(d.train.size(), 5u);
    EXPECT_EQ(d.test.size(), 2u);
    EXPECT_THAT(d.copy, HasSubstr("unverified"));
    // Shapes, labels and mismatched image/label counts are still checked.
    WriteFile(t.path("tl"), IdxLabelsFile({0, 1, 2, 0}));
    EXPECT_THAT(ErrorOf([&] { LoadDataset(t.spec, t.dir, own); }), HasSubstr(t.path("t")));
  }
  TinyCifar t;
  WriteFile(t.dir + "/c/b1", Cifar10File({3}));
  WriteFile(t.dir + "/c/b2", Cifar10File({9, 0, 1}));
  LoadOptions own = NoCache();
  own.verify_checksums = false;
  own.check_counts = false;
  EXPECT_EQ(LoadDataset(t.spec, t.dir, own).train.size(), 4u);
}

TEST(LoadDataset, ChecksumCacheIsUsedAndInvalidatedByRewrites) {
  TinyIdx t;
  LoadOptions cached;
  cached.cache_dir = MakeTempDir("cache");
  // Files younger than a second are never cached (coarse time stamps); wait that out.
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  LoadedDataset d = LoadDataset(t.spec, t.dir, cached);
  for (const FileStatus& f : d.files) EXPECT_FALSE(f.sum_from_cache);
  d = LoadDataset(t.spec, t.dir, cached);
  for (const FileStatus& f : d.files) EXPECT_TRUE(f.sum_from_cache) << f.file;
  EXPECT_EQ(d.copy, "Tiny (official files, sha256 verified)");
  // Same size, different bytes: the new ctime misses the cache and the mismatch is found.
  Bytes changed = t.train_labels;
  changed.back() = 0;
  WriteFile(t.path("tl"), changed);
  EXPECT_THAT(ErrorOf([&] { LoadDataset(t.spec, t.dir, cached); }),
              AllOf(HasSubstr(t.path("tl")), HasSubstr("got " + Sha256(changed))));
  // An unwritable cache directory is ignored.
  WriteFile(t.path("tl"), t.train_labels);
  LoadOptions nowhere;
  nowhere.cache_dir = t.path("ti") + "/not_a_dir";
  EXPECT_EQ(LoadDataset(t.spec, t.dir, nowhere).copy, "Tiny (official files, sha256 verified)");
}

}  // namespace
}  // namespace imcnas::datasets
