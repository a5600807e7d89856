// Readers for the CIFAR binary formats (https://www.cs.toronto.edu/~kriz/cifar.html).
// CIFAR-10 record: 1 label byte, then 1024 red, 1024 green, 1024 blue bytes (row-major 32x32).
// CIFAR-100 record: 1 coarse label byte, 1 fine label byte, then the same 3072 pixel bytes.
// Records are transposed to the ImageSet layout (N x 32 x 32 x 3, channels last).
#ifndef IMCNAS_DATASETS_CIFAR_H_
#define IMCNAS_DATASETS_CIFAR_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace imcnas::datasets {

inline constexpr int kCifarSide = 32;
inline constexpr int kCifarChannels = 3;
inline constexpr std::size_t kCifarPixelBytes = 3072;
inline constexpr std::size_t kCifar10RecordBytes = 1 + kCifarPixelBytes;
inline constexpr std::size_t kCifar100RecordBytes = 2 + kCifarPixelBytes;

enum class Cifar100Labels { kFine, kCoarse };

// Parse in-memory files; `name` only labels errors. A buffer must hold a whole, non-zero number
// of records and every label must be in range (10; 100 fine; 20 coarse), else DatasetError.
ImageSet ParseCifar10(const std::vector<std::uint8_t>& bytes, const std::string& name);
ImageSet ParseCifar100(const std::vector<std::uint8_t>& bytes, const std::string& name,
                       Cifar100Labels labels);

// Lower level, for a loader that places several files into one ImageSet without copying.
enum class CifarFormat { kCifar10, kCifar100Fine, kCifar100Coarse };
int CifarClasses(CifarFormat format);  // 10, 100, 20
// Checks that `bytes` is a non-empty whole number of records with labels in range; returns the
// record count. Throws DatasetError naming `name` otherwise.
std::size_t CheckCifarRecords(const std::uint8_t* bytes, std::size_t size, const std::string& name,
                              CifarFormat format);
// Decodes checked bytes: pixels gets count x 32 x 32 x 3 bytes, labels count values.
void DecodeCifarRecords(const std::uint8_t* bytes, std::size_t size, CifarFormat format,
                        std::uint8_t* pixels, std::int32_t* labels);

// One CIFAR-10 batch file of any whole number of records (the official ones hold 10,000).
ImageSet ReadCifar10Batch(const std::string& path);
// Several batch files concatenated in the given order.
ImageSet ReadCifar10Batches(const std::vector<std::string>& paths);
// One CIFAR-100 file (train.bin or test.bin) with fine (100) or coarse (20) labels.
ImageSet ReadCifar100(const std::string& path, Cifar100Labels labels);

}  // namespace imcnas::datasets

#endif  // IMCNAS_DATASETS_CIFAR_H_
