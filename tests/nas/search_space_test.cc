#include "nas/search_space.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include <gtest/gtest.h>

#include "arch/architecture.h"
#include "arch/graph.h"

namespace imcnas::nas {
namespace {

using arch::Block;
using arch::BlockKind;

TEST(SearchSpaceTest, PaperSizeIsSumOfPowersOf18) {
  const SearchSpace space = SearchSpace::Paper();
  std::uint64_t expected = 0, p = 1;
  for (int d = 1; d <= 7; ++d) expected += (p *= 18);
  EXPECT_EQ(expected, 648232974u);
  EXPECT_EQ(space.size(), 648232974u);
  EXPECT_EQ(space.choices_per_block(), 18);
}

TEST(SearchSpaceTest, EndsDecodeAsDocumented) {
  const SearchSpace space = SearchSpace::Paper();
  EXPECT_EQ(space.Decode(0), (std::vector<Block>{{BlockKind::kVgg, 16}}));
  EXPECT_EQ(space.Decode(17), (std::vector<Block>{{BlockKind::kRes, 128}}));
  EXPECT_EQ(space.Decode(18), (std::vector<Block>{{BlockKind::kVgg, 16}, {BlockKind::kVgg, 16}}));
  EXPECT_EQ(space.Decode(19), (std::vector<Block>{{BlockKind::kVgg, 16}, {BlockKind::kVgg, 32}}));
  EXPECT_EQ(space.Decode(6), (std::vector<Block>{{BlockKind::kMvgg, 16}}));
  const std::vector<Block> last = space.Decode(space.size() - 1);
  EXPECT_EQ(last, std::vector<Block>(7, Block{BlockKind::kRes, 128}));
  EXPECT_EQ(space.Encode(last), space.size() - 1);
  // First network of depth 7.
  const std::uint64_t first7 = space.size() - 612220032u;  // 18^7
  EXPECT_EQ(space.Decode(first7), std::vector<Block>(7, Block{BlockKind::kVgg, 16}));
  EXPECT_EQ(space.Decode(first7 - 1), std::vector<Block>(6, Block{BlockKind::kRes, 128}));
  for (std::uint64_t i : {std::uint64_t{0}, std::uint64_t{17}, std::uint64_t{18}, first7 - 1, first7,
                          space.size() - 1}) {
    EXPECT_EQ(space.Encode(space.Decode(i)), i) << i;
  }
}

TEST(SearchSpaceTest, BijectionOnRandomIndicesAndBlockLists) {
  const SearchSpace space = SearchSpace::Paper();
  Rng rng(7);
  for (int t = 0; t < 20000; ++t) {
    const std::uint64_t i = space.Sample(rng);
    ASSERT_EQ(space.Encode(space.Decode(i)), i);
  }
  // And the other way: random block lists of every depth.
  const auto& o = space.options();
  for (int t = 0; t < 5000; ++t) {
    const int depth = 1 + static_cast<int>(rng.UniformInt(7));
    std::vector<Block> blocks;
    for (int d = 0; d < depth; ++d) {
      blocks.push_back({o.kinds[rng.UniformInt(3)], o.channels[rng.UniformInt(6)]});
    }
    ASSERT_EQ(space.Decode(space.Encode(blocks)), blocks);
  }
}

TEST(SearchSpaceTest, SmallSpaceIsExhaustivelyBijective) {
  SearchSpaceOptions o;
  o.max_depth = 3;
  o.channels = {16, 64};
  const SearchSpace space(o);  // 6 + 36 + 216
  ASSERT_EQ(space.size(), 258u);
  std::set<std::string> seen;
  for (std::uint64_t i = 0; i < space.size(); ++i) {
    const auto b = space.Decode(i);
    ASSERT_EQ(space.Encode(b), i);
    arch::Architecture a;
    a.input = {32, 32, 3};
    a.classes = 10;
    a.blocks = b;
    ASSERT_TRUE(seen.insert(arch::ToJson(a)).second);
  }
}

TEST(SearchSpaceTest, BadInputsThrowClearErrors) {
  const SearchSpace space = SearchSpace::Paper();
  try {
    space.Decode(space.size());
    FAIL();
  } catch (const std::out_of_range& e) {
    EXPECT_NE(std::string(e.what()).find("648232974"), std::string::npos) << e.what();
  }
  EXPECT_THROW(space.Encode({}), std::invalid_argument);
  EXPECT_THROW(space.Encode(std::vector<Block>(8, Block{BlockKind::kVgg, 16})),
               std::invalid_argument);
  try {
    space.Encode({{BlockKind::kVgg, 16}, {BlockKind::kRes, 100}});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("block 1"), std::string::npos) << e.what();
  }
  SearchSpaceOptions bad;
  bad.channels = {32, 16};
  EXPECT_THROW(SearchSpace{bad}, std::invalid_argument);
  SearchSpaceOptions huge;
  huge.max_depth = 40;
  EXPECT_THROW(SearchSpace{huge}, std::invalid_argument);
}

TEST(SearchSpaceTest, ToArchitectureIsValidAndLowers) {
  const SearchSpace space = SearchSpace::Paper();
  Rng rng(3);
  for (int t = 0; t < 50; ++t) {
    const std::uint64_t i = space.Sample(rng);
    const arch::Architecture a = space.ToArchitecture(i, {32, 32, 3}, 10);
    EXPECT_EQ(a.id, "nas" + std::to_string(i));
    EXPECT_EQ(arch::ParseArchitecture(arch::ToJson(a)), a);
    EXPECT_GT(arch::Lower(a).macs(), 0);
  }
  EXPECT_EQ(arch::ToJson(space.ToArchitecture(19, {28, 28, 1}, 10)),
            R"({"id": "nas19", "input": [28, 28, 1], "classes": 10, "blocks": [["VGG", 16], ["VGG", 32]]})");
}

TEST(SearchSpaceTest, UniformSamplingMatchesDepthShares) {
  // Depth d holds 18^d / N of the space: a chi-square test on 200,000 samples.
  const SearchSpace space = SearchSpace::Paper();
  Rng rng(11);
  const int n = 200000;
  std::map<int, int> counts;
  std::map<int, int> first_choice;
  for (int t = 0; t < n; ++t) {
    const std::uint64_t i = space.Sample(rng);
    ++counts[space.Depth(i)];
    ++first_choice[space.DecodeDigits(i)[0]];
  }
  double chi2 = 0, p = 1;
  for (int d = 1; d <= 7; ++d) {
    p *= 18;
    const double expected = n * p / static_cast<double>(space.size());
    if (expected < 5) continue;
    chi2 += (counts[d] - expected) * (counts[d] - expected) / expected;
  }
  EXPECT_LT(chi2, 20.5);  // 5 dof at p = 0.001
  double chi2b = 0;
  for (int c = 0; c < 18; ++c) {
    const double expected = n / 18.0;
    chi2b += (first_choice[c] - expected) * (first_choice[c] - expected) / expected;
  }
  EXPECT_LT(chi2b, 40.8);  // 17 dof at p = 0.001
}

TEST(SearchSpaceTest, NeighboursAreOneEditAway) {
  const SearchSpace space = SearchSpace::Paper();
  // Depth 3 with distinct blocks: 3 * 17 changes + 4 * 18 insertions (some coincide) + 3 removals.
  const std::uint64_t i = space.Encode({{BlockKind::kVgg, 16}, {BlockKind::kRes, 64},
                                        {BlockKind::kMvgg, 128}});
  const auto nb = space.Neighbours(i);
  EXPECT_TRUE(std::is_sorted(nb.begin(), nb.end()));
  EXPECT_EQ(std::adjacent_find(nb.begin(), nb.end()), nb.end());
  EXPECT_EQ(std::find(nb.begin(), nb.end(), i), nb.end());
  std::set<std::uint64_t> expected;
  const auto blocks = space.Decode(i);
  for (std::size_t k = 0; k < blocks.size(); ++k) {
    auto removed = blocks;
    removed.erase(removed.begin() + k);
    expected.insert(space.Encode(removed));
  }
  for (std::size_t k = 0; k <= blocks.size(); ++k) {
    for (int c = 0; c < 18; ++c) {
      auto added = blocks;
      const BlockChoice ch = space.Choice(c);
      added.insert(added.begin() + k, Block{ch.kind, ch.channels});
      expected.insert(space.Encode(added));
      if (k < blocks.size() && !(blocks[k] == Block{ch.kind, ch.channels})) {
        auto changed = blocks;
        changed[k] = {ch.kind, ch.channels};
        expected.insert(space.Encode(changed));
      }
    }
  }
  EXPECT_EQ(std::set<std::uint64_t>(nb.begin(), nb.end()), expected);
  // Ends of the depth range: no insertion at depth 7, no removal at depth 1.
  EXPECT_EQ(space.Neighbours(0).size(), 17u + 2 * 18 - 1);  // [VGG16] + X == X + [VGG16] once
  for (std::uint64_t n7 : space.Neighbours(space.size() - 1)) EXPECT_LE(space.Depth(n7), 7);
}

TEST(SearchSpaceTest, FeaturesHaveFixedLengthAndRange) {
  const SearchSpace space = SearchSpace::Paper();
  EXPECT_EQ(space.num_continuous_features(), 17);
  EXPECT_EQ(space.num_categorical_features(), 7);
  const Encoding e = space.Features(space.Encode({{BlockKind::kRes, 128}, {BlockKind::kVgg, 16}}));
  ASSERT_EQ(e.continuous.size(), 17u);
  EXPECT_EQ(e.categorical, (std::vector<int>{2, 0, 3, 3, 3, 3, 3}));
  EXPECT_EQ(e.continuous[0], 1.0);  // present
  EXPECT_EQ(e.continuous[1], 1.0);  // width of 128
  EXPECT_EQ(e.continuous[3], 0.0);  // width of 16
  EXPECT_EQ(e.continuous[4], 0.0);  // slot 2 absent
  EXPECT_DOUBLE_EQ(e.continuous[14], 2.0 / 7);
  EXPECT_DOUBLE_EQ(e.continuous[15], 1.0 / 7);
  EXPECT_DOUBLE_EQ(e.continuous[16], 0.5);
}

TEST(SearchSpaceTest, ExtendedSpaceWithKernelSizes) {
  SearchSpaceOptions o;
  o.kernels = {3, 5};
  const SearchSpace space(o);
  EXPECT_EQ(space.choices_per_block(), 36);
  Rng rng(5);
  for (int t = 0; t < 2000; ++t) {
    const std::uint64_t i = space.Sample(rng);
    ASSERT_EQ(space.EncodeChoices(space.DecodeChoices(i)), i);
  }
  EXPECT_EQ(space.num_continuous_features(), 24);
  EXPECT_THROW(space.Decode(0), std::logic_error);
}

}  // namespace
}  // namespace imcnas::nas
