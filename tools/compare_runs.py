#!/usr/bin/python3
"""Puts training runs of imcnas (`bazel run //nn:train -- ... --json F`) next to PyTorch runs of
the same recipe (`tools/torch_train.py ... --json F`) and says whether they agree: the issue-4
comparison (b01 on CIFAR-10, 15 epochs, 3 seeds each; means within 1 percentage point).

  tools/compare_runs.py --imcnas A1.json A2.json A3.json --torch T1.json T2.json T3.json
      [--tolerance_pp 1] [--min_seeds 3] [--markdown]

Checks that every run trained the same architecture on the same data set and copy with the same
recipe (epochs, batch, lr, momentum, Nesterov, weight decay, schedule, warm-up, label smoothing,
augmentation) and finished with status "ok"; then prints one line per run, the mean and sample
standard deviation of test and validation accuracy per side, the difference of the means, and
the verdict. Exit status: 0 agree, 1 disagree, 2 bad input or a mismatched recipe, 3 too few
seeds for a verdict (the table is printed anyway)."""
import argparse
import json
import math
import os
import statistics
import sys

RECIPE_KEYS = ["epochs", "batch", "lr", "momentum", "nesterov", "weight_decay", "schedule",
               "warmup_epochs", "label_smoothing", "augment", "decay_bn_and_bias"]
# Keys that summaries written before they were recorded lack; such a summary ran with the value
# given here (//nn:train's defaults then).
OPTIONAL_RECIPE_KEYS = {"step_epochs": 30, "step_gamma": 0.1}


class InputError(Exception):
    pass


def load(path, side):
    try:
        with open(path) as f:
            run = json.load(f)
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})")
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not JSON ({e})")
    for key in ["arch", "dataset", "config", "seed", "status", "test_accuracy",
                "validation_accuracy"]:
        if key not in run:
            raise InputError(f"{path}: no \"{key}\" (not a --json summary of //nn:train or "
                             "tools/torch_train.py?)")
    if run["status"] != "ok":
        raise InputError(f"{path}: run ended with status {run['status']!r}")
    for key in ["test_accuracy", "validation_accuracy"]:
        if not isinstance(run[key], (int, float)) or not math.isfinite(run[key]):
            raise InputError(f"{path}: {key} is {run[key]!r}")
    # Which program wrote it: torch_train.py names itself; //nn:train's summary has a weights
    # fingerprint and no "implementation".
    is_torch = str(run.get("implementation", "")).startswith("pytorch")
    if side == "pytorch" and not is_torch:
        raise InputError(f"{path}: not a tools/torch_train.py summary (given to --torch)")
    if side == "imcnas" and (is_torch or "weights_fingerprint" not in run):
        raise InputError(f"{path}: not a //nn:train summary (given to --imcnas)")
    run["_path"], run["_side"] = path, side
    return run


def recipe(run):
    arch = dict(run["arch"])
    arch.pop("id", None)  # a label, not part of the network
    cfg = run["config"]
    missing = [k for k in RECIPE_KEYS if k not in cfg]
    if missing:
        raise InputError(f"{run['_path']}: config lacks {', '.join(missing)}")
    optional = {k: cfg.get(k, default) for k, default in OPTIONAL_RECIPE_KEYS.items()}
    if cfg["schedule"] != "step":  # the step settings do not change other schedules
        optional = {}
    return {"arch": json.dumps(arch, sort_keys=True), "dataset": run["dataset"],
            "data_copy": run.get("data_copy"), "train_images": run.get("train_images"),
            "validation_images": run.get("validation_images"),
            **{k: cfg[k] for k in RECIPE_KEYS}, **optional}


def summary(values):
    mean = statistics.fmean(values)
    std = statistics.stdev(values) if len(values) > 1 else float("nan")
    return mean, std


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--imcnas", nargs="+", required=True, help="//nn:train --json summaries")
    p.add_argument("--torch", nargs="+", required=True, help="tools/torch_train.py summaries")
    p.add_argument("--tolerance_pp", type=float, default=1.0,
                   help="largest allowed difference of mean test accuracy, percentage points")
    p.add_argument("--min_seeds", type=int, default=3, help="seeds per side needed for a verdict")
    p.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    a = p.parse_args()
    try:
        both = set(map(os.path.realpath, a.imcnas)) & set(map(os.path.realpath, a.torch))
        if both:
            raise InputError(f"given to both sides: {', '.join(sorted(both))}")
        runs = [load(f, "imcnas") for f in a.imcnas] + [load(f, "pytorch") for f in a.torch]
        ref = recipe(runs[0])
        for run in runs[1:]:
            r = recipe(run)
            diff = [k for k in ref if ref[k] != r[k]]
            if diff:
                raise InputError(f"{run['_path']} differs from {runs[0]['_path']} in: "
                                 + ", ".join(f"{k} ({r[k]!r} vs {ref[k]!r})" for k in diff))
        for side in ["imcnas", "pytorch"]:
            seeds = [r["seed"] for r in runs if r["_side"] == side]
            if len(set(seeds)) != len(seeds):
                raise InputError(f"{side}: a seed appears twice ({sorted(seeds)})")
    except InputError as e:
        print(f"compare_runs: {e}", file=sys.stderr)
        return 2

    sep = " | " if a.markdown else "  "
    head = ["side", "seed", "test acc %", "val acc %", "test loss", "img/s", "wall s", "file"]
    if a.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
    else:
        print(sep.join(f"{h:>10}" for h in head))
    for r in runs:
        cells = [r["_side"], str(r["seed"]), f"{100 * r['test_accuracy']:.2f}",
                 f"{100 * r['validation_accuracy']:.2f}", f"{r.get('test_loss', float('nan')):.4f}",
                 f"{r.get('images_per_second', float('nan')):.1f}",
                 f"{r.get('wall_seconds', float('nan')):.0f}", r["_path"]]
        print(("| " + " | ".join(cells) + " |") if a.markdown else sep.join(f"{c:>10}" for c in cells))
    print()
    means = {}
    for side in ["imcnas", "pytorch"]:
        test = [100 * r["test_accuracy"] for r in runs if r["_side"] == side]
        val = [100 * r["validation_accuracy"] for r in runs if r["_side"] == side]
        (tm, ts), (vm, vs) = summary(test), summary(val)
        means[side] = tm
        print(f"{side:8s}: {len(test)} seed(s), test {tm:.2f} +- {ts:.2f} %, "
              f"validation {vm:.2f} +- {vs:.2f} % (mean +- sample std)")
    d = means["imcnas"] - means["pytorch"]
    print(f"difference of mean test accuracy (imcnas - pytorch): {d:+.2f} pp "
          f"(tolerance {a.tolerance_pp:g} pp)")
    counts = [sum(r["_side"] == s for r in runs) for s in ["imcnas", "pytorch"]]
    if min(counts) < a.min_seeds:
        print(f"verdict: none yet ({counts[0]} imcnas and {counts[1]} PyTorch seed(s); "
              f"{a.min_seeds} each needed)")
        return 3
    ok = abs(d) <= a.tolerance_pp
    print(f"verdict: {'agree' if ok else 'DISAGREE'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
