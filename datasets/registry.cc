#include "datasets/registry.h"

#include <sys/stat.h>

#include <exception>
#include <map>
#include <string>
#include <utility>

#include "datasets/cifar.h"
#include "datasets/idx.h"
#include "datasets/internal/file_io.h"

namespace imcnas::datasets {
namespace {

// Official sums of the decompressed IDX files (shared/datasets/README.md, tools/setup.sh).
std::vector<DatasetFile> MnistFiles(bool train) {
  if (train) {
    return {{"train-images-idx3-ubyte",
             "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db", ""},
            {"train-labels-idx1-ubyte",
             "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5", ""}};
  }
  return {{"t10k-images-idx3-ubyte",
           "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7", ""},
          {"t10k-labels-idx1-ubyte",
           "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2", ""}};
}

std::vector<DatasetFile> FashionFiles(bool train) {
  if (train) {
    return {{"train-images-idx3-ubyte",
             "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", ""},
            {"train-labels-idx1-ubyte",
             "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", ""}};
  }
  return {{"t10k-images-idx3-ubyte",
           "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", ""},
          {"t10k-labels-idx1-ubyte",
           "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", ""}};
}

// The official per-file sums of CIFAR-10 are not known here (only the archive's md5), so only
// the JPEG-degraded copy (shared/datasets/README.md) is recognised.
std::vector<DatasetFile> Cifar10Files(bool train) {
  if (train) {
    return {{"data_batch_1.bin", "",
             "8da035fc1631e8ce5f25904206b8993b0f3ad02a504c0584d662e806fd76c12b"},
            {"data_batch_2.bin", "",
             "106eeaad9f1fa7a999292fdafe68ee909080f58aee038a76994035aedf40ba26"},
            {"data_batch_3.bin", "",
             "99cb88ba00fca88bf28c517a74307b6b78a346c6ea747a561cb8e660c787d5cb"},
            {"data_batch_4.bin", "",
             "76b482bc3bb79c0370e48ea71bb6e4f567a3770d224dc09a9ddc8cfa2369f294"},
            {"data_batch_5.bin", "",
             "490f5ead4f04a3eb71d5898eb551e0d8d2c592feb778fb9b109a006b3f231495"}};
  }
  return {
      {"test_batch.bin", "", "cf28711b3059b27ed8a78d6529b5ba5b5c94130096ca62a1a924268a9a9ec05b"}};
}

std::vector<std::string> Digits() { return {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}; }

std::vector<std::string> Cifar100FineNames() {
  return {"apple",       "aquarium_fish", "baby",      "bear",       "beaver",       "bed",
          "bee",         "beetle",        "bicycle",   "bottle",     "bowl",         "boy",
          "bridge",      "bus",           "butterfly", "camel",      "can",          "castle",
          "caterpillar", "cattle",        "chair",     "chimpanzee", "clock",        "cloud",
          "cockroach",   "couch",         "crab",      "crocodile",  "cup",          "dinosaur",
          "dolphin",     "elephant",      "flatfish",  "forest",     "fox",          "girl",
          "hamster",     "house",         "kangaroo",  "keyboard",   "lamp",         "lawn_mower",
          "leopard",     "lion",          "lizard",    "lobster",    "man",          "maple_tree",
          "motorcycle",  "mountain",      "mouse",     "mushroom",   "oak_tree",     "orange",
          "orchid",      "otter",         "palm_tree", "pear",       "pickup_truck", "pine_tree",
          "plain",       "plate",         "poppy",     "porcupine",  "possum",       "rabbit",
          "raccoon",     "ray",           "road",      "rocket",     "rose",         "sea",
          "seal",        "shark",         "shrew",     "skunk",      "skyscraper",   "snail",
          "snake",       "spider",        "squirrel",  "streetcar",  "sunflower",    "sweet_pepper",
          "table",       "tank",          "telephone", "television", "tiger",        "tractor",
          "train",       "trout",         "tulip",     "turtle",     "wardrobe",     "whale",
          "willow_tree", "wolf",          "woman",     "worm"};
}

std::vector<std::string> Cifar100CoarseNames() {
  return {"aquatic_mammals",
          "fish",
          "flowers",
          "food_containers",
          "fruit_and_vegetables",
          "household_electrical_devices",
          "household_furniture",
          "insects",
          "large_carnivores",
          "large_man-made_outdoor_things",
          "large_natural_outdoor_scenes",
          "large_omnivores_and_herbivores",
          "medium_mammals",
          "non-insect_invertebrates",
          "people",
          "reptiles",
          "small_mammals",
          "trees",
          "vehicles_1",
          "vehicles_2"};
}

DatasetSpec Spec(std::string name, std::string display, int side, int channels,
                 std::vector<std::string> class_names, std::size_t train, std::size_t test,
                 bool augment, FileFormat format, std::string subdir,
                 std::vector<DatasetFile> train_files, std::vector<DatasetFile> test_files) {
  DatasetSpec s;
  s.name = std::move(name);
  s.display_name = std::move(display);
  s.height = side;
  s.width = side;
  s.channels = channels;
  s.classes = static_cast<int>(class_names.size());
  s.class_names = std::move(class_names);
  s.train_size = train;
  s.test_size = test;
  s.default_validation_size = 5000;  // 55k/5k for MNIST-like sets, 45k/5k for CIFAR
  s.augment_by_default = augment;
  s.format = format;
  s.subdir = std::move(subdir);
  s.train_files = std::move(train_files);
  s.test_files = std::move(test_files);
  return s;
}

const std::vector<DatasetSpec>& Registry() {
  static const std::vector<DatasetSpec> registry = {
      Spec("mnist", "MNIST", 28, 1, Digits(), 60000, 10000, false, FileFormat::kIdx, "mnist",
           MnistFiles(true), MnistFiles(false)),
      Spec("fashion_mnist", "Fashion-MNIST", 28, 1,
           {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
            "Bag", "Ankle boot"},
           60000, 10000, false, FileFormat::kIdx, "fashion_mnist", FashionFiles(true),
           FashionFiles(false)),
      Spec("cifar10", "CIFAR-10", 32, 3,
           {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
            "truck"},
           50000, 10000, true, FileFormat::kCifar10, "cifar10", Cifar10Files(true),
           Cifar10Files(false)),
      // No sums of CIFAR-100 are known here: every copy loads as "unverified".
      Spec("cifar100", "CIFAR-100", 32, 3, Cifar100FineNames(), 50000, 10000, true,
           FileFormat::kCifar100Fine, "cifar100", {{"train.bin", "", ""}}, {{"test.bin", "", ""}}),
      Spec("cifar100_coarse", "CIFAR-100 (coarse labels)", 32, 3, Cifar100CoarseNames(), 50000,
           10000, true, FileFormat::kCifar100Coarse, "cifar100", {{"train.bin", "", ""}},
           {{"test.bin", "", ""}}),
  };
  return registry;
}

CifarFormat ToCifarFormat(FileFormat f) {
  switch (f) {
    case FileFormat::kCifar100Fine:
      return CifarFormat::kCifar100Fine;
    case FileFormat::kCifar100Coarse:
      return CifarFormat::kCifar100Coarse;
    default:
      return CifarFormat::kCifar10;
  }
}

std::size_t FileSize(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// One file to load: where it is, what the registry knows of it, and what was read.
struct Job {
  const DatasetFile* entry = nullptr;
  bool train = false;
  std::string path;
  internal::FileContents bytes;
  FileStatus status;
  std::string error;
};

std::string SizeError(const std::string& name, std::size_t got, std::size_t want,
                      const char* what) {
  return name + ": holds " + std::to_string(got) + " " + what + ", the registry expects " +
         std::to_string(want) + " (incomplete or different copy)";
}

// Reads, hashes and parses IDX files into train/test; counts and shapes must match the spec.
ImageSet AssembleIdx(const DatasetSpec& spec, std::vector<Job>& jobs, bool train,
                     bool check_counts) {
  Job* images = nullptr;
  Job* labels = nullptr;
  for (Job& j : jobs) {
    if (j.train != train) continue;
    (images == nullptr ? images : labels) = &j;
  }
  IdxImages parsed = ParseIdxImages(images->bytes.data(), images->bytes.size(), images->path);
  images->bytes.Release();
  std::vector<std::int32_t> parsed_labels =
      ParseIdxLabels(labels->bytes.data(), labels->bytes.size(), labels->path);
  if (parsed.rows != spec.height || parsed.cols != spec.width) {
    throw DatasetError(images->path + ": images are " + std::to_string(parsed.rows) + "x" +
                       std::to_string(parsed.cols) + ", " + spec.name + " has " +
                       std::to_string(spec.height) + "x" + std::to_string(spec.width));
  }
  const std::size_t want = train ? spec.train_size : spec.test_size;
  if (check_counts && static_cast<std::size_t>(parsed.count) != want) {
    throw DatasetError(SizeError(images->path, parsed.count, want, "images"));
  }
  return MakeIdxImageSet(std::move(parsed), std::move(parsed_labels), spec.classes, images->path,
                         labels->path);
}

ImageSet AssembleCifar(const DatasetSpec& spec, std::vector<Job>& jobs, bool train,
                       bool check_counts) {
  const CifarFormat format = ToCifarFormat(spec.format);
  std::size_t total = 0;
  std::size_t files = 0;
  for (const Job& j : jobs) {
    if (j.train != train) continue;
    total += CheckCifarRecords(j.bytes.data(), j.bytes.size(), j.path, format);
    ++files;
  }
  const std::size_t want = train ? spec.train_size : spec.test_size;
  // Each official file holds an equal share (CIFAR-10: 10,000 per batch); a short file is an
  // error even if another is long.
  for (const Job& j : jobs) {
    if (j.train != train) continue;
    const std::size_t count =
        j.bytes.size() /
        (format == CifarFormat::kCifar10 ? kCifar10RecordBytes : kCifar100RecordBytes);
    if (check_counts && count != want / files)
      throw DatasetError(SizeError(j.path, count, want / files, "records"));
  }
  ImageSet set;
  set.height = kCifarSide;
  set.width = kCifarSide;
  set.channels = kCifarChannels;
  set.classes = spec.classes;
  set.pixels.reserve(total * kCifarPixelBytes);
  internal::AdviseHugePages(set.pixels.data(), total * kCifarPixelBytes);
  set.pixels.resize(total * kCifarPixelBytes);
  set.labels.resize(total);
  std::size_t at = 0;
  for (Job& j : jobs) {
    if (j.train != train) continue;
    DecodeCifarRecords(j.bytes.data(), j.bytes.size(), format,
                       set.pixels.data() + at * kCifarPixelBytes, set.labels.data() + at);
    at += j.bytes.size() /
          (format == CifarFormat::kCifar10 ? kCifar10RecordBytes : kCifar100RecordBytes);
    j.bytes.Release();
  }
  return set;
}

}  // namespace

const DatasetSpec& FindDataset(const std::string& name) {
  for (const DatasetSpec& spec : Registry()) {
    if (spec.name == name) return spec;
  }
  std::string known;
  for (const std::string& n : KnownDatasets()) known += (known.empty() ? "" : ", ") + n;
  throw DatasetError("unknown data set '" + name + "' (known: " + known + ")");
}

std::vector<std::string> KnownDatasets() {
  std::vector<std::string> names;
  for (const DatasetSpec& spec : Registry()) names.push_back(spec.name);
  return names;
}

LoadedDataset LoadDataset(const std::string& name, const std::string& data_dir,
                          const LoadOptions& options) {
  return LoadDataset(FindDataset(name), data_dir, options);
}

LoadedDataset LoadDataset(const DatasetSpec& spec, const std::string& data_dir,
                          const LoadOptions& options) {
  if (spec.format == FileFormat::kIdx ? spec.train_files.size() != 2 || spec.test_files.size() != 2
                                      : spec.train_files.empty() || spec.test_files.empty()) {
    throw DatasetError(spec.name +
                       ": malformed spec (IDX sets need an image and a label file "
                       "per split, CIFAR sets at least one file per split)");
  }
  if (spec.format != FileFormat::kIdx && (spec.train_size % spec.train_files.size() != 0 ||
                                          spec.test_size % spec.test_files.size() != 0)) {
    throw DatasetError(spec.name +
                       ": malformed spec (a split size is not divisible by its file "
                       "count)");
  }
  const bool cifar_shape = spec.height == kCifarSide && spec.width == kCifarSide &&
                           spec.channels == kCifarChannels &&
                           spec.classes == CifarClasses(ToCifarFormat(spec.format));
  if ((spec.format == FileFormat::kIdx
           ? spec.channels != 1 || spec.classes < 1 || spec.classes > 256
           : !cifar_shape) ||
      spec.class_names.size() != static_cast<std::size_t>(spec.classes)) {
    throw DatasetError(spec.name +
                       ": malformed spec (shape, classes or class names do not fit "
                       "the file format)");
  }
  if (data_dir.empty()) throw DatasetError("no data directory given");
  if (!IsDirectory(data_dir)) {
    throw DatasetError(data_dir + ": data directory " +
                       (internal::PathExists(data_dir) ? "is not a directory" : "not found"));
  }
  const std::string dir = data_dir + "/" + spec.subdir;
  if (!IsDirectory(dir)) {
    throw DatasetError(dir + ": " + spec.display_name + " folder " +
                       (internal::PathExists(dir) ? "is not a directory" : "not found") +
                       " (tools/setup.sh puts the data sets there)");
  }

  std::vector<Job> jobs;
  for (int split = 0; split < 2; ++split) {
    for (const DatasetFile& f : split == 0 ? spec.train_files : spec.test_files) {
      Job job;
      job.entry = &f;
      job.train = split == 0;
      job.path = dir + "/" + f.name;
      // IDX files may be gzipped; the raw file wins when both exist.
      if (spec.format == FileFormat::kIdx && !internal::PathExists(job.path) &&
          internal::PathExists(job.path + ".gz")) {
        job.path += ".gz";
      }
      if (!internal::PathExists(job.path)) {
        throw DatasetError(job.path + ": file not found" +
                           (spec.format == FileFormat::kIdx ? " (nor " + f.name + ".gz)" : "") +
                           " for " + spec.display_name);
      }
      jobs.push_back(std::move(job));
    }
  }

  // Reading and hashing dominate the load time, so files are handled in parallel. Errors are
  // kept per file and the first in file order is thrown, whatever the scheduling.
  internal::Sha256Cache cache(
      options.use_checksum_cache
          ? (options.cache_dir.empty() ? internal::Sha256Cache::DefaultDir() : options.cache_dir)
          : "");
  const int n = static_cast<int>(jobs.size());
  std::size_t total_bytes = 0;
  for (const Job& job : jobs) total_bytes += FileSize(job.path);
#pragma omp parallel for schedule(dynamic, 1) if (total_bytes >= (std::size_t{1} << 20))
  for (int i = 0; i < n; ++i) {
    Job& job = jobs[i];
    try {
      job.bytes = internal::FileContents::Open(job.path);
      job.status.file = job.path;
      if (!options.verify_checksums) {
        job.status.status = "not checked";
        continue;
      }
      if (cache.Lookup(job.path, &job.status.sha256)) {
        job.status.sum_from_cache = true;
      } else {
        job.status.sha256 = internal::Sha256Hex(job.bytes.data(), job.bytes.size());
        cache.Store(job.path, job.status.sha256);
      }
    } catch (const std::exception& e) {
      job.error = e.what();
    }
  }
  for (const Job& job : jobs) {
    if (!job.error.empty()) throw DatasetError(job.error);
  }

  LoadedDataset out;
  out.spec = &spec;
  // Sums are classified first; a mismatch is thrown only after parsing, so a truncated or
  // malformed file is reported as such rather than as a mere checksum mismatch.
  std::size_t verified = 0, degraded = 0;
  std::string mismatch;
  for (Job& job : jobs) {
    FileStatus& st = job.status;
    if (options.verify_checksums) {
      const DatasetFile& f = *job.entry;
      if (!f.official_sha256.empty()) {
        if (st.sha256 == f.official_sha256) {
          st.status = "verified";
          ++verified;
        } else {
          st.status = "mismatch";
          if (mismatch.empty()) {
            mismatch = job.path + ": sha256 mismatch: expected " + f.official_sha256 +
                       " (official " + spec.display_name + "), got " + st.sha256 +
                       (st.sum_from_cache ? " (cached)" : "") +
                       "; for a copy of your own, turn checksum verification off";
          }
        }
      } else if (!f.jpeg_degraded_sha256.empty() && st.sha256 == f.jpeg_degraded_sha256) {
        st.status = "jpeg-degraded copy";
        ++degraded;
      } else {
        st.status = "unverified";
      }
    }
    out.files.push_back(st);
  }
  if (verified == jobs.size()) {
    out.copy = spec.display_name + " (official files, sha256 verified)";
  } else if (degraded == jobs.size()) {
    out.copy = spec.display_name + " (JPEG-degraded copy)";
  } else {
    out.copy = spec.display_name + " (unverified copy)";
  }

  if (spec.format == FileFormat::kIdx) {
    out.train = AssembleIdx(spec, jobs, true, options.check_counts);
    out.test = AssembleIdx(spec, jobs, false, options.check_counts);
  } else {
    out.train = AssembleCifar(spec, jobs, true, options.check_counts);
    out.test = AssembleCifar(spec, jobs, false, options.check_counts);
  }
  if (!mismatch.empty()) throw DatasetError(mismatch);
  return out;
}

}  // namespace imcnas::datasets
