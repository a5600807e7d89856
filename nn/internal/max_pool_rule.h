// MaxPool's comparison, shared by the layer and the Winograd output transform that folds a 2x2
// pool in, so that both pick the same value: a window is scanned in row-major order and a value
// replaces the best so far when it is larger or NaN, unless the best is already NaN (the first
// maximum wins ties; a NaN propagates, as in PyTorch). And one output row of the 2x2 pool with
// that rule, shared by the layer and the BN that runs a pool in its own pass.
#ifndef IMCNAS_NN_INTERNAL_MAX_POOL_RULE_H_
#define IMCNAS_NN_INTERNAL_MAX_POOL_RULE_H_

#include <cstdint>

namespace imcnas::nn::internal {

template <typename T>
inline bool MaxPoolTakes(T candidate, T best) {
  return !(candidate <= best) && best == best;
}

// Output row of a 2x2 max-pool of stride 2 over input rows r0 and r0 + w: out[ox] the maximum
// of window ox by MaxPoolTakes, winner[ox] its offset from r0 plus `base`. Branch-free, so that
// it vectorises.
template <typename T>
inline void MaxPool2x2Row(const T* r0, int w, int ow, std::int32_t base, T* out,
                          std::int32_t* winner) {
  const T* r1 = r0 + w;
#pragma omp simd
  for (int ox = 0; ox < ow; ++ox) {
    T value = r0[2 * ox];
    std::int32_t best = base + 2 * ox;
    const T c[3] = {r0[2 * ox + 1], r1[2 * ox], r1[2 * ox + 1]};
    const std::int32_t ci[3] = {best + 1, best + w, best + w + 1};
    for (int k = 0; k < 3; ++k) {
      const bool take = MaxPoolTakes(c[k], value);
      value = take ? c[k] : value;
      best = take ? ci[k] : best;
    }
    out[ox] = value;
    winner[ox] = best;
  }
}

}  // namespace imcnas::nn::internal

#endif  // IMCNAS_NN_INTERNAL_MAX_POOL_RULE_H_
