// Prints the search space's size and, with --index I, the network with that index as an
// architecture JSON object (run records cite networks by index).
//   bazel run //nas:space_info -- [--index I] [--input 32,32,3] [--classes 10]
#include <cstdint>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <cxxopts.hpp>

#include "arch/architecture.h"
#include "cli/flags.h"
#include "nas/search_space.h"

namespace {

std::uint64_t ParseIndex(const std::string& text) {
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos) {
    throw std::invalid_argument("--index: '" + text + "' is not a non-negative integer");
  }
  unsigned __int128 v = 0;
  for (char c : text) v = v * 10 + static_cast<unsigned>(c - '0');
  if (v > ~std::uint64_t{0}) throw std::invalid_argument("--index: '" + text + "' is too large");
  return static_cast<std::uint64_t>(v);
}

imcnas::arch::Shape ParseShape(const std::string& text) {
  std::vector<int> v;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (part.empty() || part.size() > 9 || part.find_first_not_of("0123456789") != std::string::npos) {
      throw std::invalid_argument("--input: expected H,W,C positive integers, got '" + text + "'");
    }
    v.push_back(std::stoi(part));
  }
  if (v.size() != 3 || text.back() == ',') {
    throw std::invalid_argument("--input: expected H,W,C positive integers, got '" + text + "'");
  }
  return {v[0], v[1], v[2]};
}

}  // namespace

int main(int argc, char** argv) {
  try {
    cxxopts::Options options("space_info", "Size of the NAS search space; decode a network index");
    options.add_options()("index", "network index to decode", cxxopts::value<std::string>())(
        "input", "input shape H,W,C", cxxopts::value<std::string>()->default_value("32,32,3"))(
        "classes", "number of classes", cxxopts::value<int>()->default_value("10"))(
        "h,help", "show this help");
    const auto args = options.parse(argc, argv);
    if (args.count("help")) {
      std::cout << options.help() << "\n";
      return 0;
    }
    if (!args.unmatched().empty()) {
      throw std::invalid_argument("unexpected argument '" + args.unmatched().front() + "'");
    }
    if (const std::string repeated = imcnas::cli::RepeatedFlag(args); !repeated.empty()) {
      throw std::invalid_argument("--" + repeated + " given more than once");
    }
    const imcnas::nas::SearchSpace space = imcnas::nas::SearchSpace::Paper();
    // Checked whether or not --index is given.
    const imcnas::arch::Shape input = ParseShape(args["input"].as<std::string>());
    const int classes = args["classes"].as<int>();
    std::string json;
    if (args.count("index")) {
      const std::uint64_t index = ParseIndex(args["index"].as<std::string>());
      json = imcnas::arch::ToJson(space.ToArchitecture(index, input, classes));
      // Printed only if the project's own parser accepts it (its size limits included).
      imcnas::arch::ParseArchitecture(json);
    } else {
      imcnas::arch::ParseArchitecture(imcnas::arch::ToJson(space.ToArchitecture(0, input, classes)));
    }
    std::cout << "search space: depth " << space.options().min_depth << ".."
              << space.options().max_depth << ", " << space.choices_per_block()
              << " choices per block (VGG, MVGG, RES x channels 16,32,48,64,96,128), "
              << space.size() << " networks, indices 0.." << space.size() - 1 << "\n";
    if (!json.empty()) std::cout << json << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "space_info: error: " << e.what() << "\n";
    return 2;
  }
}
