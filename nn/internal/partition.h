// The fixed work partition that makes every result independent of the OpenMP thread count.
// Work over the batch is cut into kGroups contiguous groups of images whatever the number of
// threads; a reduction over the batch keeps one partial sum per group and adds the groups in
// index order. Eigen itself always runs single-threaded inside a group, so its blocking (and
// hence its summation order) depends only on the matrix sizes, which depend only on the group.
// Which thread computes a group does not matter, so the loops over groups (and over channels, and
// the Winograd forward pass's chunks) hand them out dynamically, one at a time: on this shared VM
// one core often runs slower than the other for a while, and a static split waits for it.
#ifndef IMCNAS_NN_INTERNAL_PARTITION_H_
#define IMCNAS_NN_INTERNAL_PARTITION_H_

#include <algorithm>
#include <cstddef>

namespace imcnas::nn::internal {

// Enough groups to keep up to 8 threads busy; more would only cost partial-sum memory.
inline constexpr int kGroups = 8;

inline int NumGroups(int items) { return std::max(1, std::min(items, kGroups)); }

// First item of group g of `groups` over `items` items.
inline int GroupBegin(int g, int groups, int items) {
  return static_cast<int>(static_cast<long long>(g) * items / groups);
}

// Eight double lanes as one GCC vector: lane-wise arithmetic, so a sum kept in Lanes adds
// every lane in the same order as eight scalar accumulators would, but compiles to one AVX-512
// register (two AVX ones without AVX-512: layers.cc then silences GCC's -Wpsabi note about
// passing it by value). GCC leaves the equivalent loop over a double[8] scalar.
using Lanes = double __attribute__((vector_size(64)));

// Elements p[0..7] as doubles.
inline Lanes Load8(const float* p) {
  using Floats = float __attribute__((vector_size(32)));
  Floats v;
  __builtin_memcpy(&v, p, sizeof v);
  return __builtin_convertvector(v, Lanes);
}
inline Lanes Load8(const double* p) {
  Lanes v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

// The lanes added in LaneSum's fixed tree.
inline double Combine(Lanes a) {
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

// Sum of f(0..n-1) in double with 8 interleaved lanes combined in a fixed tree: accurate,
// vectorisable, and bit-identical on every run.
template <typename F>
double LaneSum(std::size_t n, F f) {
  double lane[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int l = 0; l < 8; ++l) lane[l] += f(i + l);
  }
  for (int l = 0; i < n; ++i, ++l) lane[l] += f(i);
  return ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
}

}  // namespace imcnas::nn::internal

#endif  // IMCNAS_NN_INTERNAL_PARTITION_H_
