#!/usr/bin/python3
"""PyTorch reference trainer: the reference side of the issue-4 comparison.

Issue 4 asks for b01 on CIFAR-10 (the JPEG-degraded copy), 15 epochs with augmentation, trained
by imcnas's C++ trainer (`bazel run //nn:train`) next to what PyTorch reaches with the very same
recipe over 3 seeds (the two must agree within 1 percentage point). This script is the PyTorch
side. It reproduces the recipe of `//nn:train` with its defaults for CIFAR-10, as the C++ code
does it (file/function named in brackets):

- data: data_batch_1..5.bin (training, 50,000) and test_batch.bin (10,000), 3073-byte records
  (label byte, then 1024 R, 1024 G, 1024 B bytes) [datasets/cifar.cc]. Sums are checked against
  the JPEG-degraded copy's [datasets/registry.cc Cifar10Files]; another copy loads as
  "unverified copy", as in C++.
- validation: 5,000 training images held out by a stratified split with seed --seed
  [registry.cc default_validation_size; train_main.cc StratifiedSplit(..., config.seed)]. The
  split is a bit-exact port of datasets/split.cc (quotas by largest remainders, per-class partial
  Fisher-Yates with the counter-based SplitMix64 generator of datasets/random.h), so both sides
  hold out the same images for the same seed. --train_subset N: the C++ stratified subset
  (split of the training indices with seed + 1, keep its "validation" side) [train_main.cc].
- normalisation: per channel mean and population standard deviation of pixels/255 over the
  training indices actually trained on (after the subset), not the validation images; applied to
  training, validation and test images [nn/trainer.cc ComputeNormalization(train_set,
  train_indices); datasets/normalize.cc].
- augmentation (training only): crop offsets dy, dx uniform in [-4, 4] from the image zero-padded
  by 4 in 0..255 pixel space (i.e. before normalisation: the padding becomes -mean/std), then a
  horizontal flip of the crop with probability 1/2 [datasets/batch.h kCifarAugmentation,
  batch.cc Next]; torchvision's RandomCrop(32, padding=4) + RandomHorizontalFlip.
- order: a fresh permutation each epoch; all batches of 128 including the last short one (45,000
  images: 351 full batches and one of 72; 352 optimiser steps per epoch); a last batch of a single
  image is skipped but still counts as a step of the schedule [trainer.cc: `if (n < 2) continue`
  inside `for (...; ++step)`; batches_per_epoch = ceil(N / B)].
  --data_stream imcnas (default) draws the order, crops and flips with the same counter-based
  generator and streams as //nn:train (seed ^ 0x5eedda7a5eedda7a, streams "SHUFF"/"AUGM", per
  epoch and position [batch.cc]): the same images in the same order with the same crops as the
  C++ run of that seed, so the two differ only in the initial weights' draws and arithmetic.
  --data_stream torch draws them from a seeded torch.Generator instead (same distributions).
- network: tools/torch_nets.py ArchNet with he_init(): N(0, 2/fan_in) conv and fc weights
  (fan_in = in_channels*k*k, or in_features), zero biases, BN weight 1 / bias 0, running mean 0 /
  var 1; convs without bias [nn/network.cc InitializeHe, arch/graph.cc]. Same distribution, not
  the same draws (C++ uses its own Mersenne-Twister Box-Muller). BN momentum 0.1, eps 1e-5,
  biased variance to normalise, unbiased for the running variance (PyTorch's own) [nn/layers.h].
- optimiser: torch.optim.SGD, momentum 0.9, Nesterov, weight decay 5e-4 on conv and fc weights
  only, not on BN parameters or biases [train_main.cc defaults; nn/sgd.cc is torch's update rule].
- schedule: per optimiser step s (0-based, over epochs * steps_per_epoch steps), linear warm-up
  base*(s+1)/W for s < W = round(warmup_epochs * steps_per_epoch) (default 0: none), then
  0.5*base*(1 + cos(pi*(s - W)/max(1, total - W))); peak lr 0.05 [trainer.cc LearningRate].
- loss: softmax cross-entropy averaged over the batch, label smoothing 0.
- evaluation: eval mode (BN running statistics), validation accuracy after every epoch, final
  validation and test accuracy and mean loss [trainer.cc Evaluate].

Run (one thread, as the issue-4 runs):
  OMP_NUM_THREADS=1 /usr/bin/python3 tools/torch_train.py --arch testdata/arch/b01.json \\
      --data_dir data --epochs 15 --seed 1 --threads 1 --json torch_b01_seed1.json
Quick check: add --train_subset 2000 --epochs 1.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time

import numpy as np

try:
    import torch
    from torch import nn
except ImportError:
    sys.exit("torch_train: PyTorch is not importable; run with /usr/bin/python3 (Debian's "
             "python3-torch)")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_nets  # noqa: E402

# ---------------------------------------------------------------------------------------------
# datasets/random.h, vectorised over numpy uint64 (wrap-around arithmetic as in C++).

M64 = (1 << 64) - 1
SHUFFLE_STREAM = 0x5348554646   # "SHUFF" (batch.cc)
AUGMENT_STREAM = 0x4155474d     # "AUGM"
SPLIT_STREAM = 0x5b17           # split.cc
ORDER_SEED_XOR = 0x5eedda7a5eedda7a  # trainer.cc: the data order's own seed


def mix64(x):
    """SplitMix64's output function on a uint64 array (or Python int)."""
    if isinstance(x, int):
        x = (x + 0x9e3779b97f4a7c15) & M64
        x = ((x ^ (x >> 30)) * 0xbf58476d1ce4e5b9) & M64
        x = ((x ^ (x >> 27)) * 0x94d049bb133111eb) & M64
        return x ^ (x >> 31)
    with np.errstate(over="ignore"):
        x = x + np.uint64(0x9e3779b97f4a7c15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xbf58476d1ce4e5b9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94d049bb133111eb)
        return x ^ (x >> np.uint64(31))


def counter_random(seed, a, b, c):
    """CounterRandom(seed, a, b, c) for scalar seed, a, b and an array (or int) c."""
    prefix = mix64(mix64(mix64(seed & M64) ^ (a & M64)) ^ (b & M64))
    if isinstance(c, int):
        return mix64(prefix ^ (c & M64))
    return mix64(np.uint64(prefix) ^ c.astype(np.uint64))


def below(bits, n):
    """Below(bits, n) = (bits * n) >> 64 (128-bit product), for uint64 arrays and n < 2^32."""
    if isinstance(bits, int) and isinstance(n, int):
        return (bits * n) >> 64
    bits = np.asarray(bits, dtype=np.uint64)
    n = np.asarray(n, dtype=np.uint64)
    assert int(n.max(initial=0)) < (1 << 32)
    hi, lo = bits >> np.uint64(32), bits & np.uint64(0xffffffff)
    # bits*n / 2^64 = (hi*n + lo*n / 2^32) / 2^32; neither sum overflows for n < 2^32.
    return (hi * n + ((lo * n) >> np.uint64(32))) >> np.uint64(32)


def stratified_split(labels, classes, validation_size, seed):
    """datasets/split.cc StratifiedSplit: (train, validation) index arrays, ascending."""
    labels = np.asarray(labels, dtype=np.int64)
    n = len(labels)
    if validation_size > n:
        raise ValueError(f"validation size {validation_size} exceeds the {n} training images")
    members = [list(np.nonzero(labels == c)[0]) for c in range(classes)]
    quota, remainders, assigned = [], [], 0
    for c, m in enumerate(members):
        scaled = validation_size * len(m)
        quota.append(scaled // n if n else 0)
        assigned += quota[-1]
        if n:
            remainders.append((scaled % n, c))
    remainders.sort(key=lambda r: -r[0])  # stable: ties keep the lower class first
    k = 0
    while assigned < validation_size:
        quota[remainders[k][1]] += 1
        assigned += 1
        k += 1
    in_validation = np.zeros(n, dtype=bool)
    for c, m in enumerate(members):
        for k in range(quota[c]):
            j = k + below(counter_random(seed, SPLIT_STREAM, c, k), len(m) - k)
            m[k], m[j] = m[j], m[k]
            in_validation[m[k]] = True
    return np.nonzero(~in_validation)[0], np.nonzero(in_validation)[0]


# ---------------------------------------------------------------------------------------------
# Data.

RECORD = 3073
TRAIN_FILES = [f"data_batch_{i}.bin" for i in range(1, 6)]
TEST_FILES = ["test_batch.bin"]
# The JPEG-degraded copy's sums (datasets/registry.cc Cifar10Files).
DEGRADED_SHA256 = {
    "data_batch_1.bin": "8da035fc1631e8ce5f25904206b8993b0f3ad02a504c0584d662e806fd76c12b",
    "data_batch_2.bin": "106eeaad9f1fa7a999292fdafe68ee909080f58aee038a76994035aedf40ba26",
    "data_batch_3.bin": "99cb88ba00fca88bf28c517a74307b6b78a346c6ea747a561cb8e660c787d5cb",
    "data_batch_4.bin": "76b482bc3bb79c0370e48ea71bb6e4f567a3770d224dc09a9ddc8cfa2369f294",
    "data_batch_5.bin": "490f5ead4f04a3eb71d5898eb551e0d8d2c592feb778fb9b109a006b3f231495",
    "test_batch.bin": "cf28711b3059b27ed8a78d6529b5ba5b5c94130096ca62a1a924268a9a9ec05b",
}


class InputError(Exception):
    pass


def read_cifar10(folder, names, want_per_file):
    """(images uint8 N x 3 x 32 x 32, labels int64 N, all files degraded-copy sums?)."""
    images, labels, degraded = [], [], True
    for name in names:
        path = os.path.join(folder, name)
        if not os.path.isfile(path):
            raise InputError(f"{path}: file not found for CIFAR-10")
        with open(path, "rb") as f:
            raw = f.read()
        degraded &= hashlib.sha256(raw).hexdigest() == DEGRADED_SHA256[name]
        if len(raw) % RECORD:
            raise InputError(f"{path}: {len(raw)} bytes is not a whole number of "
                             f"{RECORD}-byte records")
        records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, RECORD)
        if len(records) != want_per_file:
            raise InputError(f"{path}: holds {len(records)} records, expected {want_per_file} "
                             "(incomplete or different copy)")
        bad = np.nonzero(records[:, 0] > 9)[0]
        if len(bad):
            raise InputError(f"{path}: record {bad[0]}: label {records[bad[0], 0]} is out of "
                             "range [0, 10)")
        labels.append(records[:, 0].astype(np.int64))
        images.append(records[:, 1:].reshape(-1, 3, 32, 32))
    return np.concatenate(images), np.concatenate(labels), degraded


def normalization(images):
    """datasets/normalize.cc: per-channel mean and population stddev of pixels/255 over
    `images` (N x C x H x W uint8), exact from integer histograms, rounded to float32."""
    mean, std = [], []
    for c in range(images.shape[1]):
        hist = np.bincount(images[:, c].ravel(), minlength=256).astype(object)
        v = np.arange(256, dtype=object)
        n = int(hist.sum())
        s, sq = int((hist * v).sum()), int((hist * v * v).sum())
        denom = float(n) * 255.0
        mean.append(np.float32(float(s) / denom))
        std.append(np.float32(math.sqrt(float(n * sq - s * s)) / denom))
    return np.array(mean, dtype=np.float32), np.array(std, dtype=np.float32)


def normalize(u8, mean, std):
    """(v/255 - mean)/std in float32, as the C++ lookup table computes each entry."""
    x = u8.to(torch.float32) / 255.0
    return (x - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1)


class Batches:
    """Shuffled, augmented batches of train_images[indices] as batch.cc BatchIterator serves
    them: order and augmentation are a function of (seed, epoch, position)."""

    def __init__(self, images, labels, indices, batch, pad, flip, seed, stream):
        self.images, self.labels = images, labels
        self.indices = np.asarray(indices, dtype=np.int64)
        self.batch, self.pad, self.flip = batch, pad, flip
        self.seed, self.stream = seed, stream

    def steps_per_epoch(self):
        return (len(self.indices) + self.batch - 1) // self.batch

    def epoch_plan(self, epoch):
        """(order, dy, dx, flip) for one epoch."""
        n = len(self.indices)
        pad = self.pad
        if self.stream == "imcnas":
            order = self.indices.copy()
            # Fisher-Yates from the back; draw for i depends only on (seed, epoch, i).
            i_values = np.arange(n, 1, -1, dtype=np.uint64)
            js = below(counter_random(self.seed, SHUFFLE_STREAM, epoch, i_values), i_values)
            for i, j in zip(range(n, 1, -1), js.tolist()):
                order[i - 1], order[j] = order[j], order[i - 1]
            r = counter_random(self.seed, AUGMENT_STREAM, epoch, np.arange(n, dtype=np.uint64))
            if pad > 0:
                dy = below(r, 2 * pad + 1).astype(np.int64) - pad
                dx = below(mix64(r), 2 * pad + 1).astype(np.int64) - pad
            else:
                dy = dx = np.zeros(n, dtype=np.int64)
            flip = (mix64(r ^ np.uint64(0xf11b)) >> np.uint64(63)).astype(bool) & self.flip
        else:
            g = torch.Generator().manual_seed((self.seed * 1000003 + epoch) & ((1 << 63) - 1))
            order = self.indices[torch.randperm(n, generator=g).numpy()]
            dy = torch.randint(-pad, pad + 1, (n,), generator=g).numpy()
            dx = torch.randint(-pad, pad + 1, (n,), generator=g).numpy()
            flip = (torch.rand(n, generator=g) < 0.5).numpy() & self.flip
        return order, dy, dx, flip

    def epoch(self, epoch):
        """Yields (uint8 images N x C x H x W, labels) batches of one epoch."""
        order, dy, dx, flip = self.epoch_plan(epoch)
        pad = self.pad
        h, w = self.images.shape[2], self.images.shape[3]
        for start in range(0, len(order), self.batch):
            idx = order[start:start + self.batch]
            x = torch.from_numpy(self.images[idx])
            if pad > 0:
                padded = nn.functional.pad(x, (pad, pad, pad, pad))  # zeros in pixel space
                out = torch.empty_like(x)
                for b in range(len(idx)):
                    y0, x0 = pad + int(dy[start + b]), pad + int(dx[start + b])
                    out[b] = padded[b, :, y0:y0 + h, x0:x0 + w]
                x = out
            f = torch.from_numpy(np.ascontiguousarray(flip[start:start + len(idx)]))
            if bool(f.any()):
                x[f] = torch.flip(x[f], dims=[3])
            yield x, torch.from_numpy(self.labels[idx])


# ---------------------------------------------------------------------------------------------
# Architecture files (shared spec): validated here because ArchNet trusts its input.

def load_arch(path):
    if not os.path.isfile(path):
        raise InputError(f"{path}: architecture file not found")
    try:
        with open(path) as f:
            arch = json.load(f)
    except (OSError, ValueError) as e:
        raise InputError(f"{path}: not valid JSON: {e}")

    def bad(msg):
        raise InputError(f"{path}: {msg}")

    def positive_int(v):
        return isinstance(v, int) and not isinstance(v, bool) and v > 0

    if not isinstance(arch, dict):
        bad("the top level must be an object")
    unknown = set(arch) - {"id", "input", "classes", "blocks", "layers"}
    if unknown:
        bad(f"unknown key '{sorted(unknown)[0]}'")
    if "id" in arch and not isinstance(arch["id"], str):
        bad("'id' must be a string")
    inp = arch.get("input")
    if not (isinstance(inp, list) and len(inp) == 3 and all(positive_int(v) for v in inp)):
        bad("'input' must be [height, width, channels] of positive integers")
    if not positive_int(arch.get("classes")):
        bad("'classes' must be a positive integer")
    if ("blocks" in arch) == ("layers" in arch):
        bad("exactly one of 'blocks' and 'layers' is required")
    h, w, _ = inp
    if "blocks" in arch:
        blocks = arch["blocks"]
        if not isinstance(blocks, list) or not blocks:
            bad("'blocks' must be a non-empty list")
        for i, b in enumerate(blocks):
            if not (isinstance(b, list) and len(b) == 2 and b[0] in ("VGG", "MVGG", "RES")
                    and positive_int(b[1])):
                bad(f"blocks[{i}] must be [\"VGG\"|\"MVGG\"|\"RES\", positive channels]")
    else:
        layers = arch["layers"]
        if not isinstance(layers, list) or not layers:
            bad("'layers' must be a non-empty list")
        flat = False
        for i, l in enumerate(layers):
            kind = l[0] if isinstance(l, list) and l else None
            if kind == "conv" and len(l) == 4 and all(positive_int(v) for v in l[1:]):
                if flat:
                    bad(f"layers[{i}]: conv after fc")
                k, s = l[1], l[3]
                h, w = (h + 2 * (k // 2) - k) // s + 1, (w + 2 * (k // 2) - k) // s + 1
                if h < 1 or w < 1:
                    bad(f"layers[{i}]: the convolution does not fit the map")
            elif kind == "pool" and len(l) == 2 and positive_int(l[1]):
                if flat:
                    bad(f"layers[{i}]: pool after fc")
                if h < l[1] or w < l[1]:
                    bad(f"layers[{i}]: {l[1]}x{l[1]} pool does not fit a {h}x{w} map")
                h, w = h // l[1], w // l[1]
            elif kind == "fc" and len(l) == 2 and positive_int(l[1]):
                flat = True
            else:
                bad(f"layers[{i}] must be [\"conv\", k, c, s], [\"pool\", p] or [\"fc\", n]")
        if layers[-1][0] != "fc" or layers[-1][1] != arch["classes"]:
            bad("the last layer must be an fc with 'classes' outputs")
    return arch


# ---------------------------------------------------------------------------------------------
# Training.

def learning_rate(base, warmup_epochs, epochs, step, steps_per_epoch):
    """nn/trainer.cc LearningRate for the cosine schedule."""
    total = epochs * steps_per_epoch
    warmup = int(math.floor(warmup_epochs * steps_per_epoch + 0.5))  # llround, non-negative
    if step < warmup:
        return base * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return 0.5 * base * (1 + math.cos(math.pi * progress))


def evaluate(model, images, labels, mean, std, batch):
    """(accuracy, mean loss) in eval mode."""
    model.eval()
    correct, loss = 0, 0.0
    with torch.no_grad():
        for start in range(0, len(labels), batch):
            x = normalize(torch.from_numpy(images[start:start + batch]), mean, std)
            y = torch.from_numpy(labels[start:start + batch])
            z = model(x)
            loss += nn.functional.cross_entropy(z, y, reduction="sum").item()
            correct += int((z.argmax(1) == y).sum())
    model.train()
    return correct / len(labels), loss / len(labels)


def parse_flags(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", required=True, help="architecture JSON file")
    p.add_argument("--data_dir", default="data", help="folder holding cifar10/")
    p.add_argument("--epochs", type=int, default=15)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.05, help="peak learning rate")
    p.add_argument("--warmup_epochs", type=float, default=0.0)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight_decay", type=float, default=5e-4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="torch.set_num_threads")
    p.add_argument("--validation_size", type=int, default=5000)
    p.add_argument("--train_subset", type=int, help="train on a stratified subset of N images")
    p.add_argument("--no_augment", action="store_true", help="turn pad-crop and flip off")
    p.add_argument("--data_stream", choices=("imcnas", "torch"), default="imcnas",
                   help="generator of order, crops and flips (see the module docstring)")
    p.add_argument("--json", help="write the JSON summary to this file")
    a = p.parse_args(argv)
    checks = [
        (a.epochs >= 1, "--epochs must be at least 1"),
        (a.batch >= 2, "--batch must be at least 2 (batch normalisation)"),
        (a.lr > 0 and math.isfinite(a.lr), "--lr must be positive"),
        (0 < a.momentum < 1, "--momentum must be in (0, 1) (Nesterov)"),
        (a.weight_decay >= 0, "--weight_decay must be non-negative"),
        (0 <= a.warmup_epochs < a.epochs, "--warmup_epochs must be in [0, epochs)"),
        (0 <= a.seed < 1 << 64, "--seed must be in [0, 2^64)"),
        (a.threads >= 1, "--threads must be at least 1"),
        (0 <= a.validation_size < 50000, "--validation_size must be in [0, 50000)"),
        (a.train_subset is None or a.train_subset >= 2, "--train_subset must be at least 2"),
    ]
    for ok, msg in checks:
        if not ok:
            p.error(msg)
    return a


def run(a):
    start_wall = time.time()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed % (1 << 32))

    arch = load_arch(a.arch)
    if arch["input"] != [32, 32, 3] or arch["classes"] != 10:
        raise InputError(f"{a.arch} expects {arch['input']} images in {arch['classes']} classes "
                         "but CIFAR-10 has [32, 32, 3] in 10")
    folder = os.path.join(a.data_dir, "cifar10")
    if not os.path.isdir(folder):
        raise InputError(f"{folder}: CIFAR-10 folder not found")
    train_images, train_labels, deg_train = read_cifar10(folder, TRAIN_FILES, 10000)
    test_images, test_labels, deg_test = read_cifar10(folder, TEST_FILES, 10000)
    copy = "CIFAR-10 (JPEG-degraded copy)" if deg_train and deg_test \
        else "CIFAR-10 (unverified copy)"

    train_idx, val_idx = stratified_split(train_labels, 10, a.validation_size, a.seed)
    if a.train_subset is not None and a.train_subset > len(train_idx):
        sys.exit(f"torch_train: --train_subset {a.train_subset} is larger than the "
                 f"{len(train_idx)} images of the training split")
    if a.train_subset is not None and a.train_subset < len(train_idx):
        _, pick = stratified_split(train_labels[train_idx], 10, a.train_subset, a.seed + 1)
        train_idx = train_idx[pick]
    mean_np, std_np = normalization(train_images[train_idx])
    mean, std = torch.from_numpy(mean_np), torch.from_numpy(std_np)

    model = torch_nets.ArchNet(arch)
    model.he_init()
    params = sum(p.numel() for p in model.parameters())
    decay, no_decay = [], []
    for m in model.modules():
        for name, p in m.named_parameters(recurse=False):
            weight = isinstance(m, (nn.Conv2d, nn.Linear)) and name == "weight"
            (decay if weight else no_decay).append(p)
    opt = torch.optim.SGD([{"params": decay, "weight_decay": a.weight_decay},
                           {"params": no_decay, "weight_decay": 0.0}],
                          lr=a.lr, momentum=a.momentum, nesterov=True)

    augment = not a.no_augment
    batches = Batches(train_images, train_labels, train_idx, a.batch, 4 if augment else 0,
                      augment, a.seed ^ ORDER_SEED_XOR, a.data_stream)
    steps_per_epoch = batches.steps_per_epoch()
    val_images, val_labels = train_images[val_idx], train_labels[val_idx]
    print(f"torch_train: {arch.get('id', a.arch)} on {copy}: {len(train_idx)} training, "
          f"{len(val_idx)} validation, {len(test_labels)} test images; {params} parameters; "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, seed {a.seed}, "
          f"data stream {a.data_stream}; mean {mean_np.tolist()} std {std_np.tolist()}",
          flush=True)

    model.train()
    step, epochs, train_seconds, train_seen = 0, [], 0.0, 0
    status = "ok"
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        loss_sum, correct, seen, lr = 0.0, 0, 0, 0.0
        for x_u8, y in batches.epoch(epoch):
            n = len(y)
            if n < 2:  # as trainer.cc: no batch statistics; the step index still advances
                step += 1
                continue
            z = model(normalize(x_u8, mean, std))
            loss = nn.functional.cross_entropy(z, y)
            if not math.isfinite(loss.item()) or loss.item() > 1e3:
                status = f"diverged: loss {loss.item()} at epoch {epoch + 1}, step {step + 1}"
                break
            opt.zero_grad(set_to_none=True)
            loss.backward()
            lr = learning_rate(a.lr, a.warmup_epochs, a.epochs, step, steps_per_epoch)
            for g in opt.param_groups:
                g["lr"] = lr
            opt.step()
            loss_sum += loss.item() * n
            correct += int((z.detach().argmax(1) == y).sum())
            seen += n
            step += 1
        seconds = time.perf_counter() - t0
        train_seconds += seconds
        train_seen += seen
        # As trainer.cc: a weight or BN statistic that is not finite ends the run as diverged.
        if status == "ok" and not all(bool(torch.isfinite(t).all())
                                      for t in model.state_dict().values()
                                      if t.is_floating_point()):
            status = f"diverged: a weight or BN statistic is not finite after epoch {epoch + 1}"
        if status != "ok":
            print(f"torch_train: {status}", flush=True)
            break
        val_acc = evaluate(model, val_images, val_labels, mean, std, a.batch)[0] \
            if len(val_idx) else float("nan")
        e = {"epoch": epoch + 1, "train_loss": loss_sum / seen, "train_accuracy": correct / seen,
             "validation_accuracy": val_acc, "learning_rate": lr, "seconds": seconds,
             "images_per_second": seen / seconds}
        epochs.append(e)
        elapsed = time.time() - start_wall
        left = elapsed / (epoch + 1) * (a.epochs - epoch - 1)
        print(f"epoch {epoch + 1}/{a.epochs}  loss {e['train_loss']:.4f}  train acc "
              f"{100 * e['train_accuracy']:.2f}%  val acc {100 * val_acc:.2f}%  lr {lr:.5f}  "
              f"{e['images_per_second']:.1f} img/s  {seconds:.1f} s  ~{left:.0f} s left",
              flush=True)

    val_acc, val_loss = evaluate(model, val_images, val_labels, mean, std, a.batch) \
        if len(val_idx) else (float("nan"), float("nan"))
    test_acc, test_loss = evaluate(model, test_images, test_labels, mean, std, a.batch)

    def num(x):
        return x if math.isfinite(x) else None

    summary = {
        "implementation": "pytorch (tools/torch_train.py)",
        "arch": arch, "dataset": "cifar10", "data_copy": copy,
        "train_images": int(len(train_idx)), "validation_images": int(len(val_idx)),
        "test_images": int(len(test_labels)), "params": int(params),
        "seed": a.seed, "threads": torch.get_num_threads(), "torch_version": torch.__version__,
        "config": {"epochs": a.epochs, "batch": a.batch, "lr": a.lr, "momentum": a.momentum,
                   "nesterov": True, "weight_decay": a.weight_decay, "decay_bn_and_bias": False,
                   "schedule": "cosine", "warmup_epochs": a.warmup_epochs,
                   "label_smoothing": 0.0, "augment": augment,
                   "augmentation": "pad 4 (zero pixels) + random crop 32 + horizontal flip p=1/2"
                   if augment else "none",
                   "bn_momentum": 0.1, "bn_eps": 1e-5, "init": "He normal N(0, 2/fan_in)",
                   "steps_per_epoch": steps_per_epoch, "data_stream": a.data_stream,
                   "normalization": {"mean": mean_np.tolist(), "std": std_np.tolist()}},
        "status": status,
        "validation_accuracy": num(val_acc), "validation_loss": num(val_loss),
        "test_accuracy": num(test_acc), "test_loss": num(test_loss),
        "wall_seconds": time.time() - start_wall,
        "images_per_second": train_seen / train_seconds if train_seconds > 0 else 0.0,
        "epochs": epochs,
    }
    text = json.dumps(summary, indent=2)
    print(text, flush=True)
    if a.json:
        try:
            with open(a.json, "w") as f:
                f.write(text + "\n")
        except OSError as e:
            raise InputError(f"cannot write {a.json}: {e}")
    return 0 if status == "ok" else 3


def main(argv):
    a = parse_flags(argv)
    try:
        return run(a)
    except InputError as e:
        print(f"torch_train: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
