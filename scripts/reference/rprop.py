#!/usr/bin/python3
"""tests/data/rprop.csv: torch.optim.Rprop of PyTorch 1.13 (see elementwise.py for the problems
and the columns). Each case is checked to change the sign of some gradient element both ways
(from + to - and from - to +), so that the step-size decrease and the zeroed gradient are hit.
usage: /usr/bin/python3 scripts/reference/rprop.py [out_dir]"""
import os
import sys

import torch

from elementwise import ROOT, run, steps_of, torch_kwargs, write

CASES = [
    ("seed_mse", "seed_mse", {"lr": 0.1}),
    ("seed_mae", "seed_mae", {"lr": 0.5, "eta_minus": 0.3, "eta_plus": 1.5, "step_size_min": 1e-3,
                              "step_size_max": 2.0}),
    ("multi", "multi", {"lr": 0.1, "step_size_max": 0.5}),
]


def counting(flips):
    def before_step(opt, params):
        for p in params:
            prev = opt.state[p].get("prev")
            if prev is None:
                continue
            product = p.grad * prev
            flips[0] += int(((product < 0) & (p.grad < 0)).sum())
            flips[1] += int(((product < 0) & (p.grad > 0)).sum())
    return before_step


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data")
    cases = []
    for c, p, h in CASES:
        flips = [0, 0]
        rows = run(lambda ps, h=h: torch.optim.Rprop(ps, **torch_kwargs(h)), p, steps_of(p), before_step=counting(flips))
        print(c, "sign changes + to -:", flips[0], "- to +:", flips[1])
        assert flips[0] > 0 and flips[1] > 0, c
        cases.append((c, p, h, rows))
    write("rprop", cases, out)
