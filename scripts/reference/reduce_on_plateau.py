#!/usr/bin/python3
"""Reference values for xoptim::reduce_on_plateau from torch.optim.lr_scheduler.ReduceLROnPlateau
(PyTorch 1.13, Debian's python3-torch), steering a torch.optim.SGD with two parameter groups.
Writes two files under tests/data:

  reduce_on_plateau_cases.csv   one row per case: its arguments (torch's names) and the two
                                groups' starting rates; min_lr is one number for every group
                                or one per group, separated by spaces
  reduce_on_plateau.csv         one row per scheduler step: the metric given to step(), then
                                each group's lr and the scheduler's best, num_bad_epochs,
                                cooldown_counter and last_epoch after that step

Numbers are Python's repr: the shortest text that reads back to the same double.

usage: /usr/bin/python3 scripts/reference/reduce_on_plateau.py [out_dir]"""
import math
import os
import sys

import torch
from torch.optim.lr_scheduler import ReduceLROnPlateau

nan = math.nan
inf = math.inf


def noise(seed, n, start, drift, spread):
    gen = torch.Generator().manual_seed(seed)
    out, level = [], start
    for _ in range(n):
        level += drift
        out.append(level + spread * float(torch.rand((), generator=gen, dtype=torch.float64) - 0.5))
    return out


def cases():
    plateau = [1.0, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]
    yield "plateau", dict(patience=2), (0.1, 0.01), plateau
    yield "defaults", dict(), (0.1, 0.01), [1.0] * 25
    yield "patience0", dict(patience=0, factor=0.5), (1.0, 0.5), [3.0, 2.0, 2.0, 1.0, 1.0, 1.0, 0.5, 0.6, 0.7]
    yield "noise", dict(patience=3, factor=0.5), (0.1, 0.05), noise(1, 60, 1.0, -0.005, 0.2)
    # Each improvement is 0.5% of the last, less than the relative threshold of 1%: no step is better.
    yield "within_rel_threshold", dict(patience=2, threshold=0.01), (0.1, 0.01), \
        [1.0 * 0.995 ** k for k in range(12)]
    # Steps of 2% are better than the 1% threshold, then steps of 0.5% are not.
    yield "across_rel_threshold", dict(patience=1, threshold=0.01), (0.1, 0.01), \
        [1.0, 0.98, 0.9604, 0.9556, 0.9508, 0.946, 0.93, 0.9255, 0.92]
    yield "max_rel", dict(mode="max", patience=1, factor=0.5), (0.2, 0.02), \
        [0.1, 0.2, 0.30, 0.30003, 0.3, 0.29, 0.31, 0.31, 0.5, 0.4, 0.4, 0.4]
    yield "min_abs", dict(threshold_mode="abs", threshold=0.1, patience=1, factor=0.5), (0.1, 0.01), \
        [5.0, 4.95, 4.91, 4.85, 4.7, 4.65, 4.6, 4.59, 4.3, 4.3]
    yield "max_abs", dict(mode="max", threshold_mode="abs", threshold=0.5, patience=2, factor=0.25), (1.0, 0.1), \
        [0.0, 0.4, 0.6, 1.0, 1.2, 1.4, 1.6, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7]
    yield "cooldown", dict(patience=1, cooldown=2, factor=0.5), (0.1, 0.01), [1.0] * 14
    yield "cooldown_improving", dict(patience=0, cooldown=3, factor=0.5), (0.1, 0.01), \
        [1.0, 1.0, 0.5, 0.4, 0.4, 0.4, 0.3, 0.3, 0.3, 0.3, 0.3]
    yield "min_lr_per_group", dict(patience=0, factor=0.5, min_lr=[0.03, 0.004]), (0.1, 0.01), [1.0] * 8
    yield "min_lr_shared", dict(patience=0, factor=0.3, min_lr=0.005), (0.1, 0.02), [1.0] * 6
    # A reduction smaller than eps is not applied: the second group stops first.
    yield "eps", dict(patience=0, factor=0.5, eps=1e-3), (0.1, 0.01), [1.0] * 10
    yield "nan_metric", dict(patience=1, factor=0.5), (0.1, 0.01), \
        [nan, 1.0, nan, nan, 0.5, nan, 0.4, nan, nan, nan]
    yield "nan_metric_max", dict(mode="max", patience=1, factor=0.5), (0.1, 0.01), [nan, nan, 1.0, nan, 2.0, nan, nan]
    yield "inf_metric", dict(patience=1, factor=0.5), (0.1, 0.01), [inf, 5.0, -inf, -inf, 1.0, -1e300]
    yield "negative_metric_rel", dict(patience=1, threshold=0.1), (0.1, 0.01), \
        [-1.0, -1.05, -1.2, -1.25, -1.5, -1.5, -1.5]


def main(out_dir):
    case_rows = ["case,mode,factor,patience,threshold,threshold_mode,cooldown,min_lr,eps,lr0,lr1"]
    step_rows = ["case,epoch,metric,lr0,lr1,best,num_bad_epochs,cooldown_counter,last_epoch"]
    for name, args, (lr0, lr1), metrics in cases():
        w0 = torch.zeros(2, requires_grad=True)
        w1 = torch.zeros(3, requires_grad=True)
        opt = torch.optim.SGD([{"params": [w0], "lr": lr0}, {"params": [w1], "lr": lr1}], lr=lr0)
        sched = ReduceLROnPlateau(opt, **args)
        min_lr = sched.min_lrs if isinstance(args.get("min_lr"), (list, tuple)) else [sched.min_lrs[0]]
        case_rows.append(",".join([
            name, sched.mode, repr(float(sched.factor)), str(sched.patience), repr(float(sched.threshold)),
            sched.threshold_mode, str(sched.cooldown), " ".join(repr(float(m)) for m in min_lr),
            repr(float(sched.eps)), repr(float(lr0)), repr(float(lr1))]))
        for k, m in enumerate(metrics, start=1):
            sched.step(m)
            lrs = [float(g["lr"]) for g in opt.param_groups]
            step_rows.append(",".join([
                name, str(k), repr(float(m)), repr(lrs[0]), repr(lrs[1]), repr(float(sched.best)),
                str(sched.num_bad_epochs), str(sched.cooldown_counter), str(sched.last_epoch)]))
    for file, rows in (("reduce_on_plateau_cases.csv", case_rows), ("reduce_on_plateau.csv", step_rows)):
        path = os.path.join(out_dir, file)
        with open(path, "w") as f:
            f.write("\n".join(rows) + "\n")
        print(f"{path}: {len(rows) - 1} rows, torch {torch.__version__}")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "tests", "data"))
