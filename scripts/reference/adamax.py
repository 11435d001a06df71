#!/usr/bin/python3
"""tests/data/adamax.csv: torch.optim.Adamax of PyTorch 1.13 (see elementwise.py for the problems
and the columns). usage: /usr/bin/python3 scripts/reference/adamax.py [out_dir]"""
import os
import sys

import torch

from elementwise import ROOT, run, steps_of, torch_kwargs, write

CASES = [
    ("seed_mse", "seed_mse", {"lr": 0.1}),
    ("seed_rmse_wd", "seed_rmse", {"lr": 0.1, "weight_decay": 0.1}),
    ("multi", "multi", {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "weight_decay": 0.02}),
]

if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data")
    write("adamax", [(c, p, h, run(lambda ps, h=h: torch.optim.Adamax(ps, **torch_kwargs(h)), p, steps_of(p)))
                     for c, p, h in CASES], out)
