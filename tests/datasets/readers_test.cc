// IDX and CIFAR readers on small files the test writes: exact decoding, and every bad input.
#include <sys/stat.h>

#include <string>
#include <vector>

#include "datasets/cifar.h"
#include "datasets/idx.h"
#include "datasets/internal/file_io.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/datasets/test_files.h"

namespace imcnas::datasets {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using namespace ::imcnas::datasets::testing;  // NOLINT

TEST(Idx, DecodesImagesAndLabelsExactly) {
  const std::string dir = MakeTempDir("idx");
  WriteFile(dir + "/img", IdxImagesFile(5, 3, 4));
  WriteFile(dir + "/lab", IdxLabelsFile({0, 9, 3, 3, 7}));
  const ImageSet set = ReadIdxImageSet(dir + "/img", dir + "/lab", 10);
  EXPECT_EQ(set.size(), 5u);
  EXPECT_EQ(set.height, 3);
  EXPECT_EQ(set.width, 4);
  EXPECT_EQ(set.channels, 1);
  EXPECT_EQ(set.classes, 10);
  EXPECT_EQ(set.labels, (std::vector<std::int32_t>{0, 9, 3, 3, 7}));
  ASSERT_EQ(set.pixels.size(), 5u * 12);
  for (std::size_t i = 0; i < 5; ++i) {
    for (std::size_t p = 0; p < 12; ++p) ASSERT_EQ(set.image(i)[p], Pixel(i, p)) << i << " " << p;
  }
}

TEST(Idx, ReadsGzipCompressedFiles) {
  const std::string dir = MakeTempDir("idxgz");
  WriteFile(dir + "/img.gz", Gzip(IdxImagesFile(7, 28, 28)));
  WriteFile(dir + "/lab.gz", Gzip(IdxLabelsFile({1, 2, 3, 4, 5, 6, 7})));
  const ImageSet gz = ReadIdxImageSet(dir + "/img.gz", dir + "/lab.gz", 10);
  const IdxImages raw = ParseIdxImages(IdxImagesFile(7, 28, 28), "raw");
  EXPECT_EQ(gz.pixels, raw.pixels);
  EXPECT_EQ(gz.labels, (std::vector<std::int32_t>{1, 2, 3, 4, 5, 6, 7}));
}

TEST(Idx, GzipOfConcatenatedMembersIsWholeStream) {
  const Bytes raw = IdxImagesFile(4, 5, 5);
  const Bytes first(raw.begin(), raw.begin() + 40);
  const Bytes second(raw.begin() + 40, raw.end());
  Bytes both = Gzip(first);
  const Bytes tail = Gzip(second);
  both.insert(both.end(), tail.begin(), tail.end());
  const std::string dir = MakeTempDir("idxgz2");
  WriteFile(dir + "/img.gz", both);
  EXPECT_EQ(ReadIdxImages(dir + "/img.gz").pixels, ParseIdxImages(raw, "raw").pixels);
}

TEST(Idx, BadInputNamesFileAndFault) {
  const std::string dir = MakeTempDir("idxbad");
  const std::string f = dir + "/x";
  auto images_error = [&](const Bytes& b) {
    WriteFile(f, b);
    return ErrorOf([&] { ReadIdxImages(f); });
  };
  auto labels_error = [&](const Bytes& b) {
    WriteFile(f, b);
    return ErrorOf([&] { ReadIdxLabels(f); });
  };
  // Missing file, directory, empty file.
  EXPECT_THAT(ErrorOf([&] { ReadIdxImages(dir + "/absent"); }),
              AllOf(HasSubstr(dir + "/absent"), HasSubstr("not found")));
  EXPECT_THAT(ErrorOf([&] { ReadIdxLabels(dir); }), AllOf(HasSubstr(dir), HasSubstr("directory")));
  EXPECT_THAT(images_error({}), AllOf(HasSubstr(f), HasSubstr("empty")));
  EXPECT_THAT(labels_error({}), AllOf(HasSubstr(f), HasSubstr("empty")));
  // Wrong magic numbers, including the other IDX kind and gzip data under a raw name.
  EXPECT_THAT(images_error(IdxLabelsFile({1, 2})),
              AllOf(HasSubstr(f), HasSubstr("wrong magic number 0x00000801"), HasSubstr("label")));
  EXPECT_THAT(labels_error(IdxImagesFile(1, 2, 2)),
              AllOf(HasSubstr(f), HasSubstr("wrong magic number 0x00000803")));
  EXPECT_THAT(images_error(Gzip(IdxImagesFile(1, 2, 2))), AllOf(HasSubstr(f), HasSubstr("gzip")));
  EXPECT_THAT(images_error({0, 0, 8}), AllOf(HasSubstr(f), HasSubstr("truncated")));
  // Truncated header, truncated data, trailing bytes: size disagrees with the header.
  Bytes b = IdxImagesFile(3, 4, 4);
  EXPECT_THAT(images_error(Bytes(b.begin(), b.begin() + 10)),
              AllOf(HasSubstr(f), HasSubstr("truncated header")));
  EXPECT_THAT(images_error(Bytes(b.begin(), b.end() - 1)),
              AllOf(HasSubstr(f), HasSubstr("truncated"), HasSubstr("3 images of 4x4"),
                    HasSubstr("64 bytes"), HasSubstr("63")));
  Bytes longer = b;
  longer.push_back(0);
  EXPECT_THAT(images_error(longer), AllOf(HasSubstr(f), HasSubstr("trailing bytes")));
  Bytes l = IdxLabelsFile({1, 2, 3});
  EXPECT_THAT(labels_error(Bytes(l.begin(), l.end() - 1)),
              AllOf(HasSubstr(f), HasSubstr("truncated"), HasSubstr("3 labels")));
  // Dimensions: zero or absurd counts and sizes (would overflow a naive size computation).
  Bytes zero = IdxImagesFile(0, 4, 4);
  EXPECT_THAT(images_error(zero), AllOf(HasSubstr(f), HasSubstr("0 images")));
  Bytes huge = IdxImagesFile(1, 2, 2);
  huge[4] = huge[5] = huge[6] = huge[7] = 0xff;
  EXPECT_THAT(images_error(huge), AllOf(HasSubstr(f), HasSubstr("4294967295 images")));
  Bytes wide = IdxImagesFile(1, 2, 2);
  wide[8] = 0x7f;
  EXPECT_THAT(images_error(wide), AllOf(HasSubstr(f), HasSubstr("implausible image size")));
  EXPECT_THAT(labels_error(IdxLabelsFile({})), AllOf(HasSubstr(f), HasSubstr("0 labels")));
}

TEST(Idx, PairingChecksCountsAndLabelRange) {
  const std::string dir = MakeTempDir("idxpair");
  WriteFile(dir + "/img", IdxImagesFile(3, 2, 2));
  WriteFile(dir + "/lab", IdxLabelsFile({1, 2}));
  EXPECT_THAT(ErrorOf([&] { ReadIdxImageSet(dir + "/img", dir + "/lab", 10); }),
              AllOf(HasSubstr(dir + "/lab"), HasSubstr("2 labels"), HasSubstr("3 images")));
  WriteFile(dir + "/lab", IdxLabelsFile({1, 10, 2}));
  EXPECT_THAT(ErrorOf([&] { ReadIdxImageSet(dir + "/img", dir + "/lab", 10); }),
              AllOf(HasSubstr(dir + "/lab"), HasSubstr("label 10 of item 1"),
                    HasSubstr("out of range [0, 10)")));
  WriteFile(dir + "/lab", IdxLabelsFile({1, 255, 2}));
  EXPECT_THAT(ErrorOf([&] { ReadIdxImageSet(dir + "/img", dir + "/lab", 10); }),
              HasSubstr("label 255 of item 1"));
}

TEST(Idx, CorruptGzipIsAnError) {
  const std::string dir = MakeTempDir("gzbad");
  const Bytes gz = Gzip(IdxImagesFile(20, 8, 8));
  WriteFile(dir + "/t.gz", Bytes(gz.begin(), gz.begin() + gz.size() / 2));
  EXPECT_THAT(ErrorOf([&] { ReadIdxImages(dir + "/t.gz"); }),
              AllOf(HasSubstr(dir + "/t.gz"), HasSubstr("truncated gzip")));
  WriteFile(dir + "/n.gz", IdxImagesFile(2, 2, 2));  // not gzip at all
  EXPECT_THAT(ErrorOf([&] { ReadIdxImages(dir + "/n.gz"); }),
              AllOf(HasSubstr(dir + "/n.gz"), HasSubstr("corrupt gzip")));
  WriteFile(dir + "/e.gz", {});
  EXPECT_THAT(ErrorOf([&] { ReadIdxImages(dir + "/e.gz"); }),
              AllOf(HasSubstr(dir + "/e.gz"), HasSubstr("empty")));
}

TEST(Cifar10, DecodesPlanesToChannelsLast) {
  const std::string dir = MakeTempDir("c10");
  WriteFile(dir + "/b.bin", Cifar10File({6, 9, 0}));
  const ImageSet set = ReadCifar10Batch(dir + "/b.bin");
  ASSERT_EQ(set.size(), 3u);
  EXPECT_EQ(set.height, 32);
  EXPECT_EQ(set.width, 32);
  EXPECT_EQ(set.channels, 3);
  EXPECT_EQ(set.classes, 10);
  EXPECT_EQ(set.labels, (std::vector<std::int32_t>{6, 9, 0}));
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t y = 0; y < 32; ++y) {
      for (std::size_t x = 0; x < 32; ++x) {
        for (std::size_t c = 0; c < 3; ++c) {
          ASSERT_EQ(set.image(i)[(y * 32 + x) * 3 + c], Pixel(i, c * 1024 + y * 32 + x));
        }
      }
    }
  }
}

TEST(Cifar10, ConcatenatesBatchesInOrder) {
  const std::string dir = MakeTempDir("c10cat");
  WriteFile(dir + "/a.bin", Cifar10File({1, 2}));
  WriteFile(dir + "/b.bin", Cifar10File({3}));
  const ImageSet set = ReadCifar10Batches({dir + "/a.bin", dir + "/b.bin"});
  EXPECT_EQ(set.labels, (std::vector<std::int32_t>{1, 2, 3}));
  const ImageSet b = ReadCifar10Batch(dir + "/b.bin");
  EXPECT_TRUE(std::equal(b.pixels.begin(), b.pixels.end(), set.pixels.begin() + 2 * 3072));
}

TEST(Cifar100, FineOrCoarseLabels) {
  const std::string dir = MakeTempDir("c100");
  WriteFile(dir + "/train.bin", Cifar100File({19, 0, 4}, {99, 0, 55}));
  const ImageSet fine = ReadCifar100(dir + "/train.bin", Cifar100Labels::kFine);
  const ImageSet coarse = ReadCifar100(dir + "/train.bin", Cifar100Labels::kCoarse);
  EXPECT_EQ(fine.labels, (std::vector<std::int32_t>{99, 0, 55}));
  EXPECT_EQ(fine.classes, 100);
  EXPECT_EQ(coarse.labels, (std::vector<std::int32_t>{19, 0, 4}));
  EXPECT_EQ(coarse.classes, 20);
  EXPECT_EQ(fine.pixels, coarse.pixels);
  EXPECT_EQ(fine.image(2)[3 * 5 + 1], Pixel(2, 1024 + 5));
}

TEST(Cifar, BadInputNamesFileAndFault) {
  const std::string dir = MakeTempDir("cbad");
  const std::string f = dir + "/x.bin";
  auto c10 = [&](const Bytes& b) {
    WriteFile(f, b);
    return ErrorOf([&] { ReadCifar10Batch(f); });
  };
  auto c100 = [&](const Bytes& b, Cifar100Labels which) {
    WriteFile(f, b);
    return ErrorOf([&] { ReadCifar100(f, which); });
  };
  EXPECT_THAT(ErrorOf([&] { ReadCifar10Batch(dir + "/none.bin"); }),
              AllOf(HasSubstr(dir + "/none.bin"), HasSubstr("not found")));
  EXPECT_THAT(ErrorOf([&] { ReadCifar100(dir, Cifar100Labels::kFine); }), HasSubstr("directory"));
  EXPECT_THAT(c10({}), AllOf(HasSubstr(f), HasSubstr("empty")));
  Bytes two = Cifar10File({1, 2});
  EXPECT_THAT(c10(Bytes(two.begin(), two.end() - 1)),
              AllOf(HasSubstr(f), HasSubstr("6145 bytes"), HasSubstr("3073-byte")));
  EXPECT_THAT(c10(Bytes(two.begin(), two.begin() + 100)), HasSubstr("shorter than one record"));
  EXPECT_THAT(c10(Cifar10File({1, 10})), AllOf(HasSubstr(f), HasSubstr("record 1"),
                                               HasSubstr("label 10"), HasSubstr("[0, 10)")));
  // A CIFAR-100 file read as CIFAR-10 does not fit the record size.
  EXPECT_THAT(c10(Cifar100File({1, 2, 3}, {4, 5, 6})), HasSubstr("not a whole number"));
  EXPECT_THAT(c100(Cifar100File({20}, {1}), Cifar100Labels::kFine),
              AllOf(HasSubstr(f), HasSubstr("coarse label 20")));
  EXPECT_THAT(c100(Cifar100File({1, 2}, {3, 100}), Cifar100Labels::kCoarse),
              AllOf(HasSubstr(f), HasSubstr("record 1"), HasSubstr("fine label 100")));
  EXPECT_THAT(ErrorOf([] { ReadCifar10Batches({}); }), HasSubstr("no files"));
}

TEST(Sha256, MatchesPublishedVectors) {
  // FIPS 180-2 test vectors (also what `sha256sum` prints for these inputs).
  const std::string abc = "abc";
  EXPECT_EQ(internal::Sha256Hex(reinterpret_cast<const std::uint8_t*>(abc.data()), abc.size()),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(internal::Sha256Hex(nullptr, 0),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::vector<std::uint8_t> million(1000000, 'a');
  EXPECT_EQ(internal::Sha256Hex(million.data(), million.size()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

}  // namespace
}  // namespace imcnas::datasets
