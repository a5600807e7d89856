// An architecture lowered to primitive operations with their shapes. The trainer builds its
// layers from this list and the crossbar model prices it, so both see exactly the same network.
#ifndef IMCNAS_ARCH_GRAPH_H_
#define IMCNAS_ARCH_GRAPH_H_

#include <string>
#include <vector>

#include "arch/architecture.h"

namespace imcnas::arch {

enum class OpKind {
  kConv,           // k x k convolution, stride, padding, no bias in this spec
  kBatchNorm,      // per-channel, folded away by crossbar models
  kRelu,
  kMaxPool,        // kernel = stride = window
  kGlobalAvgPool,  // H x W x C -> 1 x 1 x C
  kFullyConnected, // flattens its input; with bias
  kAdd,            // element-wise sum of two inputs (residual)
};

const char* OpKindName(OpKind kind);

inline constexpr int kNetworkInput = -1;

struct Op {
  OpKind kind = OpKind::kConv;
  std::string name;         // e.g. "block2.conv1", "block2.shortcut", "head.fc1"
  std::vector<int> inputs;  // indices of earlier ops, or kNetworkInput
  Shape in;                 // shape of the (first) input
  Shape out;
  int kernel = 0;   // conv, max-pool
  int stride = 1;   // conv, max-pool
  int padding = 0;  // conv
  bool bias = false;
  int block = -1;   // index of the search-space block or explicit layer it belongs to; -1: head

  // Multiply-accumulates of one forward pass for one image (conv, fc; 0 for the rest).
  long long macs() const;
  // Trainable parameters (conv and fc weights and biases, BN scale and shift).
  long long params() const;
};

struct Graph {
  Shape input;
  int classes = 0;
  std::vector<Op> ops;  // topological order; the last op's output is the class scores

  long long macs() const;
  long long params() const;
};

// Lowers a validated architecture (see shared/spec/architecture.md for the semantics).
Graph Lower(const Architecture& architecture);

}  // namespace imcnas::arch

#endif  // IMCNAS_ARCH_GRAPH_H_
