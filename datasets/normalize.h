// Per-channel normalisation statistics of a training split.
#ifndef IMCNAS_DATASETS_NORMALIZE_H_
#define IMCNAS_DATASETS_NORMALIZE_H_

#include <cstdint>
#include <vector>

#include "datasets/dataset.h"

namespace imcnas::datasets {

struct Normalization {
  std::vector<float> mean, stddev;  // per channel, on pixels scaled to [0,1]
};

// Mean and population standard deviation per channel over the images `indices` of `set`,
// computed from exact integer sums (the same bits whatever the thread count). Throws
// DatasetError on empty or out-of-range indices.
Normalization ComputeNormalization(const ImageSet& set, const std::vector<std::int32_t>& indices);

}  // namespace imcnas::datasets

#endif  // IMCNAS_DATASETS_NORMALIZE_H_
