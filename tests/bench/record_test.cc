#include <cstdio>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "bench/pareto_plot.h"
#include "bench/record_io.h"

namespace imcnas::bench {
namespace {

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir ? dir : "/tmp";
}

TEST(RecordIoTest, Sha256KnownVectors) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(RecordIoTest, AtomicWriteReplacesAndLeavesNoTemporary) {
  const std::string path = TempDir() + "/record_io_test.json";
  WriteFileAtomically(path, "first");
  WriteFileAtomically(path, "second, longer");
  EXPECT_EQ(ReadFile(path), "second, longer");
  EXPECT_THROW(ReadFile(path + ".tmp"), std::runtime_error);
  EXPECT_THROW(WriteFileAtomically("/nonexistent-dir/x.json", "x"), std::runtime_error);
}

TEST(RecordIoTest, CanonicalJsonRoundTripsDoublesExactly) {
  nlohmann::ordered_json j;
  j["b"] = 0.1 + 0.2;
  j["a"] = 1.0 / 3.0;
  const std::string text = CanonicalJson(j);
  EXPECT_LT(text.find("\"b\""), text.find("\"a\""));  // insertion order kept
  const auto back = nlohmann::ordered_json::parse(text);
  EXPECT_EQ(back["b"].get<double>(), 0.1 + 0.2);
  EXPECT_EQ(back["a"].get<double>(), 1.0 / 3.0);
  EXPECT_EQ(CanonicalJson(back), text);
}

TEST(ParetoPlotTest, FrontKeepsNonDominatedPointsOnly) {
  const std::vector<PlotPoint> points = {
      {0.90, 100, 50, false},  // 0: front (cheapest in latency)
      {0.85, 200, 10, false},  // 1: dominated in latency by 0; front in energy (cheapest)
      {0.95, 300, 80, false},  // 2: front in both
      {0.99, 50, 5, true},     // 3: failed, never on a front
      {0.95, 400, 90, false},  // 4: dominated by 2
  };
  EXPECT_EQ(Front2D(points, false), (std::vector<int>{0, 2}));
  EXPECT_EQ(Front2D(points, true), (std::vector<int>{1, 0, 2}));
}

TEST(ParetoPlotTest, SvgDrawsEveryCandidateAndRingsTheOptimum) {
  const std::vector<PlotPoint> points = {
      {0.90, 1e5, 5e6, false}, {0.80, 3e5, 2e6, false}, {0.95, 2e6, 9e7, false},
      {0.10, 4e5, 1e6, true}};
  const std::string svg = ParetoSvg(points, 2, "title <&>");
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("title &lt;&amp;&gt;"), std::string::npos);
  // 3 grey candidates per panel + front markers; the failed one as a cross in each panel.
  size_t grey = 0;
  for (size_t at = svg.find("fill=\"#999\" fill-opacity"); at != std::string::npos;
       at = svg.find("fill=\"#999\" fill-opacity", at + 1)) {
    ++grey;
  }
  EXPECT_EQ(grey, 6u);
  size_t rings = 0;
  for (size_t at = svg.find("r=\"8\""); at != std::string::npos; at = svg.find("r=\"8\"", at + 1)) {
    ++rings;
  }
  EXPECT_EQ(rings, 2u);
  EXPECT_EQ(svg, ParetoSvg(points, 2, "title <&>"));  // deterministic
}

}  // namespace
}  // namespace imcnas::bench
