#include "buildinfo/build_info.h"

#include <string>

#include "buildinfo/build_stamp.h"  // generated from Bazel's stable status: kGitCommit, kGitDirty

namespace imcnas::buildinfo {

nlohmann::json BuildInfo() {
  nlohmann::json settings;
#ifdef __OPTIMIZE__
  settings["optimized"] = true;
#else
  settings["optimized"] = false;
#endif
#ifdef NDEBUG
  settings["ndebug"] = true;
#else
  settings["ndebug"] = false;
#endif
#ifdef _OPENMP
  settings["openmp"] = _OPENMP;
#else
  settings["openmp"] = 0;
#endif
  nlohmann::json isa = nlohmann::json::array();
#ifdef __AVX2__
  isa.push_back("avx2");
#endif
#ifdef __FMA__
  isa.push_back("fma");
#endif
#ifdef __AVX512F__
  isa.push_back("avx512f");
#endif
  settings["instruction_sets"] = isa;
#if defined(__SANITIZE_ADDRESS__)
  settings["sanitizers"] = "address";
#else
  settings["sanitizers"] = "none";
#endif
  return {
      {"git_commit", std::string(kGitCommit)},
      {"git_dirty", std::string(kGitDirty) == "1"},
      {"compiler", std::string("g++ ") + __VERSION__},
      {"settings", settings},
  };
}

}  // namespace imcnas::buildinfo
