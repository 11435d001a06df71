#!/usr/bin/python3
"""tests/data/asgd.csv: torch.optim.ASGD of PyTorch 1.13 with its averaged parameters
state['ax'] (see elementwise.py for the problems and the columns). Every case runs past t0, so
that the average is a running mean for its last steps. eta and mu, which ASGD keeps per parameter
as torch.tensor(...), are float64 here (the default dtype set in elementwise.py).
usage: /usr/bin/python3 scripts/reference/asgd.py [out_dir]"""
import os
import sys

import torch

from elementwise import ROOT, run, steps_of, torch_kwargs, write

CASES = [
    ("seed_mse", "seed_mse", {"lr": 0.05, "t0": 20.0}),
    ("seed_rmse_wd", "seed_rmse", {"lr": 0.5, "lambd": 0.01, "alpha": 0.5, "t0": 50.0, "weight_decay": 0.1}),
    ("multi", "multi", {"lr": 0.05, "lambd": 1e-3, "t0": 5.0}),
]


def averaged(opt, params):
    return [opt.state[p]["ax"] for p in params]


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data")
    write("asgd", [(c, p, h, run(lambda ps, h=h: torch.optim.ASGD(ps, **torch_kwargs(h)), p, steps_of(p), averaged))
                   for c, p, h in CASES], out)
