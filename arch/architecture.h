// The architecture file (shared/spec/architecture.md): the one language nn, imc, nas and bench
// share. One JSON object describes one CNN, either as blocks of the search space (VGG, MVGG, RES)
// or as an explicit layer list (e.g. VGG-8). Parsing validates everything and names the
// offending key; nothing downstream has to re-check shapes.
#ifndef IMCNAS_ARCH_ARCHITECTURE_H_
#define IMCNAS_ARCH_ARCHITECTURE_H_

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace imcnas::arch {

// Thrown for any malformed architecture; what() names the key or element at fault.
class ArchitectureError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class BlockKind { kVgg, kMvgg, kRes };

// "VGG", "MVGG", "RES".
const char* BlockKindName(BlockKind kind);

struct Block {
  BlockKind kind = BlockKind::kVgg;
  int channels = 0;
  friend bool operator==(const Block& a, const Block& b) {
    return a.kind == b.kind && a.channels == b.channels;
  }
};

enum class LayerKind { kConv, kPool, kFc };

// One entry of an explicit `layers` list.
struct LayerSpec {
  LayerKind kind = LayerKind::kConv;
  int kernel = 0;    // conv: k; pool: p
  int channels = 0;  // conv: output channels; fc: outputs
  int stride = 1;    // conv: s; pool: p
  friend bool operator==(const LayerSpec& a, const LayerSpec& b) {
    return a.kind == b.kind && a.kernel == b.kernel && a.channels == b.channels &&
           a.stride == b.stride;
  }
};

struct Shape {
  int height = 0;
  int width = 0;
  int channels = 0;
  long long size() const { return static_cast<long long>(height) * width * channels; }
  friend bool operator==(const Shape& a, const Shape& b) {
    return a.height == b.height && a.width == b.width && a.channels == b.channels;
  }
};

struct Architecture {
  std::string id;  // optional name; empty when absent
  Shape input;
  int classes = 0;
  std::vector<Block> blocks;      // non-empty for a network of the search space
  std::vector<LayerSpec> layers;  // non-empty for an explicit network

  bool is_block_network() const { return !blocks.empty(); }
  friend bool operator==(const Architecture& a, const Architecture& b) {
    return a.id == b.id && a.input == b.input && a.classes == b.classes &&
           a.blocks == b.blocks && a.layers == b.layers;
  }
};

// Limits of this project (the spec sets none beyond positive sizes). Lower() also refuses a
// network whose MAC or parameter count would pass 2^62, which these limits alone allow.
inline constexpr int kMaxImageSide = 4096;
inline constexpr int kMaxChannels = 65536;
inline constexpr int kMaxClasses = 1000000;
inline constexpr int kMaxKernel = 15;

// Parses and validates one architecture JSON object. Throws ArchitectureError.
Architecture ParseArchitecture(std::string_view json_text);

// Reads a file and parses it; the error names the file.
Architecture LoadArchitecture(const std::string& path);

// Canonical compact JSON (keys in the order id, input, classes, blocks|layers); parsing the
// result gives back an equal Architecture.
std::string ToJson(const Architecture& architecture);

// Checks shapes: throws ArchitectureError if a layer does not fit (e.g. a pool on a 1x1 map).
// ParseArchitecture calls it; callers that build an Architecture in code may call it too.
void Validate(const Architecture& architecture);

}  // namespace imcnas::arch

#endif  // IMCNAS_ARCH_ARCHITECTURE_H_
