// Small data set files written by the tests themselves (no test needs data/ or /work/shared).
#ifndef IMCNAS_TESTS_DATASETS_TEST_FILES_H_
#define IMCNAS_TESTS_DATASETS_TEST_FILES_H_

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "datasets/dataset.h"

namespace imcnas::datasets::testing {

using Bytes = std::vector<std::uint8_t>;

// A fresh directory under $TEST_TMPDIR (or /tmp), unique per call.
std::string MakeTempDir(const std::string& tag);
void WriteFile(const std::string& path, const Bytes& bytes);
Bytes ReadFile(const std::string& path);

// Pixel value of image i at byte p: a fixed pattern, so decoded pixels can be checked exactly.
std::uint8_t Pixel(std::size_t i, std::size_t p);

// IDX3 images (count x rows x cols, pixels Pixel(i, p)) and IDX1 labels.
Bytes IdxImagesFile(std::uint32_t count, std::uint32_t rows, std::uint32_t cols);
Bytes IdxLabelsFile(const std::vector<std::uint8_t>& labels);
// CIFAR-10 records: label, then planes R, G, B; plane c pixel q is Pixel(i, c * 1024 + q).
Bytes Cifar10File(const std::vector<std::uint8_t>& labels);
// CIFAR-100 records: coarse, fine, then the same planes.
Bytes Cifar100File(const std::vector<std::uint8_t>& coarse, const std::vector<std::uint8_t>& fine);
// gzip (zlib deflate with a gzip wrapper).
Bytes Gzip(const Bytes& raw);
std::string Sha256(const Bytes& bytes);

// Runs `f`, expects a DatasetError and returns its message ("" and a test failure if none).
template <typename F>
std::string ErrorOf(F f) {
  try {
    f();
  } catch (const DatasetError& e) {
    return e.what();
  }
  ADD_FAILURE() << "no DatasetError thrown";
  return "";
}

}  // namespace imcnas::datasets::testing

#endif  // IMCNAS_TESTS_DATASETS_TEST_FILES_H_
