// Small pieces of run-record plumbing: atomic file replacement (a killed run never leaves a torn
// record), SHA-256 of a byte string (run ids), and canonical JSON text.
#ifndef IMCNAS_BENCH_RECORD_IO_H_
#define IMCNAS_BENCH_RECORD_IO_H_

#include <string>

#include <nlohmann/json.hpp>

namespace imcnas::bench {

// Writes `contents` to a temporary file beside `path`, flushes it to disk, then renames it over
// `path`. Throws std::runtime_error naming the file on failure.
void WriteFileAtomically(const std::string& path, const std::string& contents);

// Whole file as bytes; throws std::runtime_error naming the file.
std::string ReadFile(const std::string& path);

// Lower-case hex SHA-256.
std::string Sha256Hex(const std::string& bytes);

// The one text form of a record: two-space indented, keys in insertion order, doubles printed
// so that they read back to the same bits, a final newline.
std::string CanonicalJson(const nlohmann::ordered_json& value);

}  // namespace imcnas::bench

#endif  // IMCNAS_BENCH_RECORD_IO_H_
