// Compares every layer, the loss and a few SGD steps of a small network with golden values from
// PyTorch (testdata/nn/*.json, written by tools/make_nn_fixtures.py), in float32. The error
// measure is per tensor: max |ours - torch| / max |torch| < 1e-5.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "arch/architecture.h"
#include "arch/graph.h"
#include "nn/layers.h"
#include "nn/network.h"
#include "nn/sgd.h"

namespace imcnas::nn {
namespace {

using json = nlohmann::json;
using F = float;

constexpr double kTolerance = 1e-5;

json Load(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "missing fixture " << path;
  std::stringstream s;
  s << in.rdbuf();
  return json::parse(s.str());
}

std::vector<F> Data(const json& t) { return t.at("data").get<std::vector<F>>(); }

// A PyTorch NCHW (or N x F) tensor as our C x N x H x W.
Tensor<F> FromNchw(const json& t) {
  std::vector<std::size_t> s = t.at("shape").get<std::vector<std::size_t>>();
  while (s.size() < 4) s.push_back(1);
  const std::vector<F> d = Data(t);
  Tensor<F> out;
  EnsureShape(out, s[1], s[0], s[2], s[3]);
  const std::size_t hw = s[2] * s[3];
  for (std::size_t n = 0; n < s[0]; ++n) {
    for (std::size_t c = 0; c < s[1]; ++c) {
      for (std::size_t i = 0; i < hw; ++i) out.data()[(c * s[0] + n) * hw + i] = d[(n * s[1] + c) * hw + i];
    }
  }
  return out;
}

double RelativeError(const F* ours, const std::vector<F>& theirs) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < theirs.size(); ++i) {
    diff = std::max(diff, std::abs(double(ours[i]) - theirs[i]));
    scale = std::max(scale, std::abs(double(theirs[i])));
  }
  return scale > 0 ? diff / scale : diff;
}

void ExpectTensor(const Tensor<F>& ours, const json& theirs, const std::string& what) {
  const Tensor<F> expected = FromNchw(theirs);
  ASSERT_EQ(ours.shape(), expected.shape()) << what;
  const std::vector<F> e(expected.begin(), expected.end());
  EXPECT_LT(RelativeError(ours.data(), e), kTolerance) << what;
}

void ExpectVector(const Vector<F>& ours, const json& theirs, const std::string& what) {
  const std::vector<F> e = Data(theirs);
  ASSERT_EQ(ours.size(), e.size()) << what;
  EXPECT_LT(RelativeError(ours.data(), e), kTolerance) << what;
}

void SetVector(Vector<F>& v, const json& t) {
  const std::vector<F> d = Data(t);
  ASSERT_EQ(v.size(), d.size());
  std::copy(d.begin(), d.end(), v.begin());
}

class LayerFixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cases_ = new json(Load("testdata/nn/layers.json").at("cases")); }
  static void TearDownTestSuite() { delete cases_; }
  const json& Case(const std::string& name) {
    for (const json& c : *cases_) {
      if (c.at("name") == name) return c;
    }
    throw std::runtime_error("no fixture case " + name);
  }

  // Runs forward and backward of `layer` on the case's inputs and compares everything.
  void Check(Layer<F>& layer, const json& c) {
    std::vector<Tensor<F>> inputs;
    for (const json& t : c.at("inputs")) inputs.push_back(FromNchw(t));
    std::vector<const Tensor<F>*> in;
    for (auto& t : inputs) in.push_back(&t);
    Tensor<F> out;
    layer.Forward(in, out, c.at("training").get<bool>());
    ExpectTensor(out, c.at("output"), "output");
    const Tensor<F> dy = FromNchw(c.at("output_grad"));
    std::vector<Tensor<F>> grads(inputs.size());
    std::vector<Tensor<F>*> din;
    for (auto& t : grads) din.push_back(&t);
    layer.Backward(in, out, dy, din);
    for (std::size_t i = 0; i < grads.size(); ++i) {
      ExpectTensor(grads[i], c.at("input_grads")[i], "input grad " + std::to_string(i));
    }
  }

  static json* cases_;
};
json* LayerFixture::cases_ = nullptr;

TEST_F(LayerFixture, Convolutions) {
  for (const char* name : {"conv3x3_s1_p1_bias", "conv3x3_s2_p1", "conv1x1", "conv5x5_s1_p2_bias"}) {
    SCOPED_TRACE(name);
    const json& c = Case(name);
    Conv2d<F> conv(c.at("inputs")[0].at("shape")[1].get<int>(),
                   c.at("params").at("weight").at("shape")[0].get<int>(), c.at("kernel"),
                   c.at("stride"), c.at("padding"), c.at("bias"));
    SetVector(conv.weight(), c.at("params").at("weight"));
    if (conv.has_bias()) SetVector(conv.bias(), c.at("params").at("bias"));
    Check(conv, c);
    ExpectVector(conv.weight_grad(), c.at("param_grads").at("weight"), "weight grad");
    if (conv.has_bias()) ExpectVector(conv.bias_grad(), c.at("param_grads").at("bias"), "bias");
  }
}

TEST_F(LayerFixture, BatchNormTrainingAndInference) {
  for (const char* name : {"batchnorm_train", "batchnorm_eval"}) {
    SCOPED_TRACE(name);
    const json& c = Case(name);
    BatchNorm<F> bn(c.at("inputs")[0].at("shape")[1].get<int>());
    SetVector(bn.gamma(), c.at("params").at("weight"));
    SetVector(bn.beta(), c.at("params").at("bias"));
    SetVector(bn.running_mean(), c.at("buffers_before").at("running_mean"));
    SetVector(bn.running_var(), c.at("buffers_before").at("running_var"));
    Check(bn, c);
    ExpectVector(bn.gamma_grad(), c.at("param_grads").at("weight"), "gamma grad");
    ExpectVector(bn.beta_grad(), c.at("param_grads").at("bias"), "beta grad");
    ExpectVector(bn.running_mean(), c.at("buffers_after").at("running_mean"), "running mean");
    ExpectVector(bn.running_var(), c.at("buffers_after").at("running_var"), "running var");
  }
}

TEST_F(LayerFixture, ReluPoolsAndAdd) {
  Relu<F> relu;
  Check(relu, Case("relu"));
  MaxPool<F> pool2(2), pool3(3);
  Check(pool2, Case("maxpool2"));
  Check(pool3, Case("maxpool3"));
  GlobalAvgPool<F> gap;
  Check(gap, Case("gap"));
  Add<F> add;
  Check(add, Case("add"));
}

TEST_F(LayerFixture, FullyConnected) {
  for (const char* name : {"fc", "fc_flatten"}) {
    SCOPED_TRACE(name);
    const json& c = Case(name);
    const json& w = c.at("params").at("fc.weight");
    FullyConnected<F> fc(w.at("shape")[1].get<int>(), w.at("shape")[0].get<int>());
    SetVector(fc.weight(), w);
    SetVector(fc.bias(), c.at("params").at("fc.bias"));
    Check(fc, c);
    ExpectVector(fc.weight_grad(), c.at("param_grads").at("fc.weight"), "weight grad");
    ExpectVector(fc.bias_grad(), c.at("param_grads").at("fc.bias"), "bias grad");
  }
}

TEST_F(LayerFixture, CrossEntropy) {
  for (const char* name : {"cross_entropy_ls0.0", "cross_entropy_ls0.1"}) {
    SCOPED_TRACE(name);
    const json& c = Case(name);
    // PyTorch logits are N x K: as a 4-D "NCHW" tensor they become our K x N x 1 x 1.
    const Tensor<F> logits = FromNchw(c.at("logits"));
    const std::vector<std::int32_t> labels = c.at("labels").get<std::vector<std::int32_t>>();
    Tensor<F> grad;
    const LossResult r = SoftmaxCrossEntropy(logits, labels.data(),
                                             c.at("label_smoothing").get<double>(), &grad);
    EXPECT_NEAR(r.loss, c.at("loss").get<double>(), kTolerance * c.at("loss").get<double>());
    ExpectTensor(grad, c.at("logits_grad"), "logits grad");
  }
}

TEST(TorchTraining, FewSgdStepsOfASmallNetworkMatchPyTorch) {
  const json f = Load("testdata/nn/training.json");
  const arch::Graph graph = arch::Lower(arch::ParseArchitecture(f.at("arch").dump()));
  Network<F> net(graph, 1);
  std::map<std::string, Vector<F>*> state;
  for (auto& p : net.Parameters()) state[p.name] = p.value;
  {
    std::size_t b = 0;
    const std::vector<Vector<F>*> buffers = net.Buffers();
    for (const arch::Op& op : graph.ops) {
      if (op.kind != arch::OpKind::kBatchNorm) continue;
      state[op.name + ".running_mean"] = buffers[b++];
      state[op.name + ".running_var"] = buffers[b++];
    }
  }
  ASSERT_EQ(state.size(), f.at("initial").size());
  for (auto& [name, value] : state) SetVector(*value, f.at("initial").at(name));

  const json& config = f.at("config");
  SgdOptions options;
  options.momentum = config.at("momentum");
  options.nesterov = config.at("nesterov");
  options.weight_decay = config.at("weight_decay");
  Sgd<F> sgd(net.Parameters(), options);
  const std::vector<F> images = Data(f.at("images"));
  const std::vector<std::int32_t> labels = f.at("labels").get<std::vector<std::int32_t>>();
  const int batch = static_cast<int>(labels.size());
  const std::vector<double> losses = f.at("losses").get<std::vector<double>>();
  Tensor<F> dlogits;
  for (std::size_t step = 0; step < losses.size(); ++step) {
    const Tensor<F>& logits = net.Forward(images.data(), batch, true);
    const LossResult r = SoftmaxCrossEntropy(logits, labels.data(),
                                             config.at("label_smoothing").get<double>(), &dlogits);
    EXPECT_NEAR(r.loss, losses[step], kTolerance * losses[step]) << "step " << step;
    net.Backward(dlogits);
    sgd.Step(config.at("learning_rate").get<double>());
  }
  for (auto& [name, value] : state) ExpectVector(*value, f.at("final").at(name), name);
  ExpectTensor(net.Forward(images.data(), batch, false), f.at("eval_logits"), "eval logits");
}

}  // namespace
}  // namespace imcnas::nn
