// The search space: CNNs of 1 to 7 blocks, each block one of VGG, MVGG, RES with output channels
// from {16, 32, 48, 64, 96, 128} (the paper's space, 648,232,974 block lists), and the numbering
// that gives every block list an index in [0, size()). Not every list is a different network: a
// VGG block on a map already below 2x2 does not pool (arch/graph.cc) and so equals the MVGG
// block of the same width; the space does not know the input size and counts both (distinct
// networks: 643,987,278 on 32x32 inputs, 619,905,006 on 28x28).
//
// Numbering. A block is one of C "choices" (kind x channels x kernel, in that nesting order, so
// in the paper's space choice 0 is VGG-16, 5 is VGG-128, 6 is MVGG-16, ..., 17 is RES-128).
// Networks are ordered by depth first: the C^min_depth networks of the smallest depth come first,
// then those one block deeper, and so on. Within one depth the block list is read as a number in
// base C with the first (input-side) block as the most significant digit. Encode and Decode are
// exact inverses on [0, size()).
//
// The optimisers see only indices, Sample, Neighbours and the feature encoding, so the space can
// grow (kernel sizes per block, other channel sets or depths) without touching them.
#ifndef IMCNAS_NAS_SEARCH_SPACE_H_
#define IMCNAS_NAS_SEARCH_SPACE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "arch/architecture.h"
#include "nas/random.h"

namespace imcnas::nas {

struct SearchSpaceOptions {
  int min_depth = 1;
  int max_depth = 7;
  std::vector<arch::BlockKind> kinds = {arch::BlockKind::kVgg, arch::BlockKind::kMvgg,
                                        arch::BlockKind::kRes};
  std::vector<int> channels = {16, 32, 48, 64, 96, 128};
  // Convolution kernel size per block. The architecture format (arch::Block) has no kernel field
  // yet, so a space with anything but {3} can be searched but not decoded to arch::Block; see
  // DecodeChoices.
  std::vector<int> kernels = {3};
};

// One block with every attribute the space varies.
struct BlockChoice {
  arch::BlockKind kind = arch::BlockKind::kVgg;
  int channels = 0;
  int kernel = 3;
  friend bool operator==(const BlockChoice& a, const BlockChoice& b) {
    return a.kind == b.kind && a.channels == b.channels && a.kernel == b.kernel;
  }
};

// Fixed-length encoding of a variable-depth network for the Gaussian process.
//
// Why this encoding: a GP needs a fixed-length input, but networks have 1..max_depth blocks. We
// give every network max_depth slots and fill the slots after its last block as "absent":
// - continuous (Matérn 5/2 with one length-scale per entry, all in [0, 1]):
//     per slot s: present_s (1 or 0); width_s = position of log2(channels) between the smallest
//     and largest channel count (0 when absent, i.e. an absent block looks like a block of zero
//     width, so going one block deeper is a small step when the added block is narrow);
//     kernel_s likewise when the space has more than one kernel size;
//   then three whole-network summaries that the slot entries can express only through many
//   length-scales at once, and that drive both accuracy and crossbar cost: depth fraction,
//   VGG blocks / max_depth (VGG halves the feature map, so this sets the resolution of
//   everything after it), and mean width.
// - categorical (overlap / Hamming kernel, one weight per slot): the kind of block in slot s,
//   with "absent" as its own category (value kinds.size()). Block kinds are categories, not
//   points on a line: VGG is not "between" MVGG and RES.
struct Encoding {
  std::vector<double> continuous;
  std::vector<int> categorical;
};

class SearchSpace {
 public:
  // Throws std::invalid_argument for an empty or inconsistent option set, or one whose size
  // does not fit 64 bits.
  explicit SearchSpace(SearchSpaceOptions options);
  static SearchSpace Paper();

  const SearchSpaceOptions& options() const { return options_; }
  std::uint64_t size() const { return size_; }
  int choices_per_block() const { return choices_; }

  // Throws std::out_of_range naming the index and the size.
  std::vector<BlockChoice> DecodeChoices(std::uint64_t index) const;
  // Throws std::invalid_argument naming the offending block.
  std::uint64_t EncodeChoices(const std::vector<BlockChoice>& blocks) const;

  // As above for the architecture format's blocks (kernel 3). Decode throws std::logic_error if
  // the space varies the kernel size, which arch::Block cannot express.
  std::vector<arch::Block> Decode(std::uint64_t index) const;
  std::uint64_t Encode(const std::vector<arch::Block>& blocks) const;

  // The network as an architecture file object; id is "nas<index>". Throws as Decode, and
  // arch::ArchitectureError if the input shape or class count is invalid.
  arch::Architecture ToArchitecture(std::uint64_t index, arch::Shape input, int classes) const;

  int Depth(std::uint64_t index) const;
  // Choice numbers (0..C-1) of the blocks, input side first.
  std::vector<int> DecodeDigits(std::uint64_t index) const;
  std::uint64_t EncodeDigits(const std::vector<int>& digits) const;
  BlockChoice Choice(int digit) const;

  // Uniform over all size() networks (so nearly all samples have max_depth blocks).
  std::uint64_t Sample(Rng& rng) const;
  // Uniform depth in [min_depth, max_depth], then uniform blocks: covers shallow networks.
  std::uint64_t SampleAtDepth(int depth, Rng& rng) const;

  // Every network one edit away: change one block to another choice, insert one block anywhere,
  // or remove one block. Sorted, without duplicates, never containing `index` itself.
  std::vector<std::uint64_t> Neighbours(std::uint64_t index) const;
  // One uniformly chosen neighbour.
  std::uint64_t Mutate(std::uint64_t index, Rng& rng) const;

  Encoding Features(std::uint64_t index) const;
  int num_continuous_features() const;
  int num_categorical_features() const { return options_.max_depth; }
  int categorical_cardinality() const { return static_cast<int>(options_.kinds.size()) + 1; }

 private:
  void CheckIndex(std::uint64_t index) const;

  SearchSpaceOptions options_;
  int choices_ = 0;
  std::uint64_t size_ = 0;
  std::vector<std::uint64_t> depth_offset_;  // first index of each depth, min_depth..max_depth+1
  std::vector<std::uint64_t> depth_count_;   // C^d
};

}  // namespace imcnas::nas

#endif  // IMCNAS_NAS_SEARCH_SPACE_H_
