#include <fstream>
#include <ostream>
#include <string>

#include <gtest/gtest.h>

#include "arch/architecture.h"
#include "arch/graph.h"

namespace imcnas::arch {

// Readable shapes in failure messages.
void PrintTo(const Shape& s, std::ostream* os) {
  *os << s.height << "x" << s.width << "x" << s.channels;
}

namespace {

constexpr char kB03[] =
    R"({"id": "b03", "input": [32, 32, 3], "classes": 10,
        "blocks": [["RES", 32], ["VGG", 64], ["RES", 128], ["VGG", 128]]})";

constexpr char kVgg8[] =
    R"({"id": "vgg8", "input": [32, 32, 3], "classes": 10, "layers": [
  ["conv",3,128,1], ["conv",3,128,1], ["pool",2], ["conv",3,256,1], ["conv",3,256,1], ["pool",2],
  ["conv",3,512,1], ["conv",3,512,1], ["pool",2], ["fc",1024], ["fc",10]]})";

std::string ErrorOf(const std::string& text) {
  try {
    ParseArchitecture(text);
  } catch (const ArchitectureError& e) {
    return e.what();
  }
  return "";
}

TEST(ArchitectureTest, ParsesBlocksAndRoundTrips) {
  const Architecture a = ParseArchitecture(kB03);
  EXPECT_EQ(a.id, "b03");
  EXPECT_EQ(a.input, (Shape{32, 32, 3}));
  EXPECT_EQ(a.classes, 10);
  ASSERT_EQ(a.blocks.size(), 4u);
  EXPECT_EQ(a.blocks[0].kind, BlockKind::kRes);
  EXPECT_EQ(a.blocks[3].channels, 128);
  EXPECT_EQ(ParseArchitecture(ToJson(a)), a);
  EXPECT_EQ(ToJson(a),
            R"({"id": "b03", "input": [32, 32, 3], "classes": 10, "blocks": [["RES", 32], )"
            R"(["VGG", 64], ["RES", 128], ["VGG", 128]]})");
}

TEST(ArchitectureTest, ParsesLayersAndRoundTrips) {
  const Architecture a = ParseArchitecture(kVgg8);
  ASSERT_EQ(a.layers.size(), 11u);
  EXPECT_EQ(ParseArchitecture(ToJson(a)), a);
}

TEST(ArchitectureTest, ErrorsNameTheKey) {
  EXPECT_NE(ErrorOf(R"({"input": [32,32,3], "classes": 10, "blocks": [["VGG",8]], "x": 1})")
                .find("\"x\""),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"input": [32,32], "classes": 10, "blocks": [["VGG",8]]})").find("input"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"input": [32,32,3], "classes": 0, "blocks": [["VGG",8]]})")
                .find("classes"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"input": [32,32,3], "classes": 10, "blocks": [["FOO",8]]})")
                .find("blocks[0]"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"input": [32,32,3], "classes": 10, "blocks": [["VGG",-8]]})")
                .find("blocks[0] channels"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"input": [32,32,3], "classes": 10})").find("blocks"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"input": [32,32,3], "classes": 10, "blocks": [["VGG",8]],
                        "layers": [["fc", 10]]})")
                .find("exactly one"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"input": [1,1,3], "classes": 10, "layers": [["pool",2],["fc",10]]})")
                .find("layers[0].pool"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"input": [8,8,3], "classes": 10, "layers": [["fc",10],["conv",3,4,1]]})")
                .find("layers[1]"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"input": [8,8,3], "classes": 10, "layers": [["fc",9]]})").find("classes"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[1,2").find("not valid JSON"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"input": [8,8,3.5], "classes": 10, "blocks": [["VGG",8]]})")
                .find("input channels"),
            std::string::npos);
}

// Deep nesting used to overflow the stack while the error message printed the value.
TEST(ArchitectureTest, RejectsDeepNestingAndDuplicateKeys) {
  const std::string deep = R"({"input": )" + std::string(100000, '[') + std::string(100000, ']') +
                           R"(, "classes": 10, "blocks": [["VGG", 32]]})";
  EXPECT_NE(ErrorOf(deep).find("nested deeper than"), std::string::npos) << ErrorOf(deep);
  const std::string deep_blocks = R"({"input": [8,8,3], "classes": 10, "blocks": )" +
                                  std::string(40, '[') + std::string(40, ']') + "}";
  EXPECT_NE(ErrorOf(deep_blocks).find("nested deeper than"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"input": [8,8,3], "classes": 10, "blocks": [["VGG",8]], "classes": 11})")
                .find("duplicate key \"classes\""),
            std::string::npos);
  // Many objects: the checks are one linear pass (a DOM parse with a callback rescans each
  // container whenever an object in it closes, and took hours here).
  std::string many = R"({"input": [8,8,3], "classes": 10, "blocks": [["VGG",8]], "x": [)";
  for (int i = 0; i < 300000; ++i) many += i ? ",{}" : "{}";
  many += "]}";
  EXPECT_NE(ErrorOf(many).find("unknown key \"x\""), std::string::npos);
  // Valid input still parses.
  EXPECT_EQ(ErrorOf(R"({"input": [8,8,3], "classes": 10, "blocks": [["VGG",8]]})"), "");
}

TEST(ArchitectureTest, LoweringRefusesWhatCountsCannotHoldAndBadCodeBuiltLayers) {
  // Within the per-key limits, but ~1.6e19 MACs in one layer.
  EXPECT_NE(ErrorOf(R"({"input": [4096,4096,65536], "classes": 10,
                        "layers": [["conv",15,65536,1], ["fc",10]]})")
                .find("too large to count"),
            std::string::npos);
  Architecture a = ParseArchitecture(
      R"({"input": [8,8,3], "classes": 10, "layers": [["conv",3,4,1], ["fc",10]]})");
  a.layers[0].stride = 0;  // built in code: no parser in between
  EXPECT_THROW(Lower(a), ArchitectureError);
  a.layers[0].stride = 1;
  a.layers[0].kernel = 0;
  EXPECT_THROW(Validate(a), ArchitectureError);
}

TEST(ArchitectureTest, LoadNamesTheFile) {
  try {
    LoadArchitecture("/nonexistent/arch.json");
    FAIL() << "expected an error";
  } catch (const ArchitectureError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/arch.json"), std::string::npos);
  }
  try {
    LoadArchitecture("/tmp");
    FAIL() << "expected an error";
  } catch (const ArchitectureError& e) {
    EXPECT_NE(std::string(e.what()).find("is a directory"), std::string::npos) << e.what();
  }
}

TEST(GraphTest, ResBlockHasShortcutAndAdd) {
  const Graph g = Lower(ParseArchitecture(kB03));
  // block0 RES(32): conv,bn,relu,conv,bn,shortcut conv,bn,add,relu = 9 ops.
  ASSERT_GE(g.ops.size(), 9u);
  EXPECT_EQ(g.ops[5].kind, OpKind::kConv);
  EXPECT_EQ(g.ops[5].kernel, 1);
  EXPECT_EQ(g.ops[5].inputs[0], kNetworkInput);
  EXPECT_EQ(g.ops[7].kind, OpKind::kAdd);
  EXPECT_EQ(g.ops[7].inputs, (std::vector<int>{4, 6}));
  EXPECT_EQ(g.ops.back().out, (Shape{1, 1, 10}));
  // Spatial sizes: RES keeps 32, VGG halves to 16, RES keeps, VGG halves to 8.
  for (const auto& op : g.ops) {
    if (op.name == "block3.pool") {
      EXPECT_EQ(op.out, (Shape{8, 8, 128}));
    }
  }
}

TEST(GraphTest, CountsMacsAndParams) {
  const Graph g = Lower(ParseArchitecture(kVgg8));
  // Hand count: convs at 32x32 (3->128, 128->128), 16x16 (128->256, 256->256),
  // 8x8 (256->512, 512->512), then fc 8192->1024, 1024->10.
  const long long conv_macs = 32LL * 32 * 9 * (3 * 128 + 128 * 128) +
                              16LL * 16 * 9 * (128 * 256 + 256 * 256) +
                              8LL * 8 * 9 * (256 * 512 + 512 * 512);
  EXPECT_EQ(g.macs(), conv_macs + 8192LL * 1024 + 1024 * 10);
  const long long conv_params = 9LL * (3 * 128 + 128 * 128 + 128 * 256 + 256 * 256 +
                                       256 * 512 + 512 * 512);
  const long long bn_params = 2LL * (128 + 128 + 256 + 256 + 512 + 512);
  EXPECT_EQ(g.params(), conv_params + bn_params + 8192LL * 1024 + 1024 + 1024 * 10 + 10);
}

TEST(GraphTest, VggPoolIsLeftOutOnTinyMaps) {
  const Graph g = Lower(ParseArchitecture(
      R"({"input": [4,4,1], "classes": 3, "blocks": [["VGG",4],["VGG",4],["VGG",4],["VGG",4]]})"));
  int pools = 0;
  for (const auto& op : g.ops) pools += op.kind == OpKind::kMaxPool;
  EXPECT_EQ(pools, 2);  // 4 -> 2 -> 1, then no pool.
}

TEST(GraphTest, OddMapsPoolDown) {
  const Graph g =
      Lower(ParseArchitecture(R"({"input": [7,5,1], "classes": 2, "blocks": [["VGG",4]]})"));
  for (const auto& op : g.ops) {
    if (op.kind == OpKind::kMaxPool) {
      EXPECT_EQ(op.out, (Shape{3, 2, 4}));
    }
  }
}

TEST(GraphTest, ReferenceNetworksLower) {
  for (const char* id : {"vgg8", "b01", "b02", "b03", "b04", "b05", "b06", "b07", "b11"}) {
    const Architecture a = LoadArchitecture(std::string("testdata/arch/") + id + ".json");
    EXPECT_EQ(a.id, id);
    const Graph g = Lower(a);
    EXPECT_GT(g.macs(), 0) << id;
    EXPECT_EQ(g.ops.back().out.channels, 10) << id;
  }
}

}  // namespace
}  // namespace imcnas::arch
