// The in-memory form of an image data set that the rest of imcnas consumes. Readers (idx.h,
// cifar.h) fill it; the trainer (nn/) converts batches of it to float NCHW on demand.
//
// This header is the contract between datasets/ and nn/: extend it, do not break it.
#ifndef IMCNAS_DATASETS_DATASET_H_
#define IMCNAS_DATASETS_DATASET_H_

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace imcnas::datasets {

// Thrown for any unreadable, malformed or mismatching input; what() names the file and the fault.
class DatasetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Images as uint8, N x H x W x C (row-major, channels last), with one label each in [0, classes).
struct ImageSet {
  int height = 0;
  int width = 0;
  int channels = 0;
  int classes = 0;
  std::vector<std::uint8_t> pixels;  // size() * height * width * channels bytes
  std::vector<std::int32_t> labels;  // one per image

  std::size_t size() const { return labels.size(); }
  std::size_t image_bytes() const {
    return static_cast<std::size_t>(height) * width * channels;
  }
  const std::uint8_t* image(std::size_t i) const { return pixels.data() + i * image_bytes(); }
};

}  // namespace imcnas::datasets

#endif  // IMCNAS_DATASETS_DATASET_H_
