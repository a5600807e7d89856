#include "arch/architecture.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "arch/graph.h"
#include "arch/json_limits.h"

namespace imcnas::arch {
namespace {

using nlohmann::json;

[[noreturn]] void Fail(const std::string& message) { throw ArchitectureError(message); }

std::string Describe(const json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

// A positive integer within [1, max]; `where` names the key for the message.
int PositiveInt(const json& value, const std::string& where, long long max) {
  if (!value.is_number_integer() && !value.is_number_unsigned()) {
    Fail(where + " must be a positive integer, got " + Describe(value));
  }
  if (value.is_number_unsigned()) {
    const auto v = value.get<unsigned long long>();
    if (v < 1 || v > static_cast<unsigned long long>(max)) {
      Fail(where + " must be in [1, " + std::to_string(max) + "], got " + Describe(value));
    }
    return static_cast<int>(v);
  }
  const auto v = value.get<long long>();
  if (v < 1 || v > max) {
    Fail(where + " must be in [1, " + std::to_string(max) + "], got " + Describe(value));
  }
  return static_cast<int>(v);
}

Block ParseBlock(const json& value, size_t index) {
  const std::string where = "blocks[" + std::to_string(index) + "]";
  if (!value.is_array() || value.size() != 2 || !value[0].is_string()) {
    Fail(where + " must be [KIND, channels] with KIND one of VGG, MVGG, RES; got " +
         Describe(value));
  }
  Block block;
  const auto kind = value[0].get<std::string>();
  if (kind == "VGG") {
    block.kind = BlockKind::kVgg;
  } else if (kind == "MVGG") {
    block.kind = BlockKind::kMvgg;
  } else if (kind == "RES") {
    block.kind = BlockKind::kRes;
  } else {
    Fail(where + ": unknown block kind \"" + kind + "\" (expected VGG, MVGG or RES)");
  }
  block.channels = PositiveInt(value[1], where + " channels", kMaxChannels);
  return block;
}

LayerSpec ParseLayer(const json& value, size_t index) {
  const std::string where = "layers[" + std::to_string(index) + "]";
  if (!value.is_array() || value.empty() || !value[0].is_string()) {
    Fail(where + " must be [\"conv\",k,c,s], [\"pool\",p] or [\"fc\",n]; got " + Describe(value));
  }
  const auto kind = value[0].get<std::string>();
  LayerSpec layer;
  if (kind == "conv") {
    if (value.size() != 4) Fail(where + ": conv takes [\"conv\", k, c, s], got " + Describe(value));
    layer.kind = LayerKind::kConv;
    layer.kernel = PositiveInt(value[1], where + " kernel", kMaxKernel);
    layer.channels = PositiveInt(value[2], where + " channels", kMaxChannels);
    layer.stride = PositiveInt(value[3], where + " stride", kMaxKernel);
  } else if (kind == "pool") {
    if (value.size() != 2) Fail(where + ": pool takes [\"pool\", p], got " + Describe(value));
    layer.kind = LayerKind::kPool;
    layer.kernel = PositiveInt(value[1], where + " size", kMaxImageSide);
    layer.stride = layer.kernel;
  } else if (kind == "fc") {
    if (value.size() != 2) Fail(where + ": fc takes [\"fc\", n], got " + Describe(value));
    layer.kind = LayerKind::kFc;
    layer.channels = PositiveInt(value[1], where + " outputs", kMaxClasses);
  } else {
    Fail(where + ": unknown layer kind \"" + kind + "\" (expected conv, pool or fc)");
  }
  return layer;
}

}  // namespace

const char* BlockKindName(BlockKind kind) {
  switch (kind) {
    case BlockKind::kVgg:
      return "VGG";
    case BlockKind::kMvgg:
      return "MVGG";
    case BlockKind::kRes:
      return "RES";
  }
  return "?";
}

// A valid architecture nests 3 levels deep ({"blocks": [["VGG", 64]]}); deeper input is refused
// before it is parsed, so nothing later (messages included) recurses without bound.
constexpr int kMaxJsonDepth = 16;

Architecture ParseArchitecture(std::string_view json_text) {
  json root;
  const std::string problem = JsonShapeProblem(json_text, kMaxJsonDepth, true);
  if (!problem.empty()) Fail(problem);
  try {
    root = json::parse(json_text.begin(), json_text.end());
  } catch (const json::parse_error& e) {
    Fail(std::string("architecture is not valid JSON: ") + e.what());
  }
  if (!root.is_object()) Fail("architecture must be a JSON object, got " + Describe(root));

  for (const auto& item : root.items()) {
    const auto& key = item.key();
    if (key != "id" && key != "input" && key != "classes" && key != "blocks" && key != "layers") {
      Fail("unknown key \"" + key + "\" (allowed: id, input, classes, blocks, layers)");
    }
  }

  Architecture arch;
  if (root.contains("id")) {
    if (!root["id"].is_string()) Fail("id must be a string, got " + Describe(root["id"]));
    arch.id = root["id"].get<std::string>();
  }

  if (!root.contains("input")) Fail("missing key \"input\" ([height, width, channels])");
  const json& input = root["input"];
  if (!input.is_array() || input.size() != 3) {
    Fail("input must be [height, width, channels], got " + Describe(input));
  }
  arch.input.height = PositiveInt(input[0], "input height", kMaxImageSide);
  arch.input.width = PositiveInt(input[1], "input width", kMaxImageSide);
  arch.input.channels = PositiveInt(input[2], "input channels", kMaxChannels);

  if (!root.contains("classes")) Fail("missing key \"classes\"");
  arch.classes = PositiveInt(root["classes"], "classes", kMaxClasses);

  const bool has_blocks = root.contains("blocks");
  const bool has_layers = root.contains("layers");
  if (has_blocks == has_layers) Fail("exactly one of \"blocks\" or \"layers\" must be given");
  if (has_blocks) {
    const json& blocks = root["blocks"];
    if (!blocks.is_array() || blocks.empty()) {
      Fail("blocks must be a non-empty array, got " + Describe(blocks));
    }
    for (size_t i = 0; i < blocks.size(); ++i) arch.blocks.push_back(ParseBlock(blocks[i], i));
  } else {
    const json& layers = root["layers"];
    if (!layers.is_array() || layers.empty()) {
      Fail("layers must be a non-empty array, got " + Describe(layers));
    }
    for (size_t i = 0; i < layers.size(); ++i) arch.layers.push_back(ParseLayer(layers[i], i));
  }
  Validate(arch);
  return arch;
}

Architecture LoadArchitecture(const std::string& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    Fail("architecture file " + path + " is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail("cannot open architecture file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) Fail("cannot read architecture file " + path);
  try {
    return ParseArchitecture(text.str());
  } catch (const ArchitectureError& e) {
    Fail(path + ": " + e.what());
  }
}

std::string ToJson(const Architecture& arch) {
  // Written by hand so the key order is fixed (id, input, classes, blocks|layers).
  std::ostringstream out;
  out << "{";
  if (!arch.id.empty()) out << "\"id\": " << json(arch.id).dump() << ", ";
  out << "\"input\": [" << arch.input.height << ", " << arch.input.width << ", "
      << arch.input.channels << "], \"classes\": " << arch.classes;
  if (arch.is_block_network()) {
    out << ", \"blocks\": [";
    for (size_t i = 0; i < arch.blocks.size(); ++i) {
      out << (i ? ", " : "") << "[\"" << BlockKindName(arch.blocks[i].kind) << "\", "
          << arch.blocks[i].channels << "]";
    }
  } else {
    out << ", \"layers\": [";
    for (size_t i = 0; i < arch.layers.size(); ++i) {
      const auto& l = arch.layers[i];
      out << (i ? ", " : "");
      switch (l.kind) {
        case LayerKind::kConv:
          out << "[\"conv\", " << l.kernel << ", " << l.channels << ", " << l.stride << "]";
          break;
        case LayerKind::kPool:
          out << "[\"pool\", " << l.kernel << "]";
          break;
        case LayerKind::kFc:
          out << "[\"fc\", " << l.channels << "]";
          break;
      }
    }
  }
  out << "]}";
  return out.str();
}

void Validate(const Architecture& arch) { (void)Lower(arch); }

}  // namespace imcnas::arch
