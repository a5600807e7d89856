"""PyTorch twins of imcnas architecture files (shared/spec/architecture.md), for fixtures and
speed/accuracy comparisons. Parameters are named as nn::Network names them:
"<op name>.weight|bias|gamma|beta" with op names from arch/graph.cc ("block0.conv1",
"block0.conv1.bn", "block0.shortcut", "head.fc1", "layers[3].conv", ...)."""
import math

import torch
from torch import nn


class ConvBn(nn.Module):
    def __init__(self, cin, cout, k, stride, relu):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(cout)
        self.relu = relu

    def forward(self, x):
        x = self.bn(self.conv(x))
        return torch.relu(x) if self.relu else x


class Block(nn.Module):
    def __init__(self, kind, cin, cout, height, width):
        super().__init__()
        self.kind = kind
        self.conv1 = ConvBn(cin, cout, 3, 1, True)
        self.conv2 = ConvBn(cout, cout, 3, 1, kind != "RES")
        if kind == "RES":
            self.shortcut = ConvBn(cin, cout, 1, 1, False)
        self.pool = kind == "VGG" and height >= 2 and width >= 2

    def forward(self, x):
        y = self.conv2(self.conv1(x))
        if self.kind == "RES":
            return torch.relu(y + self.shortcut(x))
        return nn.functional.max_pool2d(y, 2) if self.pool else y


class ArchNet(nn.Module):
    """The network of one architecture file (block or explicit-layer form)."""

    def __init__(self, arch):
        super().__init__()
        h, w, c = arch["input"]
        self.names = {}  # torch parameter/buffer name -> imcnas name
        if "blocks" in arch:
            self.blocks = nn.ModuleList()
            for i, (kind, ch) in enumerate(arch["blocks"]):
                block = Block(kind, c, ch, h, w)
                self.blocks.append(block)
                for sub, ours in (("conv1", "conv1"), ("conv2", "conv2"), ("shortcut", "shortcut")):
                    if hasattr(block, sub):
                        self._name(f"blocks.{i}.{sub}", f"block{i}.{ours}")
                if block.pool:
                    h, w = h // 2, w // 2
                c = ch
            self.head = nn.ModuleList(
                [nn.Linear(c, 200), nn.Linear(200, 50), nn.Linear(50, arch["classes"])])
            for j in range(3):
                self.names[f"head.{j}.weight"] = f"head.fc{j + 1}.weight"
                self.names[f"head.{j}.bias"] = f"head.fc{j + 1}.bias"
            self.explicit = None
        else:
            self.blocks = None
            self.explicit = nn.ModuleList()
            self.kinds = []
            flat = False
            for i, layer in enumerate(arch["layers"]):
                if layer[0] == "conv":
                    _, k, ch, s = layer
                    m = ConvBn(c, ch, k, s, True)
                    self._name(f"explicit.{i}", f"layers[{i}].conv")
                    h, w, c = (h + 2 * (k // 2) - k) // s + 1, (w + 2 * (k // 2) - k) // s + 1, ch
                elif layer[0] == "pool":
                    m = nn.MaxPool2d(layer[1])
                    h, w = h // layer[1], w // layer[1]
                else:
                    m = nn.Linear(c if flat else h * w * c, layer[1])
                    self.names[f"explicit.{i}.weight"] = f"layers[{i}].fc.weight"
                    self.names[f"explicit.{i}.bias"] = f"layers[{i}].fc.bias"
                    flat, c = True, layer[1]
                self.explicit.append(m)
                self.kinds.append(layer[0])

    def _name(self, torch_prefix, ours):
        self.names[f"{torch_prefix}.conv.weight"] = f"{ours}.weight"
        self.names[f"{torch_prefix}.bn.weight"] = f"{ours}.bn.gamma"
        self.names[f"{torch_prefix}.bn.bias"] = f"{ours}.bn.beta"
        self.names[f"{torch_prefix}.bn.running_mean"] = f"{ours}.bn.running_mean"
        self.names[f"{torch_prefix}.bn.running_var"] = f"{ours}.bn.running_var"

    def forward(self, x):
        if self.blocks is not None:
            for b in self.blocks:
                x = b(x)
            x = x.mean(dim=(2, 3))
            x = torch.relu(self.head[0](x))
            x = torch.relu(self.head[1](x))
            return self.head[2](x)
        fcs = [i for i, k in enumerate(self.kinds) if k == "fc"]
        for i, (m, kind) in enumerate(zip(self.explicit, self.kinds)):
            if kind == "fc":
                x = m(torch.flatten(x, 1))
                if i != fcs[-1]:
                    x = torch.relu(x)
            else:
                x = m(x)
        return x

    def he_init(self):
        """The trainer's initialisation scheme: N(0, 2/fan_in) conv and fc weights, zero biases,
        BN gamma 1 and beta 0 (same distribution, not the same draws)."""
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def named_state(self):
        """imcnas name -> tensor, for parameters and BN running statistics."""
        return {self.names[k]: v for k, v in self.state_dict().items() if k in self.names}


def macs(arch):
    """Forward multiply-accumulates per image (conv and fc), as arch::Graph::macs()."""
    model = ArchNet(arch)
    total = 0
    hooks = []

    def conv_hook(m, inp, out):
        nonlocal total
        total += out.numel() // out.shape[0] * m.in_channels * m.kernel_size[0] * m.kernel_size[1]

    def fc_hook(m, inp, out):
        nonlocal total
        total += m.in_features * m.out_features

    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(fc_hook))
    h, w, c = arch["input"]
    with torch.no_grad():
        model.eval()
        model(torch.zeros(1, c, h, w))
    return total
