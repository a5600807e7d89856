#include "datasets/internal/file_io.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <utility>

#include "datasets/dataset.h"

namespace imcnas::datasets::internal {
namespace {

// Larger outputs are refused: no data set file here is near it, and it bounds a gzip bomb.
constexpr std::size_t kMaxFileBytes = std::size_t{1} << 31;


// Checks that `path` is an existing regular file of plausible size; returns its size.
std::size_t CheckRegularFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) throw DatasetError(path + ": file not found");
    throw DatasetError(path + ": cannot access: " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) throw DatasetError(path + ": is a directory, expected a data file");
  if (!S_ISREG(st.st_mode)) throw DatasetError(path + ": is not a regular file");
  if (static_cast<std::size_t>(st.st_size) > kMaxFileBytes) {
    throw DatasetError(path + ": " + std::to_string(st.st_size) +
                       " bytes, more than any data set file");
  }
  return static_cast<std::size_t>(st.st_size);
}

std::vector<std::uint8_t> ReadRaw(const std::string& path) {
  const std::size_t size = CheckRegularFile(path);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw DatasetError(path + ": cannot open: " + std::strerror(errno));
  std::vector<std::uint8_t> bytes(size);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = n < 0 ? std::strerror(errno) : "file shrank while reading";
      close(fd);
      throw DatasetError(path + ": read failed after " + std::to_string(done) + " bytes: " + why);
    }
    done += static_cast<std::size_t>(n);
  }
  close(fd);
  return bytes;
}

// Inflates one or more concatenated gzip members; a truncated or corrupt stream is an error.
std::vector<std::uint8_t> Gunzip(const std::vector<std::uint8_t>& in, const std::string& path) {
  if (in.empty()) throw DatasetError(path + ": empty file (expected a gzip stream)");
  std::vector<std::uint8_t> out;
  if (in.size() >= 18) {  // the gzip trailer's ISIZE (size mod 2^32) is a hint only
    const std::size_t n = in.size();
    const std::size_t isize = std::size_t{in[n - 4]} | std::size_t{in[n - 3]} << 8 |
                              std::size_t{in[n - 2]} << 16 | std::size_t{in[n - 1]} << 24;
    out.reserve(std::min({isize, n * 1032 + 64, kMaxFileBytes}));  // 1032: deflate's top ratio
  }
  z_stream z;
  std::memset(&z, 0, sizeof(z));
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw DatasetError(path + ": zlib init failed");
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = static_cast<uInt>(in.size());  // in.size() <= kMaxFileBytes < 2^32
  std::uint8_t chunk[1 << 16];
  while (true) {
    z.next_out = chunk;
    z.avail_out = sizeof(chunk);
    const int rc = inflate(&z, Z_NO_FLUSH);
    const std::size_t produced = sizeof(chunk) - z.avail_out;
    if (out.size() + produced > kMaxFileBytes) {
      inflateEnd(&z);
      throw DatasetError(path + ": decompresses to more than " + std::to_string(kMaxFileBytes) +
                         " bytes");
    }
    // Growth capped at the limit: a small file that inflates without end (a "gzip bomb")
    // costs at most kMaxFileBytes of memory, not the next power of two above it.
    if (out.size() + produced > out.capacity()) {
      out.reserve(std::min(std::max(2 * out.capacity(), out.size() + produced), kMaxFileBytes));
    }
    out.insert(out.end(), chunk, chunk + produced);
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      if (inflateReset(&z) != Z_OK) break;  // another gzip member follows
      continue;
    }
    if (rc == Z_OK) continue;
    if (rc == Z_BUF_ERROR && z.avail_in == 0) {
      inflateEnd(&z);
      throw DatasetError(path + ": truncated gzip stream (ends before its end marker)");
    }
    const std::string msg = z.msg != nullptr ? z.msg : ("zlib error " + std::to_string(rc));
    inflateEnd(&z);
    throw DatasetError(path + ": corrupt gzip data: " + msg);
  }
  inflateEnd(&z);
  return out;
}

}  // namespace

bool IsGzipPath(const std::string& path) {
  return path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
}

FileContents FileContents::Open(const std::string& path) {
  FileContents f;
  if (IsGzipPath(path)) {
    f.buffer_ = Gunzip(ReadRaw(path), path);
    f.data_ = f.buffer_.data();
    f.size_ = f.buffer_.size();
    return f;
  }
  const std::size_t size = CheckRegularFile(path);
  if (size == 0) return f;  // empty: the parsers say so, naming the file
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw DatasetError(path + ": cannot open: " + std::strerror(errno));
  void* map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  close(fd);
  if (map == MAP_FAILED) {  // e.g. a file system without mmap: read it instead
    f.buffer_ = ReadRaw(path);
    f.data_ = f.buffer_.data();
    f.size_ = f.buffer_.size();
    return f;
  }
  f.map_ = map;
  f.data_ = static_cast<const std::uint8_t*>(map);
  f.size_ = size;
  return f;
}

FileContents::FileContents(FileContents&& other) noexcept { *this = std::move(other); }

FileContents& FileContents::operator=(FileContents&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = other.data_;
    size_ = other.size_;
    map_ = other.map_;
    buffer_ = std::move(other.buffer_);
    other.data_ = nullptr;
    other.size_ = 0;
    other.map_ = nullptr;
  }
  return *this;
}

FileContents::~FileContents() { Release(); }

void FileContents::Release() {
  if (map_ != nullptr) munmap(map_, size_);
  map_ = nullptr;
  data_ = nullptr;
  size_ = 0;
  std::vector<std::uint8_t>().swap(buffer_);
}

void AdviseHugePages(void* p, std::size_t n) {
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const std::uintptr_t begin = (reinterpret_cast<std::uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t end = (reinterpret_cast<std::uintptr_t>(p) + n) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

bool PathExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::vector<std::uint8_t> ReadFileBytes(const std::string& path) {
  std::vector<std::uint8_t> bytes = ReadRaw(path);
  if (IsGzipPath(path)) return Gunzip(bytes, path);
  return bytes;
}

std::string Sha256Hex(const std::uint8_t* data, std::size_t size) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data, size, md, &len, EVP_sha256(), nullptr) != 1 || len != 32) {
    throw DatasetError("OpenSSL SHA-256 failed");
  }
  static const char kHex[] = "0123456789abcdef";
  std::string hex(64, '0');
  for (unsigned i = 0; i < 32; ++i) {
    hex[2 * i] = kHex[md[i] >> 4];
    hex[2 * i + 1] = kHex[md[i] & 15];
  }
  return hex;
}

Sha256Cache::Sha256Cache(std::string cache_dir) : dir_(std::move(cache_dir)) {}

std::string Sha256Cache::DefaultDir() {
  if (const char* d = std::getenv("IMCNAS_CACHE_DIR"); d != nullptr && *d != '\0') return d;
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d != nullptr && *d != '\0') {
    return std::string(d) + "/imcnas";
  }
  if (const char* d = std::getenv("HOME"); d != nullptr && *d != '\0') {
    return std::string(d) + "/.cache/imcnas";
  }
  return "";
}

std::string Sha256Cache::StatKey(const std::string& path) const {
  char resolved[PATH_MAX];
  if (realpath(path.c_str(), resolved) == nullptr) return "";
  struct stat st;
  if (stat(resolved, &st) != 0 || !S_ISREG(st.st_mode)) return "";
  // File times have coarse granularity (a few ms): a file changed within the last second could
  // be rewritten again with the same times and size, so it is never looked up or cached.
  timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  auto ns = [](const timespec& t) { return std::int64_t{t.tv_sec} * 1000000000 + t.tv_nsec; };
  if (ns(now) - ns(st.st_mtim) < 1000000000 || ns(now) - ns(st.st_ctim) < 1000000000) return "";
  std::ostringstream key;
  key << resolved << '\n'
      << st.st_dev << ' ' << st.st_ino << ' ' << st.st_size << ' ' << st.st_mtim.tv_sec << '.'
      << st.st_mtim.tv_nsec << ' ' << st.st_ctim.tv_sec << '.' << st.st_ctim.tv_nsec;
  const std::string k = key.str();
  // The entry's file name is the sum of the key, so any path is a valid name.
  return Sha256Hex(reinterpret_cast<const std::uint8_t*>(k.data()), k.size());
}

bool Sha256Cache::Lookup(const std::string& path, std::string* sha256) const {
  if (dir_.empty()) return false;
  const std::string key = StatKey(path);
  if (key.empty()) return false;
  std::ifstream in(dir_ + "/sha256/" + key);
  std::string sum;
  if (!(in >> sum) || sum.size() != 64) return false;
  for (char c : sum) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  *sha256 = sum;
  return true;
}

void Sha256Cache::Store(const std::string& path, const std::string& sha256) {
  if (dir_.empty()) return;
  const std::string key = StatKey(path);
  if (key.empty()) return;
  // mkdir -p of the two levels we need; failures show up as a failed open below.
  std::string sub = dir_ + "/sha256";
  for (std::size_t i = 1; i <= sub.size(); ++i) {
    if (i == sub.size() || sub[i] == '/') mkdir(sub.substr(0, i).c_str(), 0755);
  }
  // Write then rename, so a concurrent reader never sees half an entry.
  const std::string final_name = sub + "/" + key;
  const std::string tmp_name = final_name + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(tmp_name, std::ios::trunc);
    if (!out) return;
    out << sha256 << '\n';
    if (!out.good()) {
      out.close();
      std::remove(tmp_name.c_str());
      return;
    }
  }
  if (std::rename(tmp_name.c_str(), final_name.c_str()) != 0) std::remove(tmp_name.c_str());
}

}  // namespace imcnas::datasets::internal
