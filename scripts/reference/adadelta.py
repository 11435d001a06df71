#!/usr/bin/python3
"""tests/data/adadelta.csv: torch.optim.Adadelta of PyTorch 1.13 (see elementwise.py for the
problems and the columns). usage: /usr/bin/python3 scripts/reference/adadelta.py [out_dir]"""
import os
import sys

import torch

from elementwise import ROOT, run, steps_of, torch_kwargs, write

CASES = [
    ("seed_mse", "seed_mse", {"lr": 1.0}),
    ("seed_rmse_wd", "seed_rmse", {"lr": 5.0, "rho": 0.95, "weight_decay": 0.1}),
    ("multi", "multi", {"lr": 2.0, "eps": 1e-4, "weight_decay": 0.01}),
]

if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data")
    write("adadelta", [(c, p, h, run(lambda ps, h=h: torch.optim.Adadelta(ps, **torch_kwargs(h)), p, steps_of(p)))
                       for c, p, h in CASES], out)
