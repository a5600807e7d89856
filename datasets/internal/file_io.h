// Private helpers of datasets/: whole-file reading (gzip-aware), SHA-256 and a cache of sums.
#ifndef IMCNAS_DATASETS_INTERNAL_FILE_IO_H_
#define IMCNAS_DATASETS_INTERNAL_FILE_IO_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace imcnas::datasets::internal {

// Whole contents of a regular file; a path ending in ".gz" is gunzipped (zlib). Throws
// DatasetError naming the path if it is missing, not a regular file, unreadable, or a corrupt
// or truncated gzip stream. An empty file is returned as empty (the parsers reject it).
std::vector<std::uint8_t> ReadFileBytes(const std::string& path);

// Whether ReadFileBytes gunzips `path` (it ends in ".gz"): its bytes, sizes and sums are then
// those of the decompressed contents.
bool IsGzipPath(const std::string& path);

// A file's bytes, memory-mapped read-only when raw (no copy: the decoders read the page cache
// directly), or inflated into memory when the path ends in ".gz". Errors as ReadFileBytes.
// (A file truncated by another process while mapped would fault; data files are replaced by
// rename, tools/setup.sh does so, which leaves an open mapping intact.)
class FileContents {
 public:
  static FileContents Open(const std::string& path);
  FileContents() = default;
  FileContents(FileContents&& other) noexcept;
  FileContents& operator=(FileContents&& other) noexcept;
  FileContents(const FileContents&) = delete;
  FileContents& operator=(const FileContents&) = delete;
  ~FileContents();
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  void Release();

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  void* map_ = nullptr;  // non-null: munmap(map_, size_) on release
  std::vector<std::uint8_t> buffer_;
};

// Asks the kernel for transparent huge pages on the untouched memory [p, p + n): first-touch
// page faults otherwise dominate filling a fresh 150 MB buffer. Call after reserve(), before
// writing. Best effort.
void AdviseHugePages(void* p, std::size_t n);

// True if `path` exists (any type).
bool PathExists(const std::string& path);

// Lower-case hex SHA-256 of a buffer (OpenSSL).
std::string Sha256Hex(const std::uint8_t* data, std::size_t size);

// A cache of sums of files, keyed by absolute path, size, mtime, ctime and inode (ctime cannot
// be set back by users, so a rewritten file misses). Lookups and stores never throw: a cache
// that cannot be read or written is ignored.
class Sha256Cache {
 public:
  explicit Sha256Cache(std::string cache_dir);  // empty: caching off
  // The default directory (see registry.h LoadOptions), or "" if none can be determined.
  static std::string DefaultDir();
  bool Lookup(const std::string& path, std::string* sha256) const;
  void Store(const std::string& path, const std::string& sha256);

 private:
  std::string StatKey(const std::string& path) const;
  std::string dir_;
};

}  // namespace imcnas::datasets::internal

#endif  // IMCNAS_DATASETS_INTERNAL_FILE_IO_H_
