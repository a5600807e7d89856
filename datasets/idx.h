// Readers for the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/):
// a big-endian header (magic 0x00000803 for images N x rows x cols, 0x00000801 for labels N),
// then uint8 data. A path ending in ".gz" is decompressed with zlib first.
#ifndef IMCNAS_DATASETS_IDX_H_
#define IMCNAS_DATASETS_IDX_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace imcnas::datasets {

// Images of one IDX3 file: count x rows x cols uint8, row-major (one channel).
struct IdxImages {
  int count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<std::uint8_t> pixels;
};

// Parse an in-memory IDX file; `name` only labels errors. Throws DatasetError on a wrong magic
// number, a header that disagrees with the byte count, or an empty/truncated buffer.
IdxImages ParseIdxImages(const std::uint8_t* data, std::size_t size, const std::string& name);
std::vector<std::int32_t> ParseIdxLabels(const std::uint8_t* data, std::size_t size,
                                         const std::string& name);
IdxImages ParseIdxImages(const std::vector<std::uint8_t>& bytes, const std::string& name);
std::vector<std::int32_t> ParseIdxLabels(const std::vector<std::uint8_t>& bytes,
                                         const std::string& name);

// Read a file (raw, or gzip when the path ends in ".gz") and parse it.
IdxImages ReadIdxImages(const std::string& path);
std::vector<std::int32_t> ReadIdxLabels(const std::string& path);

// Pairs an image file with a label file: counts must agree and every label must be < classes.
// Errors name `images_name`/`labels_name`.
ImageSet MakeIdxImageSet(IdxImages images, std::vector<std::int32_t> labels, int classes,
                         const std::string& images_name, const std::string& labels_name);

// ReadIdxImages + ReadIdxLabels + MakeIdxImageSet.
ImageSet ReadIdxImageSet(const std::string& images_path, const std::string& labels_path,
                         int classes);

}  // namespace imcnas::datasets

#endif  // IMCNAS_DATASETS_IDX_H_
