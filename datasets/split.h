// Deterministic, seeded, stratified train/validation split of a training set.
#ifndef IMCNAS_DATASETS_SPLIT_H_
#define IMCNAS_DATASETS_SPLIT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace imcnas::datasets {

struct Split {
  std::vector<std::int32_t> train, validation;  // indices into the training ImageSet, ascending
};

// Each class gives the validation set a share proportional to its size (largest remainders,
// ties to the lower class), chosen by a seeded shuffle independent of the platform's <random>.
// Throws DatasetError if a label is outside [0, classes) or validation_size > labels.size().
Split StratifiedSplit(const std::vector<std::int32_t>& labels, int classes,
                      std::size_t validation_size, std::uint64_t seed);

}  // namespace imcnas::datasets

#endif  // IMCNAS_DATASETS_SPLIT_H_
