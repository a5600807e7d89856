// Shuffled, augmented, normalised float batches from an ImageSet into caller-owned buffers.
#ifndef IMCNAS_DATASETS_BATCH_H_
#define IMCNAS_DATASETS_BATCH_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "datasets/dataset.h"
#include "datasets/normalize.h"

namespace imcnas::datasets {

// pad_crop: pad each side with pad_crop zero pixels (zero in 0..255 pixel space, i.e. before
// normalisation, as torchvision's RandomCrop(padding=p) does) and crop back to H x W at a random
// offset. horizontal_flip: mirror left-right with probability 1/2.
struct Augmentation {
  int pad_crop = 0;
  bool horizontal_flip = false;
};
inline constexpr Augmentation kCifarAugmentation{4, true};
inline constexpr Augmentation kNoAugmentation{0, false};

class BatchIterator {
 public:
  // Keeps a reference to `set`, which must outlive the iterator. Throws DatasetError on
  // batch_size < 1, an index out of range, a normalisation whose size
  // is not the channel count or with a non-positive stddev, or pad_crop outside [0, min(H, W)].
  BatchIterator(const ImageSet& set, std::vector<std::int32_t> indices, int batch_size,
                Normalization norm, Augmentation aug, std::uint64_t seed, bool shuffle);

  // Order (a permutation of `indices` if shuffle, else as given) and each image's crop offset
  // and flip depend only on (seed, epoch, position in the epoch): counter-based, no state is
  // carried between epochs, and neither the thread count nor the batch size changes the
  // stream of images. The constructor starts epoch 0.
  void StartEpoch(int epoch);
  // Fills up to batch_size images into images_nchw (batch_size x C x H x W floats) and their
  // labels; returns how many, 0 at the end of the epoch (the last batch may be short).
  int Next(float* images_nchw, std::int32_t* labels);

  std::size_t batches_per_epoch() const;
  std::size_t size() const { return indices_.size(); }
  int batch_size() const { return batch_size_; }
  int epoch() const { return epoch_; }
  // Floats per image: C * H * W.
  std::size_t image_floats() const;

 private:
  const ImageSet& set_;
  std::vector<std::int32_t> indices_;
  std::vector<std::int32_t> order_;
  int batch_size_;
  Normalization norm_;
  Augmentation aug_;
  std::uint64_t seed_;
  bool shuffle_;
  int epoch_ = 0;
  std::size_t position_ = 0;
  std::vector<float> lut_;  // [channel][pixel value] -> normalised float
};

}  // namespace imcnas::datasets

#endif  // IMCNAS_DATASETS_BATCH_H_
