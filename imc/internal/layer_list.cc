#include "imc/internal/layer_list.h"

#include <stdexcept>
#include <string>

namespace imcnas::imc::internal {
namespace {

void AddConsumer(std::vector<HwLayer>* layers, int producer, int consumer) {
  if (producer < 0) return;
  HwLayer& p = (*layers)[producer];
  for (int i = 0; i < p.n_outputs; ++i) {
    if (p.outputs[i] == consumer) return;
  }
  if (p.n_outputs == kMaxOutputs) {
    throw std::invalid_argument("imc: a layer feeds more than " + std::to_string(kMaxOutputs) +
                                " layers");
  }
  p.outputs[p.n_outputs++] = consumer;
}

}  // namespace

void BuildLayerList(const arch::Graph& graph, bool dummy_input_pool, std::vector<HwLayer>* out) {
  std::vector<HwLayer>& layers = *out;
  layers.clear();
  layers.reserve(graph.ops.size() + 1);
  const int n_ops = static_cast<int>(graph.ops.size());
  // Hardware layer producing each op's value (-1: the network input).
  // Reused across calls; static TLS model as in mnsim_engine.cc's GetScratch.
  thread_local std::vector<int> producer __attribute__((tls_model("initial-exec")));
  producer.assign(n_ops, -1);

  // Whether more than one layer reads the network input (counting stops at two).
  int input_readers = 0;
  if (dummy_input_pool) {
    for (const arch::Op& op : graph.ops) {
      if (op.kind == arch::OpKind::kBatchNorm || op.kind == arch::OpKind::kRelu) continue;
      for (int in : op.inputs) input_readers += in == arch::kNetworkInput;
      if (input_readers > 1) break;
    }
  }
  int network_input = -1;
  if (input_readers > 1) {
    HwLayer d;
    d.kind = HwKind::kDummyPool;
    d.cin = d.cout = graph.input.channels;
    d.hin = d.hout = graph.input.height;
    d.win = d.wout = graph.input.width;
    layers.push_back(d);
    network_input = 0;
  }
  auto source = [&](int op_input) {
    return op_input == arch::kNetworkInput ? network_input : producer[op_input];
  };

  for (int i = 0; i < n_ops; ++i) {
    const arch::Op& op = graph.ops[i];
    if (op.kind == arch::OpKind::kBatchNorm || op.kind == arch::OpKind::kRelu) {
      producer[i] = source(op.inputs.at(0));
      continue;
    }
    // Built in place (reserved above, so the reference stays valid): copying a finished layer
    // in would reread its fields just written one by one.
    const int index = static_cast<int>(layers.size());
    HwLayer& l = layers.emplace_back();
    l.op = i;
    l.cin = op.in.channels;
    l.cout = op.out.channels;
    l.hin = op.in.height;
    l.win = op.in.width;
    l.hout = op.out.height;
    l.wout = op.out.width;
    switch (op.kind) {
      case arch::OpKind::kConv:
        l.kind = HwKind::kConv;
        l.kernel = op.kernel;
        l.stride = op.stride;
        l.padding = op.padding;
        break;
      case arch::OpKind::kFullyConnected:
        l.kind = HwKind::kFc;
        l.cin = static_cast<int>(op.in.size());  // flattens its input
        l.hin = l.win = l.hout = l.wout = 1;
        break;
      case arch::OpKind::kMaxPool:
        l.kind = HwKind::kMaxPool;
        l.kernel = op.kernel;
        l.stride = op.stride;
        break;
      case arch::OpKind::kGlobalAvgPool:
        // MNSIM's adaptive average pool, costed from a kernel set to the feature-map size. Its
        // window is square: a non-square map would be read only in part (wrong schedule).
        if (op.in.height != op.in.width) {
          throw std::invalid_argument("imc: " + op.name + ": global average pooling of a " +
                                      std::to_string(op.in.height) + "x" +
                                      std::to_string(op.in.width) +
                                      " map is not modelled (square maps only)");
        }
        l.kind = HwKind::kAvgPool;
        l.kernel = op.in.height;
        l.stride = 1;
        break;
      case arch::OpKind::kAdd:
        l.kind = HwKind::kAdd;
        break;
      default:
        throw std::invalid_argument(std::string("imc: cannot map op kind ") +
                                    arch::OpKindName(op.kind) + " (" + op.name + ")");
    }
    if (l.kind == HwKind::kConv || l.kind == HwKind::kFc) {
      // Counts of rows, crossbars and tiles are ints; a layer past 2^31 weights (8 GiB of
      // float weights, far beyond any crossbar chip) cannot be priced, and is said so.
      const long long inputs = op.kind == arch::OpKind::kFullyConnected
                                   ? op.in.size()
                                   : static_cast<long long>(op.in.channels) * op.kernel * op.kernel;
      if (static_cast<__int128>(inputs) * op.out.channels > kMaxWeightsPerLayer) {
        throw std::invalid_argument("imc: layer " + op.name + " has " + std::to_string(inputs) +
                                    " x " + std::to_string(op.out.channels) +
                                    " weights, more than the 2^31 - 1 a layer may have here");
      }
    }
    if (op.inputs.empty() || static_cast<int>(op.inputs.size()) > kMaxInputs) {
      throw std::invalid_argument("imc: op " + op.name + " has an unsupported input count");
    }
    for (int in : op.inputs) l.inputs[l.n_inputs++] = source(in);
    for (int k = 0; k < l.n_inputs; ++k) AddConsumer(&layers, l.inputs[k], index);
    producer[i] = index;
  }
  if (layers.empty()) throw std::invalid_argument("imc: the graph has no layers to map");
}

}  // namespace imcnas::imc::internal
