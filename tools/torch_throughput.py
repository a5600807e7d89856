#!/usr/bin/python3
"""Times a whole training step (forward, cross-entropy, backward, SGD with Nesterov momentum and
weight decay) and inference of the reference networks in PyTorch and in imcnas's trainer
(//bench:trainer_throughput), at the same batch and thread count, and prints both with the ratio.

  /usr/bin/python3 tools/torch_throughput.py [--threads 2] [--batch 128] [--arch FILE ...]
      [--min_time 3] [--rounds 1] [--skip_imcnas]

PyTorch on Debian defaults to one thread here, so the thread count is set explicitly; its BLAS
is whatever libblas.so.3 points to (the script prints it: install libopenblas0-pthread, or the
comparison is against the slow reference BLAS). Convolutions go through oneDNN when available.
GFLOP/s counts 2 FLOPs per
multiply-accumulate of the direct convolution: 2 x MACs per inferred image, 6 x per trained image
(forward, input and weight gradients). imcnas computes 3x3 stride-1 convolutions by Winograd
F(2x2, 3x3), which needs 2.25x fewer multiplications, so its figure is an effective rate.
The machine may be shared: run both sides in the same invocation so they see the same load.
With --rounds N each network is timed N times, imcnas and PyTorch back to back in every round,
and the median of the per-round ratios is printed too (a VM whose speed drifts by tens of
percent between minutes otherwise skews a ratio taken from figures minutes apart)."""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_nets  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(fn, min_time):
    for _ in range(2):  # warm-up: allocations, oneDNN primitive creation
        fn()
    n, start = 0, time.perf_counter()
    while True:
        fn()
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_time and n >= 3:
            return elapsed / n


def torch_figures(arch, batch, min_time):
    torch.manual_seed(0)
    model = torch_nets.ArchNet(arch)
    model.he_init()
    h, w, c = arch["input"]
    x = torch.randn(batch, c, h, w)
    y = torch.arange(batch) % arch["classes"]
    decay = [p for n, p in model.named_parameters() if model.names[n].endswith("weight")]
    other = [p for n, p in model.named_parameters() if not model.names[n].endswith("weight")]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": 5e-4},
                           {"params": other, "weight_decay": 0.0}],
                          lr=0.01, momentum=0.9, nesterov=True)

    def step():
        opt.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()

    model.train()
    train = timed(step, min_time)
    model.eval()

    def infer():
        with torch.no_grad():
            model(x)

    inference = timed(infer, min_time)
    return batch / train, batch / inference


def build_imcnas():
    subprocess.run(["bazel", "build", "//bench:trainer_throughput"], cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def imcnas_figures(files, batch, threads, min_time):
    binary = os.path.join(REPO, "bazel-bin", "bench", "trainer_throughput")
    cmd = [binary, f"--threads={threads}", f"--batch={batch}", "--benchmark_format=json",
           f"--min_time={min_time}"] + [f"--arch={os.path.abspath(f)}" for f in files]
    out = subprocess.run(cmd, cwd=REPO, check=True, capture_output=True, text=True).stdout
    figures = {}
    for b in json.loads(out)["benchmarks"]:
        kind, name = b["name"].split("/")[:2]
        figures[(kind, name)] = b["images/s"]
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--arch", action="append", help="architecture file (default b01 b06 b11)")
    parser.add_argument("--min_time", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=1,
                        help="times each network is timed, both sides back to back each time")
    parser.add_argument("--skip_imcnas", action="store_true")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    files = args.arch or [os.path.join(REPO, "testdata", "arch", f"{n}.json")
                          for n in ("b01", "b06", "b11")]
    torch.set_num_threads(args.threads)
    blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"oneDNN {torch.backends.mkldnn.is_available()}, libblas.so.3 -> {blas}")
    print(f"load average before: {os.getloadavg()[0]:.2f} (the machine may be shared: figures "
          f"are noisy)")
    if not args.skip_imcnas:
        build_imcnas()
    print(f"{'arch':8} {'mode':10} {'round':>5} {'torch img/s':>12} {'imcnas img/s':>13} "
          f"{'ratio':>7} {'GFLOP/s torch':>14} {'imcnas':>7}")
    for f in files:
        with open(f) as fh:
            arch = json.load(fh)
        name = arch.get("id", os.path.abspath(f))
        macs = torch_nets.macs(arch)
        ratios = {"train": [], "inference": []}
        for r in range(1, args.rounds + 1):
            ours = {} if args.skip_imcnas else imcnas_figures([f], args.batch, args.threads,
                                                             args.min_time)
            train, inference = torch_figures(arch, args.batch, args.min_time)
            for mode, theirs, key, flops in (("train", train, "train_step", 6 * macs),
                                             ("inference", inference, "inference", 2 * macs)):
                mine = ours.get((key, name))
                mine_s = f"{mine:13.1f} {mine / theirs:7.2f}x" if mine else f"{'-':>13} {'-':>7}"
                mine_g = f"{mine * flops / 1e9:7.1f}" if mine else f"{'-':>7}"
                if mine:
                    ratios[mode].append(mine / theirs)
                print(f"{name:8} {mode:10} {r:5d} {theirs:12.1f} {mine_s} "
                      f"{theirs * flops / 1e9:14.1f} {mine_g}", flush=True)
        if args.rounds > 1 and not args.skip_imcnas:
            for mode in ("train", "inference"):
                print(f"{name:8} {mode:10} median ratio over {args.rounds} rounds: "
                      f"{statistics.median(ratios[mode]):.2f}x", flush=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
