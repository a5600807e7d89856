// Graphs the architecture language cannot write (a conv with bias, a BN without ReLU before a
// pool, ...), op by op, for the tests of the network's fused and folded passes.
#ifndef IMCNAS_TESTS_NN_HAND_BUILT_GRAPH_H_
#define IMCNAS_TESTS_NN_HAND_BUILT_GRAPH_H_

#include <string>
#include <utility>
#include <vector>

#include "arch/graph.h"

namespace imcnas::nn::testing {

// Appends an op named "op<index>" to g and returns its index.
inline int AddOp(arch::Graph& g, arch::OpKind kind, std::vector<int> inputs, arch::Shape in,
                 arch::Shape out, int kernel, int stride, int padding, bool bias) {
  arch::Op op;
  op.kind = kind;
  op.name = "op" + std::to_string(g.ops.size());
  op.inputs = std::move(inputs);
  op.in = in;
  op.out = out;
  op.kernel = kernel;
  op.stride = stride;
  op.padding = padding;
  op.bias = bias;
  g.ops.push_back(op);
  return static_cast<int>(g.ops.size()) - 1;
}

}  // namespace imcnas::nn::testing

#endif  // IMCNAS_TESTS_NN_HAND_BUILT_GRAPH_H_
