#include "datasets/batch.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include "datasets/random.h"

namespace imcnas::datasets {
namespace {

// Stream tags keep shuffling and augmentation draws independent of each other.
constexpr std::uint64_t kShuffleStream = 0x5348554646ULL;  // "SHUFF"
constexpr std::uint64_t kAugmentStream = 0x4155474dULL;    // "AUGM"

}  // namespace

BatchIterator::BatchIterator(const ImageSet& set, std::vector<std::int32_t> indices, int batch_size,
                             Normalization norm, Augmentation aug, std::uint64_t seed, bool shuffle)
    : set_(set),
      indices_(std::move(indices)),
      batch_size_(batch_size),
      norm_(std::move(norm)),
      aug_(aug),
      seed_(seed),
      shuffle_(shuffle) {
  if (batch_size < 1) {
    throw DatasetError("BatchIterator: batch size must be >= 1, got " + std::to_string(batch_size));
  }
  if (set.channels < 1 || set.height < 1 || set.width < 1 ||
      set.pixels.size() != set.size() * set.image_bytes()) {
    throw DatasetError("BatchIterator: malformed ImageSet (pixels do not match shape)");
  }
  for (std::int32_t i : indices_) {
    if (i < 0 || static_cast<std::size_t>(i) >= set.size()) {
      throw DatasetError("BatchIterator: index " + std::to_string(i) + " outside the set of " +
                         std::to_string(set.size()) + " images");
    }
  }
  const std::size_t channels = static_cast<std::size_t>(set.channels);
  if (norm_.mean.size() != channels || norm_.stddev.size() != channels) {
    throw DatasetError("BatchIterator: normalisation has " + std::to_string(norm_.mean.size()) +
                       " means and " + std::to_string(norm_.stddev.size()) + " stddevs for " +
                       std::to_string(channels) + " channels");
  }
  for (std::size_t c = 0; c < channels; ++c) {
    if (!(norm_.stddev[c] > 0.0f) || !std::isfinite(norm_.stddev[c]) ||
        !std::isfinite(norm_.mean[c])) {
      throw DatasetError("BatchIterator: channel " + std::to_string(c) +
                         " needs a finite mean and a positive finite stddev");
    }
  }
  if (aug_.pad_crop < 0 || aug_.pad_crop > std::min(set.height, set.width)) {
    throw DatasetError("BatchIterator: pad_crop " + std::to_string(aug_.pad_crop) +
                       " outside [0, " + std::to_string(std::min(set.height, set.width)) + "]");
  }
  lut_.resize(channels * 256);
  for (std::size_t c = 0; c < channels; ++c) {
    for (int v = 0; v < 256; ++v) {
      lut_[c * 256 + v] = (static_cast<float>(v) / 255.0f - norm_.mean[c]) / norm_.stddev[c];
    }
  }
  StartEpoch(0);
}

void BatchIterator::StartEpoch(int epoch) {
  if (epoch < 0)
    throw DatasetError("BatchIterator: epoch must be >= 0, got " + std::to_string(epoch));
  epoch_ = epoch;
  position_ = 0;
  order_ = indices_;
  if (shuffle_) {
    // Fisher-Yates from the back; draw i depends only on (seed, epoch, i).
    for (std::size_t i = order_.size(); i > 1; --i) {
      const std::size_t j =
          Below(CounterRandom(seed_, kShuffleStream, static_cast<std::uint64_t>(epoch), i), i);
      std::swap(order_[i - 1], order_[j]);
    }
  }
}

std::size_t BatchIterator::batches_per_epoch() const {
  return (indices_.size() + static_cast<std::size_t>(batch_size_) - 1) /
         static_cast<std::size_t>(batch_size_);
}

std::size_t BatchIterator::image_floats() const { return set_.image_bytes(); }

int BatchIterator::Next(float* images_nchw, std::int32_t* labels) {
  const std::size_t remaining = order_.size() - position_;
  const int count = static_cast<int>(std::min<std::size_t>(remaining, batch_size_));
  if (count == 0) return 0;
  const int h = set_.height, w = set_.width, channels = set_.channels;
  const int pad = aug_.pad_crop;
  const std::size_t floats = image_floats();
  const std::size_t plane = static_cast<std::size_t>(h) * w;
  const std::size_t first = position_;
  // About 300k CIFAR images/s per core already (bench/dataset_load), so ordinary batches stay on
  // the calling thread: a parallel region per batch costs more than it saves when the cores
  // are busy. Very large batches use the team; results are the same bits either way.
  const bool parallel = static_cast<std::size_t>(count) * floats >= (std::size_t{1} << 20);
#pragma omp parallel for schedule(static) if (parallel)
  for (int b = 0; b < count; ++b) {
    const std::size_t pos = first + static_cast<std::size_t>(b);
    const std::int32_t index = order_[pos];
    labels[b] = set_.labels[static_cast<std::size_t>(index)];
    const std::uint8_t* src = set_.image(static_cast<std::size_t>(index));
    float* dst = images_nchw + static_cast<std::size_t>(b) * floats;
    int dy = 0, dx = 0;  // the output pixel (y, x) shows source pixel (y + dy, x + dx)
    bool flip = false;
    if (pad > 0 || aug_.horizontal_flip) {
      const std::uint64_t r =
          CounterRandom(seed_, kAugmentStream, static_cast<std::uint64_t>(epoch_), pos);
      if (pad > 0) {
        dy = static_cast<int>(Below(r, 2 * pad + 1)) - pad;
        dx = static_cast<int>(Below(Mix64(r), 2 * pad + 1)) - pad;
      }
      flip = aug_.horizontal_flip && (Mix64(r ^ 0xf11bULL) >> 63) != 0;
    }
    // Crop from the zero-padded image, then mirror: padding is pixel value 0 before
    // normalisation, as in torchvision's RandomCrop(padding) followed by Normalize. Output
    // (y, x) shows source (y + dy, x' + dx) with x' = x, or w - 1 - x when flipped.
    const int x0 = std::max(0, flip ? dx : -dx);         // first output column inside the source
    const int x1 = std::min(w, flip ? w + dx : w - dx);  // one past the last
    for (int c = 0; c < channels; ++c) {
      const float* lut = lut_.data() + static_cast<std::size_t>(c) * 256;
      const float pad_value = lut[0];
      float* plane_out = dst + static_cast<std::size_t>(c) * plane;
      for (int y = 0; y < h; ++y) {
        float* row = plane_out + static_cast<std::size_t>(y) * w;
        const int sy = y + dy;
        if (sy < 0 || sy >= h || x0 >= x1) {
          std::fill(row, row + w, pad_value);
          continue;
        }
        const std::uint8_t* src_row = src + static_cast<std::size_t>(sy) * w * channels + c;
        std::fill(row, row + x0, pad_value);
        if (flip) {
          for (int x = x0; x < x1; ++x) row[x] = lut[src_row[(w - 1 - x + dx) * channels]];
        } else {
          for (int x = x0; x < x1; ++x) row[x] = lut[src_row[(x + dx) * channels]];
        }
        std::fill(row + x1, row + w, pad_value);
      }
    }
  }
  position_ += static_cast<std::size_t>(count);
  return count;
}

}  // namespace imcnas::datasets
