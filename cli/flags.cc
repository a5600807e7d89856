#include "cli/flags.h"

#include <cstdlib>

namespace imcnas::cli {

std::string UserPath(const std::string& path) {
  const char* cwd = std::getenv("BUILD_WORKING_DIRECTORY");
  if (cwd == nullptr || path.empty() || path[0] == '/') return path;
  return std::string(cwd) + "/" + path;
}

std::string RepeatedFlag(const cxxopts::ParseResult& args) {
  for (const auto& kv : args.arguments()) {
    if (args.count(kv.key()) > 1) return kv.key();
  }
  return "";
}

}  // namespace imcnas::cli
