#include "nas/search_space.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace imcnas::nas {
namespace {

std::string BlockName(const BlockChoice& b) {
  return std::string("[") + arch::BlockKindName(b.kind) + ", " + std::to_string(b.channels) +
         ", k" + std::to_string(b.kernel) + "]";
}

template <typename T>
int IndexOf(const std::vector<T>& v, const T& x) {
  const auto it = std::find(v.begin(), v.end(), x);
  return it == v.end() ? -1 : static_cast<int>(it - v.begin());
}

}  // namespace

SearchSpace::SearchSpace(SearchSpaceOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  if (o.min_depth < 1 || o.max_depth < o.min_depth) {
    throw std::invalid_argument("SearchSpace: need 1 <= min_depth <= max_depth, got " +
                                std::to_string(o.min_depth) + ".." + std::to_string(o.max_depth));
  }
  if (o.kinds.empty() || o.channels.empty() || o.kernels.empty()) {
    throw std::invalid_argument("SearchSpace: kinds, channels and kernels must be non-empty");
  }
  auto check_unique_positive = [](const std::vector<int>& v, const char* what) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] <= 0) throw std::invalid_argument(std::string("SearchSpace: ") + what +
                                                 " must be positive");
      if (i > 0 && v[i] <= v[i - 1]) {
        throw std::invalid_argument(std::string("SearchSpace: ") + what +
                                    " must be strictly increasing");
      }
    }
  };
  check_unique_positive(o.channels, "channels");
  check_unique_positive(o.kernels, "kernels");
  for (int k : o.kernels) {
    if (k % 2 == 0 || k > arch::kMaxKernel) {
      throw std::invalid_argument("SearchSpace: kernel sizes must be odd and <= " +
                                  std::to_string(arch::kMaxKernel));
    }
  }
  for (std::size_t i = 0; i < o.kinds.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (o.kinds[i] == o.kinds[j]) throw std::invalid_argument("SearchSpace: repeated kind");
    }
  }
  const unsigned __int128 c = static_cast<unsigned __int128>(o.kinds.size()) * o.channels.size() *
                              o.kernels.size();
  const unsigned __int128 max64 = ~std::uint64_t{0};
  if (c > 1u << 20) throw std::invalid_argument("SearchSpace: too many choices per block");
  choices_ = static_cast<int>(c);
  unsigned __int128 power = 1, total = 0;
  for (int d = 1; d <= o.max_depth; ++d) {
    power *= c;
    if (power > max64) throw std::invalid_argument("SearchSpace: size exceeds 64 bits");
    if (d >= o.min_depth) {
      depth_offset_.push_back(static_cast<std::uint64_t>(total));
      depth_count_.push_back(static_cast<std::uint64_t>(power));
      total += power;
      if (total > max64) throw std::invalid_argument("SearchSpace: size exceeds 64 bits");
    }
  }
  depth_offset_.push_back(static_cast<std::uint64_t>(total));
  size_ = static_cast<std::uint64_t>(total);
}

SearchSpace SearchSpace::Paper() { return SearchSpace(SearchSpaceOptions{}); }

void SearchSpace::CheckIndex(std::uint64_t index) const {
  if (index >= size_) {
    throw std::out_of_range("network index " + std::to_string(index) +
                            " is outside the search space [0, " + std::to_string(size_) + ")");
  }
}

int SearchSpace::Depth(std::uint64_t index) const {
  CheckIndex(index);
  const auto it = std::upper_bound(depth_offset_.begin(), depth_offset_.end(), index);
  return options_.min_depth + static_cast<int>(it - depth_offset_.begin()) - 1;
}

std::vector<int> SearchSpace::DecodeDigits(std::uint64_t index) const {
  const int depth = Depth(index);
  std::uint64_t rest = index - depth_offset_[depth - options_.min_depth];
  std::vector<int> digits(depth);
  for (int i = depth - 1; i >= 0; --i) {
    digits[i] = static_cast<int>(rest % static_cast<std::uint64_t>(choices_));
    rest /= static_cast<std::uint64_t>(choices_);
  }
  return digits;
}

std::uint64_t SearchSpace::EncodeDigits(const std::vector<int>& digits) const {
  const int depth = static_cast<int>(digits.size());
  if (depth < options_.min_depth || depth > options_.max_depth) {
    throw std::invalid_argument("network of " + std::to_string(depth) +
                                " blocks is outside the search space's depths " +
                                std::to_string(options_.min_depth) + ".." +
                                std::to_string(options_.max_depth));
  }
  std::uint64_t value = 0;
  for (int i = 0; i < depth; ++i) {
    if (digits[i] < 0 || digits[i] >= choices_) {
      throw std::invalid_argument("block " + std::to_string(i) + ": choice " +
                                  std::to_string(digits[i]) + " is outside [0, " +
                                  std::to_string(choices_) + ")");
    }
    value = value * static_cast<std::uint64_t>(choices_) + static_cast<std::uint64_t>(digits[i]);
  }
  return depth_offset_[depth - options_.min_depth] + value;
}

BlockChoice SearchSpace::Choice(int digit) const {
  const int nk = static_cast<int>(options_.kernels.size());
  const int nc = static_cast<int>(options_.channels.size());
  BlockChoice b;
  b.kind = options_.kinds[digit / (nc * nk)];
  b.channels = options_.channels[(digit / nk) % nc];
  b.kernel = options_.kernels[digit % nk];
  return b;
}

std::vector<BlockChoice> SearchSpace::DecodeChoices(std::uint64_t index) const {
  std::vector<BlockChoice> blocks;
  for (int d : DecodeDigits(index)) blocks.push_back(Choice(d));
  return blocks;
}

std::uint64_t SearchSpace::EncodeChoices(const std::vector<BlockChoice>& blocks) const {
  const int nk = static_cast<int>(options_.kernels.size());
  const int nc = static_cast<int>(options_.channels.size());
  std::vector<int> digits;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const int a = IndexOf(options_.kinds, blocks[i].kind);
    const int b = IndexOf(options_.channels, blocks[i].channels);
    const int k = IndexOf(options_.kernels, blocks[i].kernel);
    if (a < 0 || b < 0 || k < 0) {
      throw std::invalid_argument("block " + std::to_string(i) + " " + BlockName(blocks[i]) +
                                  " is not in the search space (" +
                                  (a < 0 ? "kind" : b < 0 ? "channels" : "kernel") + ")");
    }
    digits.push_back((a * nc + b) * nk + k);
  }
  return EncodeDigits(digits);
}

std::vector<arch::Block> SearchSpace::Decode(std::uint64_t index) const {
  if (options_.kernels != std::vector<int>{3}) {
    throw std::logic_error(
        "SearchSpace::Decode: this space varies the kernel size, which arch::Block cannot "
        "express; use DecodeChoices");
  }
  std::vector<arch::Block> blocks;
  for (const BlockChoice& c : DecodeChoices(index)) blocks.push_back({c.kind, c.channels});
  return blocks;
}

std::uint64_t SearchSpace::Encode(const std::vector<arch::Block>& blocks) const {
  std::vector<BlockChoice> choices;
  for (const arch::Block& b : blocks) choices.push_back({b.kind, b.channels, 3});
  return EncodeChoices(choices);
}

arch::Architecture SearchSpace::ToArchitecture(std::uint64_t index, arch::Shape input,
                                               int classes) const {
  arch::Architecture a;
  a.id = "nas" + std::to_string(index);
  a.input = input;
  a.classes = classes;
  a.blocks = Decode(index);
  arch::Validate(a);
  return a;
}

std::uint64_t SearchSpace::Sample(Rng& rng) const { return rng.UniformInt(size_); }

std::uint64_t SearchSpace::SampleAtDepth(int depth, Rng& rng) const {
  if (depth < options_.min_depth || depth > options_.max_depth) {
    throw std::invalid_argument("SampleAtDepth: depth " + std::to_string(depth) +
                                " outside the space");
  }
  const int k = depth - options_.min_depth;
  return depth_offset_[k] + rng.UniformInt(depth_count_[k]);
}

std::vector<std::uint64_t> SearchSpace::Neighbours(std::uint64_t index) const {
  const std::vector<int> digits = DecodeDigits(index);
  const int depth = static_cast<int>(digits.size());
  std::vector<std::uint64_t> out;
  std::vector<int> d = digits;
  for (int i = 0; i < depth; ++i) {
    for (int c = 0; c < choices_; ++c) {
      if (c == digits[i]) continue;
      d[i] = c;
      out.push_back(EncodeDigits(d));
    }
    d[i] = digits[i];
  }
  if (depth < options_.max_depth) {
    for (int pos = 0; pos <= depth; ++pos) {
      std::vector<int> e = digits;
      e.insert(e.begin() + pos, 0);
      for (int c = 0; c < choices_; ++c) {
        e[pos] = c;
        out.push_back(EncodeDigits(e));
      }
    }
  }
  if (depth > options_.min_depth) {
    for (int pos = 0; pos < depth; ++pos) {
      std::vector<int> e = digits;
      e.erase(e.begin() + pos);
      out.push_back(EncodeDigits(e));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::uint64_t SearchSpace::Mutate(std::uint64_t index, Rng& rng) const {
  const std::vector<std::uint64_t> n = Neighbours(index);
  if (n.empty()) throw std::logic_error("SearchSpace::Mutate: network has no neighbours");
  return n[rng.UniformInt(n.size())];
}

int SearchSpace::num_continuous_features() const {
  const int per_slot = options_.kernels.size() > 1 ? 3 : 2;
  return per_slot * options_.max_depth + 3;
}

Encoding SearchSpace::Features(std::uint64_t index) const {
  const std::vector<BlockChoice> blocks = DecodeChoices(index);
  const int depth = static_cast<int>(blocks.size());
  const bool with_kernel = options_.kernels.size() > 1;
  const double log_c_lo = std::log2(options_.channels.front());
  const double log_c_span = std::log2(options_.channels.back()) - log_c_lo;
  const double k_lo = options_.kernels.front();
  const double k_span = options_.kernels.back() - k_lo;
  Encoding e;
  e.continuous.reserve(num_continuous_features());
  e.categorical.assign(options_.max_depth, static_cast<int>(options_.kinds.size()));
  double pools = 0, width_sum = 0;
  for (int s = 0; s < options_.max_depth; ++s) {
    if (s < depth) {
      const BlockChoice& b = blocks[s];
      // A single channel option still counts as full width, so "present" and width agree.
      const double w = log_c_span > 0 ? (std::log2(b.channels) - log_c_lo) / log_c_span : 1.0;
      e.continuous.push_back(1.0);
      e.continuous.push_back(w);
      if (with_kernel) e.continuous.push_back((b.kernel - k_lo) / k_span);
      e.categorical[s] = IndexOf(options_.kinds, b.kind);
      if (b.kind == arch::BlockKind::kVgg) pools += 1;
      width_sum += w;
    } else {
      e.continuous.push_back(0.0);
      e.continuous.push_back(0.0);
      if (with_kernel) e.continuous.push_back(0.0);
    }
  }
  e.continuous.push_back(static_cast<double>(depth) / options_.max_depth);
  e.continuous.push_back(pools / options_.max_depth);
  e.continuous.push_back(width_sum / depth);
  return e;
}

}  // namespace imcnas::nas
