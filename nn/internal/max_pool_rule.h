// MaxPool's comparison, shared by the layer and the Winograd output transform that folds a 2x2
// pool in, so that both pick the same value: a window is scanned in row-major order and a value
// replaces the best so far when it is larger or NaN, unless the best is already NaN (the first
// maximum wins ties; a NaN propagates, as in PyTorch).
#ifndef IMCNAS_NN_INTERNAL_MAX_POOL_RULE_H_
#define IMCNAS_NN_INTERNAL_MAX_POOL_RULE_H_

namespace imcnas::nn::internal {

template <typename T>
inline bool MaxPoolTakes(T candidate, T best) {
  return !(candidate <= best) && best == best;
}

}  // namespace imcnas::nn::internal

#endif  // IMCNAS_NN_INTERNAL_MAX_POOL_RULE_H_
