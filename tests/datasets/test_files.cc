#include "tests/datasets/test_files.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <zlib.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace imcnas::datasets::testing {
namespace {

void PutBigEndian32(Bytes& out, std::uint32_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 24));
  out.push_back(static_cast<std::uint8_t>(v >> 16));
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

}  // namespace

std::string MakeTempDir(const std::string& tag) {
  static std::atomic<int> counter{0};
  const char* base = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(base != nullptr ? base : "/tmp") + "/" + tag + "_" +
                    std::to_string(counter++) + "_" + std::to_string(std::rand());
  if (mkdir(dir.c_str(), 0755) != 0) throw std::runtime_error("cannot create " + dir);
  return dir;
}

void WriteFile(const std::string& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

Bytes ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::uint8_t Pixel(std::size_t i, std::size_t p) {
  return static_cast<std::uint8_t>((i * 131 + p * 7 + (p >> 5) * 3) & 0xff);
}

Bytes IdxImagesFile(std::uint32_t count, std::uint32_t rows, std::uint32_t cols) {
  Bytes out;
  PutBigEndian32(out, 0x00000803);
  PutBigEndian32(out, count);
  PutBigEndian32(out, rows);
  PutBigEndian32(out, cols);
  const std::size_t image = std::size_t{rows} * cols;
  out.resize(16 + count * image);
  for (std::size_t i = 0; i < count; ++i) {
    for (std::size_t p = 0; p < image; ++p) out[16 + i * image + p] = Pixel(i, p);
  }
  return out;
}

Bytes IdxLabelsFile(const std::vector<std::uint8_t>& labels) {
  Bytes out;
  PutBigEndian32(out, 0x00000801);
  PutBigEndian32(out, static_cast<std::uint32_t>(labels.size()));
  out.insert(out.end(), labels.begin(), labels.end());
  return out;
}

Bytes Cifar10File(const std::vector<std::uint8_t>& labels) {
  Bytes out;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    out.push_back(labels[i]);
    for (std::size_t p = 0; p < 3072; ++p) out.push_back(Pixel(i, p));
  }
  return out;
}

Bytes Cifar100File(const std::vector<std::uint8_t>& coarse, const std::vector<std::uint8_t>& fine) {
  Bytes out;
  for (std::size_t i = 0; i < coarse.size(); ++i) {
    out.push_back(coarse[i]);
    out.push_back(fine[i]);
    for (std::size_t p = 0; p < 3072; ++p) out.push_back(Pixel(i, p));
  }
  return out;
}

Bytes Gzip(const Bytes& raw) {
  z_stream z;
  std::memset(&z, 0, sizeof(z));
  if (deflateInit2(&z, 1, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2");
  }
  Bytes out(deflateBound(&z, raw.size()) + 64);
  z.next_in = const_cast<Bytef*>(raw.data());
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Sha256(const Bytes& bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &len, EVP_sha256(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof(buf), "%02x", md[i]);
    hex += buf;
  }
  return hex;
}

}  // namespace imcnas::datasets::testing
