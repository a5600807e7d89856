#include "arch/graph.h"

#include <string>

namespace imcnas::arch {
namespace {

[[noreturn]] void Fail(const std::string& message) { throw ArchitectureError(message); }

// Appends ops while tracking the current tensor; keeps Lower() readable.
class GraphBuilder {
 public:
  explicit GraphBuilder(Graph* graph) : graph_(graph), shape_(graph->input) {}

  int current() const { return current_; }
  const Shape& shape() const { return shape_; }

  int Conv(const std::string& name, int from, const Shape& in, int kernel, int channels,
           int stride, int block) {
    const int padding = kernel / 2;
    const int h = (in.height + 2 * padding - kernel) / stride + 1;
    const int w = (in.width + 2 * padding - kernel) / stride + 1;
    if (h < 1 || w < 1) {
      Fail(name + ": " + std::to_string(kernel) + "x" + std::to_string(kernel) +
           " convolution does not fit a " + std::to_string(in.height) + "x" +
           std::to_string(in.width) + " map");
    }
    Op op;
    op.kind = OpKind::kConv;
    op.kernel = kernel;
    op.stride = stride;
    op.padding = padding;
    op.out = {h, w, channels};
    return Add(op, name, {from}, in, block);
  }

  int Unary(OpKind kind, const std::string& name, int from, const Shape& in, int block) {
    Op op;
    op.kind = kind;
    op.out = kind == OpKind::kGlobalAvgPool ? Shape{1, 1, in.channels} : in;
    return Add(op, name, {from}, in, block);
  }

  int MaxPool(const std::string& name, int from, const Shape& in, int window, int block) {
    if (in.height < window || in.width < window) {
      Fail(name + ": " + std::to_string(window) + "x" + std::to_string(window) +
           " pool does not fit a " + std::to_string(in.height) + "x" + std::to_string(in.width) +
           " map");
    }
    Op op;
    op.kind = OpKind::kMaxPool;
    op.kernel = window;
    op.stride = window;
    op.out = {in.height / window, in.width / window, in.channels};
    return Add(op, name, {from}, in, block);
  }

  int Fc(const std::string& name, int from, const Shape& in, int outputs, int block) {
    Op op;
    op.kind = OpKind::kFullyConnected;
    op.bias = true;
    op.out = {1, 1, outputs};
    return Add(op, name, {from}, in, block);
  }

  int Sum(const std::string& name, int a, int b, int block) {
    const Shape& sa = graph_->ops[a].out;
    const Shape& sb = graph_->ops[b].out;
    if (!(sa == sb)) Fail(name + ": residual shapes differ");
    Op op;
    op.kind = OpKind::kAdd;
    op.out = sa;
    return Add(op, name, {a, b}, sa, block);
  }

  // Conv -> BN (-> ReLU) chain on the current tensor.
  void ConvBn(const std::string& name, int kernel, int channels, int stride, int block,
              bool relu) {
    Conv(name, current_, shape_, kernel, channels, stride, block);
    Unary(OpKind::kBatchNorm, name + ".bn", current_, shape_, block);
    if (relu) Unary(OpKind::kRelu, name + ".relu", current_, shape_, block);
  }

 private:
  int Add(Op op, const std::string& name, std::vector<int> inputs, const Shape& in, int block) {
    op.name = name;
    op.inputs = std::move(inputs);
    op.in = in;
    op.block = block;
    graph_->ops.push_back(std::move(op));
    current_ = static_cast<int>(graph_->ops.size()) - 1;
    shape_ = graph_->ops.back().out;
    return current_;
  }

  Graph* graph_;
  Shape shape_;
  int current_ = kNetworkInput;
};

void LowerBlocks(const Architecture& arch, GraphBuilder& b) {
  for (size_t i = 0; i < arch.blocks.size(); ++i) {
    const Block& block = arch.blocks[i];
    const int bi = static_cast<int>(i);
    const std::string name = "block" + std::to_string(i);
    const int c = block.channels;
    if (block.kind == BlockKind::kRes) {
      const int input = b.current();
      const Shape input_shape = b.shape();
      b.ConvBn(name + ".conv1", 3, c, 1, bi, true);
      b.ConvBn(name + ".conv2", 3, c, 1, bi, false);
      const int main_path = b.current();
      // The shortcut is always a 1x1 conv + BN, even when channel counts agree (spec).
      b.Conv(name + ".shortcut", input, input_shape, 1, c, 1, bi);
      const int shortcut = b.Unary(OpKind::kBatchNorm, name + ".shortcut.bn", b.current(),
                                   b.shape(), bi);
      b.Sum(name + ".add", main_path, shortcut, bi);
      b.Unary(OpKind::kRelu, name + ".relu", b.current(), b.shape(), bi);
    } else {
      b.ConvBn(name + ".conv1", 3, c, 1, bi, true);
      b.ConvBn(name + ".conv2", 3, c, 1, bi, true);
      // VGG pools unless the map is already smaller than 2x2, so every block list is valid.
      if (block.kind == BlockKind::kVgg && b.shape().height >= 2 && b.shape().width >= 2) {
        b.MaxPool(name + ".pool", b.current(), b.shape(), 2, bi);
      }
    }
  }
  b.Unary(OpKind::kGlobalAvgPool, "head.gap", b.current(), b.shape(), -1);
  b.Fc("head.fc1", b.current(), b.shape(), 200, -1);
  b.Unary(OpKind::kRelu, "head.fc1.relu", b.current(), b.shape(), -1);
  b.Fc("head.fc2", b.current(), b.shape(), 50, -1);
  b.Unary(OpKind::kRelu, "head.fc2.relu", b.current(), b.shape(), -1);
  b.Fc("head.fc3", b.current(), b.shape(), arch.classes, -1);
}

void LowerLayers(const Architecture& arch, GraphBuilder& b) {
  bool flattened = false;
  const size_t n = arch.layers.size();
  for (size_t i = 0; i < n; ++i) {
    const LayerSpec& l = arch.layers[i];
    const int li = static_cast<int>(i);
    const std::string name = "layers[" + std::to_string(i) + "]";
    // The parser checks these too; an Architecture built in code is checked here.
    if (l.kind != LayerKind::kFc && (l.kernel < 1 || l.kernel > kMaxKernel)) {
      Fail(name + ": kernel must be in [1, " + std::to_string(kMaxKernel) + "]");
    }
    if (l.kind == LayerKind::kConv && (l.stride < 1 || l.stride > kMaxKernel)) {
      Fail(name + ": stride must be in [1, " + std::to_string(kMaxKernel) + "]");
    }
    if (l.kind != LayerKind::kPool && (l.channels < 1 || l.channels > kMaxClasses)) {
      Fail(name + ": channels or outputs out of range");
    }
    switch (l.kind) {
      case LayerKind::kConv:
        if (flattened) Fail(name + ": conv after fc (fc flattens its input)");
        b.ConvBn(name + ".conv", l.kernel, l.channels, l.stride, li, true);
        break;
      case LayerKind::kPool:
        if (flattened) Fail(name + ": pool after fc (fc flattens its input)");
        b.MaxPool(name + ".pool", b.current(), b.shape(), l.kernel, li);
        break;
      case LayerKind::kFc:
        flattened = true;
        b.Fc(name + ".fc", b.current(), b.shape(), l.channels, li);
        if (i + 1 < n) b.Unary(OpKind::kRelu, name + ".relu", b.current(), b.shape(), li);
        break;
    }
  }
  const LayerSpec& last = arch.layers.back();
  if (last.kind != LayerKind::kFc) Fail("layers must end with [\"fc\", classes]");
  if (last.channels != arch.classes) {
    Fail("the last fc has " + std::to_string(last.channels) + " outputs but classes is " +
         std::to_string(arch.classes));
  }
}

}  // namespace

const char* OpKindName(OpKind kind) {
  switch (kind) {
    case OpKind::kConv:
      return "conv";
    case OpKind::kBatchNorm:
      return "bn";
    case OpKind::kRelu:
      return "relu";
    case OpKind::kMaxPool:
      return "maxpool";
    case OpKind::kGlobalAvgPool:
      return "gap";
    case OpKind::kFullyConnected:
      return "fc";
    case OpKind::kAdd:
      return "add";
  }
  return "?";
}

namespace {

// Multiply-accumulates per image and weights (biases aside) of one op, counted in N: long long
// for Op::macs/params, long double for Lower's check that those cannot overflow.
template <typename N>
N MacsOf(const Op& op) {
  const N out = N(op.out.height) * op.out.width * op.out.channels;
  switch (op.kind) {
    case OpKind::kConv:
      return out * op.in.channels * op.kernel * op.kernel;
    case OpKind::kFullyConnected:
      return N(op.in.height) * op.in.width * op.in.channels * op.out.channels;
    default:
      return 0;
  }
}

template <typename N>
N WeightsOf(const Op& op) {
  switch (op.kind) {
    case OpKind::kConv:
      return N(op.in.channels) * op.kernel * op.kernel * op.out.channels;
    case OpKind::kFullyConnected:
      return N(op.in.height) * op.in.width * op.in.channels * op.out.channels;
    default:
      return 0;
  }
}

}  // namespace

long long Op::macs() const { return MacsOf<long long>(*this); }

long long Op::params() const {
  switch (kind) {
    case OpKind::kConv:
    case OpKind::kFullyConnected:
      return WeightsOf<long long>(*this) + (bias ? out.channels : 0);
    case OpKind::kBatchNorm:
      return 2LL * out.channels;
    default:
      return 0;
  }
}

long long Graph::macs() const {
  long long total = 0;
  for (const auto& op : ops) total += op.macs();
  return total;
}

long long Graph::params() const {
  long long total = 0;
  for (const auto& op : ops) total += op.params();
  return total;
}

Graph Lower(const Architecture& arch) {
  if (arch.input.height < 1 || arch.input.width < 1 || arch.input.channels < 1) {
    Fail("input must be three positive sizes [height, width, channels]");
  }
  if (arch.classes < 1) Fail("classes must be positive");
  if (arch.blocks.empty() == arch.layers.empty()) {
    Fail("exactly one of \"blocks\" or \"layers\" must be given");
  }
  for (size_t i = 0; i < arch.blocks.size(); ++i) {
    if (arch.blocks[i].channels < 1 || arch.blocks[i].channels > kMaxChannels) {
      Fail("blocks[" + std::to_string(i) + "] channels out of range");
    }
  }
  Graph graph;
  graph.input = arch.input;
  graph.classes = arch.classes;
  GraphBuilder builder(&graph);
  if (arch.is_block_network()) {
    LowerBlocks(arch, builder);
  } else {
    LowerLayers(arch, builder);
  }
  // Counts are long long: refuse a network whose multiply-accumulates or parameters could
  // overflow them (the size limits alone allow ~1.6e19 MACs in one layer).
  long double macs = 0, params = 0;
  for (const Op& op : graph.ops) {
    macs += MacsOf<long double>(op);
    params += WeightsOf<long double>(op);
  }
  if (macs > 0x1p62L || params > 0x1p62L) {
    Fail("the network is too large to count: " + std::to_string(static_cast<double>(macs)) +
         " multiply-accumulates per image (at most 2^62)");
  }
  return graph;
}

}  // namespace imcnas::arch
