// The hardware view of an arch::Graph: the layers a crossbar accelerator executes, with their
// producers and consumers. Batch norm (folded) and ReLU (free) disappear; global average pooling
// becomes an average pool whose window is the whole feature map (as MNSIM's adaptive pool).
#ifndef IMCNAS_IMC_INTERNAL_LAYER_LIST_H_
#define IMCNAS_IMC_INTERNAL_LAYER_LIST_H_

#include <vector>

#include "arch/graph.h"

namespace imcnas::imc::internal {

enum class HwKind { kConv, kFc, kMaxPool, kAvgPool, kAdd, kDummyPool };

inline constexpr int kMaxInputs = 2;
// Largest conv or fc layer (input rows x output channels) the models price.
inline constexpr long long kMaxWeightsPerLayer = (1LL << 31) - 1;
inline constexpr int kMaxOutputs = 4;

struct HwLayer {
  HwKind kind = HwKind::kConv;
  int op = -1;  // index into Graph::ops; -1 for the dummy pool
  int cin = 0, cout = 0;
  int kernel = 1, stride = 1, padding = 0;
  int hin = 1, win = 1, hout = 1, wout = 1;
  // Producers (hardware-layer indices; -1: the network input) and consumers.
  int inputs[kMaxInputs] = {-1, -1};
  int n_inputs = 0;
  int outputs[kMaxOutputs] = {0, 0, 0, 0};
  int n_outputs = 0;
};

// Builds the hardware layer list. With `dummy_input_pool`, a network whose input feeds more than
// one layer (a first RES block) gets a 1x1 max pool in front that all of them read, as the
// reference runs of MNSIM do (MNSIM can feed the network input only to its first layer).
// Throws std::invalid_argument for a graph it cannot map (e.g. an op kind it does not know).
void BuildLayerList(const arch::Graph& graph, bool dummy_input_pool, std::vector<HwLayer>* out);

}  // namespace imcnas::imc::internal

#endif  // IMCNAS_IMC_INTERNAL_LAYER_LIST_H_
