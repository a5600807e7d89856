#include "datasets/cifar.h"

#include <string>

#include "datasets/internal/file_io.h"

namespace imcnas::datasets {
namespace {

constexpr std::size_t kPlane = kCifarSide * kCifarSide;

std::size_t RecordBytes(CifarFormat format) {
  return format == CifarFormat::kCifar10 ? kCifar10RecordBytes : kCifar100RecordBytes;
}

// Offset of the label byte used within a record (CIFAR-100: coarse first, then fine).
std::size_t LabelOffset(CifarFormat format) { return format == CifarFormat::kCifar100Fine ? 1 : 0; }

const char* FormatName(CifarFormat format) {
  switch (format) {
    case CifarFormat::kCifar10:
      return "CIFAR-10";
    case CifarFormat::kCifar100Fine:
      return "CIFAR-100 fine";
    case CifarFormat::kCifar100Coarse:
      return "CIFAR-100 coarse";
  }
  return "CIFAR";
}

CifarFormat ToFormat(Cifar100Labels labels) {
  return labels == Cifar100Labels::kFine ? CifarFormat::kCifar100Fine
                                         : CifarFormat::kCifar100Coarse;
}

ImageSet NewSet(std::size_t count, CifarFormat format) {
  ImageSet set;
  set.height = kCifarSide;
  set.width = kCifarSide;
  set.channels = kCifarChannels;
  set.classes = CifarClasses(format);
  set.pixels.reserve(count * kCifarPixelBytes);
  internal::AdviseHugePages(set.pixels.data(), count * kCifarPixelBytes);
  set.pixels.resize(count * kCifarPixelBytes);
  set.labels.resize(count);
  return set;
}

}  // namespace

int CifarClasses(CifarFormat format) {
  switch (format) {
    case CifarFormat::kCifar10:
      return 10;
    case CifarFormat::kCifar100Fine:
      return 100;
    case CifarFormat::kCifar100Coarse:
      return 20;
  }
  return 0;
}

std::size_t CheckCifarRecords(const std::uint8_t* bytes, std::size_t size, const std::string& name,
                              CifarFormat format) {
  const std::size_t record = RecordBytes(format);
  if (size == 0) {
    throw DatasetError(name + ": empty file (expected " + FormatName(format) + " records)");
  }
  if (size % record != 0) {
    const char* what = size < record ? "shorter than one record" : "truncated or padded";
    throw DatasetError(name + ": " + what + ": " + std::to_string(size) +
                       " bytes is not a whole number of " + std::to_string(record) + "-byte " +
                       FormatName(format) + " records");
  }
  const std::size_t count = size / record;
  // CIFAR-100 records carry both labels: both are checked, whichever is used.
  const int coarse_or_only = format == CifarFormat::kCifar10 ? 10 : 20;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* r = bytes + i * record;
    if (r[0] >= coarse_or_only) {
      throw DatasetError(name + ": record " + std::to_string(i) + ": " +
                         (format == CifarFormat::kCifar10 ? "label " : "coarse label ") +
                         std::to_string(r[0]) + " is out of range [0, " +
                         std::to_string(coarse_or_only) + ")");
    }
    if (format != CifarFormat::kCifar10 && r[1] >= 100) {
      throw DatasetError(name + ": record " + std::to_string(i) + ": fine label " +
                         std::to_string(r[1]) + " is out of range [0, 100)");
    }
  }
  return count;
}

void DecodeCifarRecords(const std::uint8_t* bytes, std::size_t size, CifarFormat format,
                        std::uint8_t* pixels, std::int32_t* labels) {
  const std::size_t record = RecordBytes(format);
  const std::size_t header = record - kCifarPixelBytes;
  const std::size_t label_offset = LabelOffset(format);
  const std::int64_t count = static_cast<std::int64_t>(size / record);
  // Planes (R, G, B) to interleaved HWC; every record writes only its own output.
#pragma omp parallel for schedule(static) if (count >= 1000)
  for (std::int64_t i = 0; i < count; ++i) {
    const std::uint8_t* r = bytes + i * record;
    labels[i] = r[label_offset];
    const std::uint8_t* red = r + header;
    const std::uint8_t* green = red + kPlane;
    const std::uint8_t* blue = green + kPlane;
    std::uint8_t* out = pixels + i * kCifarPixelBytes;
    for (std::size_t p = 0; p < kPlane; ++p) {
      out[3 * p] = red[p];
      out[3 * p + 1] = green[p];
      out[3 * p + 2] = blue[p];
    }
  }
}

ImageSet ParseCifar(const std::uint8_t* bytes, std::size_t size, const std::string& name,
                    CifarFormat format) {
  const std::size_t count = CheckCifarRecords(bytes, size, name, format);
  ImageSet set = NewSet(count, format);
  DecodeCifarRecords(bytes, size, format, set.pixels.data(), set.labels.data());
  return set;
}

ImageSet ParseCifar10(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  return ParseCifar(bytes.data(), bytes.size(), name, CifarFormat::kCifar10);
}

ImageSet ParseCifar100(const std::vector<std::uint8_t>& bytes, const std::string& name,
                       Cifar100Labels labels) {
  return ParseCifar(bytes.data(), bytes.size(), name, ToFormat(labels));
}

ImageSet ReadCifar10Batch(const std::string& path) {
  const internal::FileContents file = internal::FileContents::Open(path);
  return ParseCifar(file.data(), file.size(), path, CifarFormat::kCifar10);
}

ImageSet ReadCifar10Batches(const std::vector<std::string>& paths) {
  if (paths.empty()) throw DatasetError("ReadCifar10Batches: no files given");
  std::vector<internal::FileContents> files;
  std::size_t total = 0;
  for (const std::string& path : paths) {
    files.push_back(internal::FileContents::Open(path));
    total +=
        CheckCifarRecords(files.back().data(), files.back().size(), path, CifarFormat::kCifar10);
  }
  ImageSet set = NewSet(total, CifarFormat::kCifar10);
  std::size_t at = 0;
  for (const auto& file : files) {
    DecodeCifarRecords(file.data(), file.size(), CifarFormat::kCifar10,
                       set.pixels.data() + at * kCifarPixelBytes, set.labels.data() + at);
    at += file.size() / kCifar10RecordBytes;
  }
  return set;
}

ImageSet ReadCifar100(const std::string& path, Cifar100Labels labels) {
  const internal::FileContents file = internal::FileContents::Open(path);
  return ParseCifar(file.data(), file.size(), path, ToFormat(labels));
}

}  // namespace imcnas::datasets
