#!/usr/bin/python3
"""Writes the golden values of tests/nn/torch_fixture_test.cc to testdata/nn/, computed with
Debian's python3-torch (an independent implementation of every layer of nn/).

  /usr/bin/python3 tools/make_nn_fixtures.py [--out testdata/nn]

Each file is JSON; a tensor is {"shape": [...], "data": [...]} in PyTorch's element order (NCHW
activations, [out][in][ky][kx] conv weights, [out][in] fc weights). float32 values are written
exactly (every float32 is a double). Deterministic: fixed seeds, one thread."""
import argparse
import json
import os
import sys

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_nets  # noqa: E402


def t(x):
    x = x.detach().to(torch.float32).contiguous()
    return {"shape": list(x.shape), "data": [float(v) for v in x.flatten().tolist()]}


def layer_case(name, module, inputs, extra=None, training=True):
    """Forward, then backward of sum(output * upstream) for a random upstream gradient."""
    module.train(training)
    xs = [x.clone().requires_grad_(True) for x in inputs]
    y = module(*xs)
    upstream = torch.randn_like(y)
    (y * upstream).sum().backward()
    case = {"name": name, "inputs": [t(x) for x in xs], "output": t(y),
            "output_grad": t(upstream), "input_grads": [t(x.grad) for x in xs], "params": {},
            "param_grads": {}, "training": training}
    for pname, p in module.named_parameters():
        case["params"][pname] = t(p)
        case["param_grads"][pname] = t(p.grad)
    for bname, b in module.named_buffers():
        if b.dtype.is_floating_point:
            case.setdefault("buffers_after", {})[bname] = t(b)
    case.update(extra or {})
    return case


class Sum(nn.Module):
    def forward(self, a, b):
        return a + b


class Flatten(nn.Module):
    def __init__(self, fc):
        super().__init__()
        self.fc = fc

    def forward(self, x):
        return self.fc(torch.flatten(x, 1))


class Gap(nn.Module):
    def forward(self, x):
        return x.mean(dim=(2, 3), keepdim=True)


def layer_cases():
    torch.manual_seed(1234)
    cases = []
    conv = nn.Conv2d(3, 4, 3, 1, 1, bias=True)
    cases.append(layer_case("conv3x3_s1_p1_bias", conv, [torch.randn(2, 3, 6, 5)],
                            {"kernel": 3, "stride": 1, "padding": 1, "bias": True}))
    conv = nn.Conv2d(2, 5, 3, 2, 1, bias=False)
    cases.append(layer_case("conv3x3_s2_p1", conv, [torch.randn(3, 2, 7, 8)],
                            {"kernel": 3, "stride": 2, "padding": 1, "bias": False}))
    conv = nn.Conv2d(4, 3, 1, 1, 0, bias=False)
    cases.append(layer_case("conv1x1", conv, [torch.randn(2, 4, 5, 5)],
                            {"kernel": 1, "stride": 1, "padding": 0, "bias": False}))
    conv = nn.Conv2d(2, 3, 5, 1, 2, bias=True)
    cases.append(layer_case("conv5x5_s1_p2_bias", conv, [torch.randn(2, 2, 6, 6)],
                            {"kernel": 5, "stride": 1, "padding": 2, "bias": True}))
    bn = nn.BatchNorm2d(3)
    with torch.no_grad():
        bn.weight.copy_(torch.randn(3) * 0.5 + 1)
        bn.bias.copy_(torch.randn(3) * 0.5)
    before = {"running_mean": t(bn.running_mean), "running_var": t(bn.running_var)}
    cases.append(layer_case("batchnorm_train", bn, [torch.randn(4, 3, 3, 5) * 2 + 1],
                            {"buffers_before": before}))
    bn = nn.BatchNorm2d(3)
    with torch.no_grad():
        bn.weight.copy_(torch.randn(3) * 0.5 + 1)
        bn.bias.copy_(torch.randn(3) * 0.5)
        bn.running_mean.copy_(torch.randn(3))
        bn.running_var.copy_(torch.rand(3) + 0.5)
    before = {"running_mean": t(bn.running_mean), "running_var": t(bn.running_var)}
    cases.append(layer_case("batchnorm_eval", bn, [torch.randn(2, 3, 4, 4)],
                            {"buffers_before": before}, training=False))
    cases.append(layer_case("relu", nn.ReLU(), [torch.randn(2, 3, 4, 4)]))
    cases.append(layer_case("maxpool2", nn.MaxPool2d(2), [torch.randn(2, 3, 5, 6)],
                            {"window": 2}))
    cases.append(layer_case("maxpool3", nn.MaxPool2d(3), [torch.randn(2, 2, 6, 7)],
                            {"window": 3}))
    cases.append(layer_case("gap", Gap(), [torch.randn(3, 4, 3, 5)]))
    fc = nn.Linear(6, 4)
    cases.append(layer_case("fc", Flatten(fc), [torch.randn(5, 6, 1, 1)]))
    fc = nn.Linear(2 * 3 * 4, 5)
    cases.append(layer_case("fc_flatten", Flatten(fc), [torch.randn(3, 2, 3, 4)]))
    cases.append(layer_case("add", Sum(), [torch.randn(2, 3, 2, 2), torch.randn(2, 3, 2, 2)]))
    for smoothing in (0.0, 0.1):
        logits = torch.randn(6, 5, requires_grad=True)
        labels = torch.tensor([0, 4, 2, 2, 1, 3])
        loss = nn.functional.cross_entropy(logits, labels, label_smoothing=smoothing)
        loss.backward()
        cases.append({"name": f"cross_entropy_ls{smoothing}", "logits": t(logits),
                      "labels": labels.tolist(), "label_smoothing": smoothing,
                      "loss": float(loss), "logits_grad": t(logits.grad)})
    return cases


def training_case():
    """A few SGD steps (Nesterov momentum, weight decay on conv/fc weights only, label smoothing)
    of a small block network with fixed weights and data."""
    torch.manual_seed(99)
    arch = {"input": [8, 8, 2], "classes": 3,
            "blocks": [["RES", 4], ["VGG", 6], ["MVGG", 4]]}
    model = torch_nets.ArchNet(arch)
    with torch.no_grad():
        for name, p in model.named_parameters():
            p.copy_(torch.randn_like(p) * (0.3 if p.dim() > 1 else 0.1)
                    + (1.0 if name.endswith("bn.weight") else 0.0))
    initial = {k: t(v) for k, v in model.named_state().items()}
    images = torch.randn(6, 2, 8, 8)
    labels = torch.tensor([0, 1, 2, 1, 0, 2])
    config = {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 5e-4,
              "label_smoothing": 0.1, "steps": 4}
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        ours = model.names[name]
        (decay if ours.endswith("weight") else no_decay).append(p)
    opt = torch.optim.SGD([{"params": decay, "weight_decay": config["weight_decay"]},
                           {"params": no_decay, "weight_decay": 0.0}],
                          lr=config["learning_rate"], momentum=config["momentum"],
                          nesterov=config["nesterov"])
    model.train()
    losses = []
    for _ in range(config["steps"]):
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(images), labels,
                                           label_smoothing=config["label_smoothing"])
        loss.backward()
        opt.step()
        losses.append(float(loss))
    model.eval()
    with torch.no_grad():
        eval_logits = model(images)
    final = {k: t(v) for k, v in model.named_state().items()}
    return {"arch": arch, "config": config, "images": t(images), "labels": labels.tolist(),
            "initial": initial, "losses": losses, "final": final,
            "eval_logits": t(eval_logits)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--out", default=os.path.join(repo, "testdata", "nn"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "layers.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": layer_cases()}, f)
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump({"torch": torch.__version__, **training_case()}, f)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
