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
