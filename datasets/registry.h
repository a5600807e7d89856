// The known data sets: shapes, classes, files and checksums, so callers name a set and a data
// directory and nothing more. LoadDataset reads, checks and records which copy was used.
#ifndef IMCNAS_DATASETS_REGISTRY_H_
#define IMCNAS_DATASETS_REGISTRY_H_

#include <cstddef>
#include <string>
#include <vector>

#include "datasets/dataset.h"

namespace imcnas::datasets {

enum class FileFormat { kIdx, kCifar10, kCifar100Fine, kCifar100Coarse };

// One file of a data set, relative to DATA_DIR/<spec.subdir>/.
struct DatasetFile {
  std::string name;
  // sha256 of the official (decompressed) file; empty when not known here.
  std::string official_sha256;
  // sha256 of the JPEG-degraded CIFAR-10 copy (shared/datasets/README.md); empty otherwise.
  std::string jpeg_degraded_sha256;
};

struct DatasetSpec {
  std::string name;          // registry key, e.g. "cifar10"
  std::string display_name;  // e.g. "CIFAR-10"
  int height = 0, width = 0, channels = 0, classes = 0;
  std::vector<std::string> class_names;
  std::size_t train_size = 0, test_size = 0, default_validation_size = 0;
  bool augment_by_default = false;  // true: pad-crop 4 + horizontal flip (CIFAR); false: none
  FileFormat format = FileFormat::kIdx;
  std::string subdir;  // folder under the data directory
  // IDX: {images, labels}; CIFAR-10: the batches in order; CIFAR-100: {train.bin}/{test.bin}.
  std::vector<DatasetFile> train_files, test_files;
};

// "mnist", "fashion_mnist", "cifar10", "cifar100" (fine labels), "cifar100_coarse".
// Throws DatasetError listing the known names.
const DatasetSpec& FindDataset(const std::string& name);
std::vector<std::string> KnownDatasets();

struct LoadOptions {
  bool verify_checksums = true;  // false: skip hashing (a user's own copy); copy = "unverified"
  // Reuse sums cached under cache_dir, keyed by path, size, mtime, ctime and inode, so an
  // unchanged file is not hashed again. Empty cache_dir: $IMCNAS_CACHE_DIR, else
  // $XDG_CACHE_HOME/imcnas, else $HOME/.cache/imcnas; an unwritable cache is silently skipped.
  // Files changed less than a second ago are always hashed (time stamps are coarse).
  bool use_checksum_cache = true;
  // false: any whole number of images per file is accepted (a user's own subset, or the small
  // sets that tests write); the registry's counts are not checked.
  bool check_counts = true;
  std::string cache_dir;
};

struct FileStatus {
  std::string file;    // path as read (may end in .gz; the sum is of the decompressed bytes)
  std::string sha256;  // empty when checksums were not checked
  // "verified" (official sum), "jpeg-degraded copy", "unverified" (no known sum matched or
  // none is known), "not checked" (verify_checksums = false).
  std::string status;
  bool sum_from_cache = false;
};

struct LoadedDataset {
  const DatasetSpec* spec = nullptr;
  ImageSet train, test;
  // Which copy was used, for run records: "<display name> (official files, sha256 verified)",
  // "CIFAR-10 (JPEG-degraded copy)", or "<display name> (unverified copy...)". Never claims
  // official without a matching official sum.
  std::string copy;
  std::vector<FileStatus> files;
};

// Loads both splits from DATA_DIR/<spec.subdir>/. For IDX files the raw name is read, or
// "<name>.gz" when the raw one is absent. Throws DatasetError naming the file and the fault
// (missing, a directory, empty, truncated, bad magic, inconsistent size, label out of range,
// wrong count, or a sha256 mismatch of a file whose official sum is known).
LoadedDataset LoadDataset(const std::string& name, const std::string& data_dir,
                          const LoadOptions& options = {});
// The same for a spec outside the registry (a user's own set, or a test's small one); the
// result points at `spec`, which must outlive it.
LoadedDataset LoadDataset(const DatasetSpec& spec, const std::string& data_dir,
                          const LoadOptions& options = {});

}  // namespace imcnas::datasets

#endif  // IMCNAS_DATASETS_REGISTRY_H_
