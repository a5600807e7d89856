#include "datasets/normalize.h"

#include <cmath>
#include <string>

namespace imcnas::datasets {

Normalization ComputeNormalization(const ImageSet& set, const std::vector<std::int32_t>& indices) {
  if (indices.empty()) throw DatasetError("ComputeNormalization: no images given");
  if (set.channels < 1 || set.pixels.size() != set.size() * set.image_bytes()) {
    throw DatasetError("ComputeNormalization: malformed ImageSet (pixels do not match shape)");
  }
  for (std::int32_t i : indices) {
    if (i < 0 || static_cast<std::size_t>(i) >= set.size()) {
      throw DatasetError("ComputeNormalization: index " + std::to_string(i) +
                         " outside the set of " + std::to_string(set.size()) + " images");
    }
  }
  // Per-channel histograms of byte values: integer counts merge exactly in any order, so the
  // result is the same whatever the thread count; sums then follow exactly in 128-bit.
  const std::size_t channels = static_cast<std::size_t>(set.channels);
  const std::size_t pixels_per_image = static_cast<std::size_t>(set.height) * set.width;
  std::vector<std::uint64_t> hist(channels * 256, 0);
  const std::int64_t count = static_cast<std::int64_t>(indices.size());
#pragma omp parallel
  {
    std::vector<std::uint64_t> local(channels * 256, 0);
#pragma omp for schedule(static)
    for (std::int64_t k = 0; k < count; ++k) {
      const std::uint8_t* img = set.image(static_cast<std::size_t>(indices[k]));
      for (std::size_t p = 0; p < pixels_per_image; ++p) {
        for (std::size_t c = 0; c < channels; ++c) ++local[c * 256 + img[p * channels + c]];
      }
    }
#pragma omp critical
    for (std::size_t b = 0; b < local.size(); ++b) hist[b] += local[b];
  }
  Normalization norm;
  const unsigned __int128 n = static_cast<unsigned __int128>(count) * pixels_per_image;
  for (std::size_t c = 0; c < channels; ++c) {
    unsigned __int128 sum = 0, sum_sq = 0;
    for (unsigned v = 0; v < 256; ++v) {
      sum += static_cast<unsigned __int128>(hist[c * 256 + v]) * v;
      sum_sq += static_cast<unsigned __int128>(hist[c * 256 + v]) * v * v;
    }
    // var * n^2 * 255^2 = n * sum_sq - sum^2, exact and >= 0 in integers.
    const unsigned __int128 scaled_var = n * sum_sq - sum * sum;
    const double denom = static_cast<double>(n) * 255.0;
    norm.mean.push_back(static_cast<float>(static_cast<double>(sum) / denom));
    norm.stddev.push_back(static_cast<float>(std::sqrt(static_cast<double>(scaled_var)) / denom));
  }
  return norm;
}

}  // namespace imcnas::datasets
