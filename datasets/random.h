// Counter-based random numbers (SplitMix64 finaliser chained over the counters): a pure function
// of (seed, counters), so results do not depend on call order, thread count or the standard
// library's <random> (whose distributions are implementation-defined).
#ifndef IMCNAS_DATASETS_RANDOM_H_
#define IMCNAS_DATASETS_RANDOM_H_

#include <cstdint>

namespace imcnas::datasets {

// SplitMix64's output function (Steele, Lea, Flood 2014): a bijective 64-bit mixer.
constexpr std::uint64_t Mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// 64 random bits for (seed, a, b, c); distinct counters give independent-looking values.
constexpr std::uint64_t CounterRandom(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0,
                                      std::uint64_t c = 0) {
  return Mix64(Mix64(Mix64(Mix64(seed) ^ a) ^ b) ^ c);
}

// Maps 64 random bits to [0, n) by a 128-bit multiply (Lemire); bias below n / 2^64.
constexpr std::uint64_t Below(std::uint64_t bits, std::uint64_t n) {
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(bits) * n) >> 64);
}

}  // namespace imcnas::datasets

#endif  // IMCNAS_DATASETS_RANDOM_H_
