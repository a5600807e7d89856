// Shared by the project's command-line tools.
#ifndef IMCNAS_CLI_FLAGS_H_
#define IMCNAS_CLI_FLAGS_H_

#include <string>

#include <cxxopts.hpp>

namespace imcnas::cli {

// `bazel run` starts a tool in the runfiles tree: a relative path a user types means the
// directory they ran it from (BUILD_WORKING_DIRECTORY); absolute paths and plain runs are kept.
std::string UserPath(const std::string& path);

// The first flag given more than once ("" if none): a repeated flag is an error in every tool,
// never a silent "last one wins".
std::string RepeatedFlag(const cxxopts::ParseResult& args);

}  // namespace imcnas::cli

#endif  // IMCNAS_CLI_FLAGS_H_
