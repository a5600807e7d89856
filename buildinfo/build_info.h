// What built this binary, for run records (the search binaries, //nn:train): git commit and dirty
// flag (from Bazel's workspace status, tools/workspace_status.sh), compiler, and the compile-time
// settings that change results or speed (optimisation, instruction sets, OpenMP, sanitizers).
#ifndef IMCNAS_BUILDINFO_BUILD_INFO_H_
#define IMCNAS_BUILDINFO_BUILD_INFO_H_

#include <nlohmann/json.hpp>

namespace imcnas::buildinfo {

// {"git_commit", "git_dirty", "compiler", "settings": {...}}.
nlohmann::json BuildInfo();

}  // namespace imcnas::buildinfo

#endif  // IMCNAS_BUILDINFO_BUILD_INFO_H_
