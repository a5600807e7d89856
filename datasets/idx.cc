#include "datasets/idx.h"

#include <cstdio>
#include <string>
#include <utility>

#include "datasets/internal/file_io.h"

namespace imcnas::datasets {
namespace {

constexpr std::uint32_t kImagesMagic = 0x00000803;  // unsigned byte, 3 dimensions
constexpr std::uint32_t kLabelsMagic = 0x00000801;  // unsigned byte, 1 dimension
// Bounds that keep all size arithmetic far from overflow; real sets are far below them.
constexpr std::uint64_t kMaxCount = 100'000'000;
constexpr std::uint64_t kMaxSide = 4096;

std::uint32_t BigEndian32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 |
         std::uint32_t{p[3]};
}

std::string Hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", v);
  return buf;
}

void CheckHeader(const std::uint8_t* bytes, std::size_t size, const std::string& name,
                 std::uint32_t magic, std::size_t header_bytes, const char* what) {
  if (size == 0) throw DatasetError(name + ": empty file (expected an IDX " + what + " file)");
  if (size < 4) {
    throw DatasetError(name + ": truncated: " + std::to_string(size) +
                       " bytes, shorter than the IDX magic number");
  }
  const std::uint32_t got = BigEndian32(bytes);
  if (got != magic) {
    std::string hint;
    if (got == kImagesMagic || got == kLabelsMagic) {
      hint = got == kImagesMagic ? " (this is an IDX image file)" : " (this is an IDX label file)";
    } else if (bytes[0] == 0x1f && bytes[1] == 0x8b) {
      hint = " (this is gzip data: name the file *.gz)";
    }
    throw DatasetError(name + ": wrong magic number " + Hex32(got) + ", expected " + Hex32(magic) +
                       " (IDX " + what + ")" + hint);
  }
  if (size < header_bytes) {
    throw DatasetError(name + ": truncated header: " + std::to_string(size) + " bytes, the IDX " +
                       what + " header needs " + std::to_string(header_bytes));
  }
}

void CheckSize(std::size_t size, const std::string& name, std::uint64_t expected,
               const std::string& header_says) {
  if (size == expected) return;
  const char* what = size < expected ? "truncated" : "trailing bytes";
  throw DatasetError(name + ": " + what + ": header says " + header_says + ", so " +
                     std::to_string(expected) + " bytes, but the file has " + std::to_string(size) +
                     (internal::IsGzipPath(name) ? " (decompressed)" : ""));
}

}  // namespace

IdxImages ParseIdxImages(const std::uint8_t* bytes, std::size_t size, const std::string& name) {
  CheckHeader(bytes, size, name, kImagesMagic, 16, "images");
  const std::uint64_t count = BigEndian32(bytes + 4);
  const std::uint64_t rows = BigEndian32(bytes + 8);
  const std::uint64_t cols = BigEndian32(bytes + 12);
  if (count == 0) throw DatasetError(name + ": header says 0 images");
  if (count > kMaxCount) {
    throw DatasetError(name + ": header says " + std::to_string(count) +
                       " images, more than any data set (file corrupt?)");
  }
  if (rows == 0 || cols == 0 || rows > kMaxSide || cols > kMaxSide) {
    throw DatasetError(name + ": implausible image size " + std::to_string(rows) + "x" +
                       std::to_string(cols) + " in the header");
  }
  CheckSize(
      size, name, 16 + count * rows * cols,
      std::to_string(count) + " images of " + std::to_string(rows) + "x" + std::to_string(cols));
  IdxImages out;
  out.count = static_cast<int>(count);
  out.rows = static_cast<int>(rows);
  out.cols = static_cast<int>(cols);
  out.pixels.reserve(size - 16);
  internal::AdviseHugePages(out.pixels.data(), size - 16);
  out.pixels.assign(bytes + 16, bytes + size);
  return out;
}

std::vector<std::int32_t> ParseIdxLabels(const std::uint8_t* bytes, std::size_t size,
                                         const std::string& name) {
  CheckHeader(bytes, size, name, kLabelsMagic, 8, "labels");
  const std::uint64_t count = BigEndian32(bytes + 4);
  if (count == 0) throw DatasetError(name + ": header says 0 labels");
  if (count > kMaxCount) {
    throw DatasetError(name + ": header says " + std::to_string(count) +
                       " labels, more than any data set (file corrupt?)");
  }
  CheckSize(size, name, 8 + count, std::to_string(count) + " labels");
  return std::vector<std::int32_t>(bytes + 8, bytes + size);
}

IdxImages ParseIdxImages(const std::vector<std::uint8_t>& bytes, const std::string& name) {
  return ParseIdxImages(bytes.data(), bytes.size(), name);
}

std::vector<std::int32_t> ParseIdxLabels(const std::vector<std::uint8_t>& bytes,
                                         const std::string& name) {
  return ParseIdxLabels(bytes.data(), bytes.size(), name);
}

IdxImages ReadIdxImages(const std::string& path) {
  const internal::FileContents file = internal::FileContents::Open(path);
  return ParseIdxImages(file.data(), file.size(), path);
}

std::vector<std::int32_t> ReadIdxLabels(const std::string& path) {
  const internal::FileContents file = internal::FileContents::Open(path);
  return ParseIdxLabels(file.data(), file.size(), path);
}

ImageSet MakeIdxImageSet(IdxImages images, std::vector<std::int32_t> labels, int classes,
                         const std::string& images_name, const std::string& labels_name) {
  if (classes < 1 || classes > 256) {
    throw DatasetError(labels_name + ": invalid class count " + std::to_string(classes));
  }
  if (labels.size() != static_cast<std::size_t>(images.count)) {
    throw DatasetError(labels_name + ": holds " + std::to_string(labels.size()) + " labels but " +
                       images_name + " holds " + std::to_string(images.count) + " images");
  }
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] >= classes) {
      throw DatasetError(labels_name + ": label " + std::to_string(labels[i]) + " of item " +
                         std::to_string(i) + " is out of range [0, " + std::to_string(classes) +
                         ")");
    }
  }
  ImageSet set;
  set.height = images.rows;
  set.width = images.cols;
  set.channels = 1;
  set.classes = classes;
  set.pixels = std::move(images.pixels);
  set.labels = std::move(labels);
  return set;
}

ImageSet ReadIdxImageSet(const std::string& images_path, const std::string& labels_path,
                         int classes) {
  return MakeIdxImageSet(ReadIdxImages(images_path), ReadIdxLabels(labels_path), classes,
                         images_path, labels_path);
}

}  // namespace imcnas::datasets
