#!/usr/bin/python3
"""Times a whole training step (forward, cross-entropy, backward, SGD with Nesterov momentum and
weight decay) and inference of the reference networks in PyTorch and in imcnas's trainer
(//bench:trainer_throughput), at the same batch and thread count, and prints both with the ratio.

  /usr/bin/python3 tools/torch_throughput.py [--threads 2] [--batch 128] [--arch FILE ...]
      [--pairs 15] [--burst 0.5] [--skip_imcnas] [--verbose]

PyTorch on Debian defaults to one thread here, so the thread count is set explicitly; its BLAS
is whatever libblas.so.3 points to (the script prints it: install libopenblas0-pthread, or the
comparison is against the slow reference BLAS). Convolutions go through oneDNN when available.
GFLOP/s counts 2 FLOPs per
multiply-accumulate of the direct convolution: 2 x MACs per inferred image, 6 x per trained image
(forward, input and weight gradients). imcnas computes 3x3 stride-1 convolutions by Winograd
F(2x2, 3x3), which needs 2.25x fewer multiplications, so its figure is an effective rate.

How it times: both sides are set up once per network (imcnas's as `trainer_throughput --serve`,
a process that runs steps on request) and warmed up; then, --pairs times, each side runs a burst
of about --burst seconds of steps, one right after the other (which side goes first alternates).
Each pair gives a ratio of two rates measured within about a second of each other; the script
prints the median over the pairs, their quartiles and extremes, and each side's median rate. On
this VM, whose speed drifts by tens of percent from one minute to the next, figures taken
minutes apart (as separate runs of each side would be) compare different machines; the
spread of the per-pair ratios shows how much is left. The environment (e.g. OMP_WAIT_POLICY) is
the same for both sides."""
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


def torch_steps(arch, batch):
    """The training step and the inference pass of the PyTorch twin of `arch`, as callables."""
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

    def train(n):
        model.train()
        start = time.perf_counter()
        for _ in range(n):
            opt.zero_grad(set_to_none=True)
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
        return time.perf_counter() - start

    def infer(n):
        model.eval()
        start = time.perf_counter()
        with torch.no_grad():
            for _ in range(n):
                model(x)
        return time.perf_counter() - start

    return {"train": train, "inference": infer}


def build_imcnas():
    subprocess.run(["bazel", "build", "//bench:trainer_throughput"], cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class ImcnasServer:
    """`trainer_throughput --serve` for one network: run(mode, n) returns the seconds n took."""

    def __init__(self, arch_file, batch, threads):
        binary = os.path.join(REPO, "bazel-bin", "bench", "trainer_throughput")
        self.proc = subprocess.Popen(
            [binary, "--serve", f"--arch={os.path.abspath(arch_file)}", f"--threads={threads}",
             f"--batch={batch}"], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True)
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"trainer_throughput --serve failed to start for {arch_file}")

    def run(self, mode, n):
        self.proc.stdin.write(f"{mode} {n}\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError("trainer_throughput --serve stopped")
        return float(answer)

    def close(self):
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait()


def steps_for(run, burst):
    """Steps of `run` that take about `burst` seconds (at least 1), from one timed step."""
    return max(1, round(burst / run(1)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--arch", action="append", help="architecture file (default b01 b06 b11)")
    parser.add_argument("--pairs", type=int, default=15,
                        help="bursts of each side per network and mode, alternating")
    parser.add_argument("--burst", type=float, default=0.5,
                        help="seconds of steps per burst (at least one step)")
    parser.add_argument("--skip_imcnas", action="store_true")
    parser.add_argument("--verbose", action="store_true", help="print every pair")
    args = parser.parse_args()
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    if not 0 < args.burst <= 60:
        parser.error("--burst must be seconds in (0, 60]")
    if args.threads < 1 or args.batch < 2:
        parser.error("--threads must be at least 1 and --batch at least 2")
    files = args.arch or [os.path.join(REPO, "testdata", "arch", f"{n}.json")
                          for n in ("b01", "b06", "b11")]
    for f in files:
        if not os.path.isfile(f):
            parser.error(f"--arch {f}: no such file")
    torch.set_num_threads(args.threads)
    blas = os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"oneDNN {torch.backends.mkldnn.is_available()}, libblas.so.3 -> {blas}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}")
    print(f"load average before: {os.getloadavg()[0]:.2f}; {args.pairs} pairs of "
          f"~{args.burst:g} s bursts per network and mode")
    if not args.skip_imcnas:
        build_imcnas()
    print(f"{'arch':8} {'mode':10} {'torch img/s':>12} {'imcnas img/s':>13} {'ratio':>7} "
          f"{'ratio quartiles':>16} {'min-max':>12} {'GFLOP/s torch':>14} {'imcnas':>7}")
    for f in files:
        with open(f) as fh:
            arch = json.load(fh)
        name = arch.get("id", os.path.abspath(f))
        macs = torch_nets.macs(arch)
        theirs_run = torch_steps(arch, args.batch)
        server = None if args.skip_imcnas else ImcnasServer(f, args.batch, args.threads)
        for mode, flops in (("train", 6 * macs), ("inference", 2 * macs)):
            sides = {"torch": theirs_run[mode]}
            if server:
                sides["imcnas"] = lambda n, mode=mode: server.run(mode, n)
            for run in sides.values():
                run(2)  # warm-up: allocations, oneDNN primitive creation
            steps = {side: steps_for(run, args.burst) for side, run in sides.items()}
            rates = {side: [] for side in sides}
            ratios = []
            for p in range(args.pairs):
                order = list(sides) if p % 2 == 0 else list(reversed(sides))
                for side in order:
                    rates[side].append(args.batch * steps[side] / sides[side](steps[side]))
                if server:
                    ratios.append(rates["imcnas"][-1] / rates["torch"][-1])
                if args.verbose:
                    mine = f"{rates['imcnas'][-1]:.1f} ({ratios[-1]:.2f}x)" if server else ""
                    print(f"  {name} {mode} pair {p + 1}: torch {rates['torch'][-1]:.1f} "
                          f"imcnas {mine}", flush=True)
            theirs = statistics.median(rates["torch"])
            if server:
                mine = statistics.median(rates["imcnas"])
                # Quartiles by linear interpolation between the sorted ratios.
                q1, _, q3 = (statistics.quantiles(ratios, n=4, method="inclusive")
                             if len(ratios) > 1 else ratios * 3)
                cols = (f"{mine:13.1f} {statistics.median(ratios):6.2f}x "
                        f"{q1:7.2f}-{q3:.2f}x "
                        f"{min(ratios):5.2f}-{max(ratios):.2f}x")
                mine_g = f"{mine * flops / 1e9:7.1f}"
            else:
                cols = f"{'-':>13} {'-':>7} {'-':>16} {'-':>12}"
                mine_g = f"{'-':>7}"
            print(f"{name:8} {mode:10} {theirs:12.1f} {cols} {theirs * flops / 1e9:14.1f} "
                  f"{mine_g}", flush=True)
        if server:
            server.close()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
