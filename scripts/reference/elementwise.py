#!/usr/bin/python3
"""Reference trajectories of the elementwise optimizers NAdam, RAdam, Adamax, Adadelta, Rprop and
ASGD, made with PyTorch 1.13 (Debian's python3-torch) in float64. The scripts nadam.py, radam.py,
adamax.py, adadelta.py, rprop.py and asgd.py next to this one each write tests/data/<name>.csv
through main() below.

Problems:
  seed_mse, seed_rmse  the seed's line y_hat = theta0 + theta1 x fitted to tests/data/data.csv,
                       full batch, gradients by autograd, start (-10, -20), 100 steps
  multi                two tensors stepped as one group: A (3x4) and b (5), each element k (row-
                       major within its tensor) starting at w_k, with the gradient
                       g = a_k (w - t_k) + 0.1 w^3 computed elementwise (no autograd), 30 steps;
                       A: w_k = ((k % 7) - 3) / 2, b: w_k = ((k % 5) - 2) * 0.75,
                       a_k = 1 + (k % 3) / 2, t_k = (k % 4) / 4 - 1/4

CSV columns: case, problem, hyper, step, theta, loss, ax.
  hyper  the hyperparameters under xoptim's names (PyTorch's, with its tuples split:
         betas -> beta1 beta2, etas -> eta_minus eta_plus, step_sizes -> step_size_min
         step_size_max), "name=value" separated by spaces; the rest are PyTorch's defaults
  theta  every parameter after `step` steps (row 0: the start), separated by spaces, A
         before b for `multi`; Python's repr, which reads back to the same double
  loss   the seed loss at theta (empty for multi)
  ax     ASGD's averaged parameters state['ax'] after the step (empty otherwise)

usage: /usr/bin/python3 scripts/reference/<name>.py [out_dir]"""
import csv
import os
import sys

import torch

# Scalar state PyTorch makes with torch.tensor(x) (NAdam's mu_product, ASGD's eta and mu) takes
# the default dtype: float64 here, as the parameters.
torch.set_default_dtype(torch.float64)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

TORCH_NAMES = {"beta1": ("betas", 0), "beta2": ("betas", 1), "eta_minus": ("etas", 0), "eta_plus": ("etas", 1),
               "step_size_min": ("step_sizes", 0), "step_size_max": ("step_sizes", 1)}
TORCH_DEFAULTS = {"betas": (0.9, 0.999), "etas": (0.5, 1.2), "step_sizes": (1e-6, 50)}


def torch_kwargs(hyper):
    """xoptim's names (tuples split) to PyTorch's keyword arguments."""
    out = {}
    for key, value in hyper.items():
        if key in TORCH_NAMES:
            name, index = TORCH_NAMES[key]
            pair = list(out.get(name, TORCH_DEFAULTS[name]))
            pair[index] = value
            out[name] = tuple(pair)
        else:
            out[key] = value
    return out


def seed_data():
    with open(os.path.join(ROOT, "tests", "data", "data.csv")) as f:
        rows = list(csv.DictReader(f))
    x = torch.tensor([float(r["x"]) for r in rows])
    y = torch.tensor([float(r["y"]) for r in rows])
    return x, y


def seed_loss(theta, x, y, kind):
    r = theta[0] + theta[1] * x - y
    if kind == "mae":
        return r.abs().mean()
    s = (r * r).mean()
    return s.sqrt() if kind == "rmse" else s


def multi_start():
    a = torch.tensor([((k % 7) - 3) / 2 for k in range(12)]).reshape(3, 4)
    b = torch.tensor([((k % 5) - 2) * 0.75 for k in range(5)])
    return [a, b]


def multi_gradient(w):
    n = w.numel()
    a = torch.tensor([1 + (k % 3) / 2 for k in range(n)]).reshape(w.shape)
    t = torch.tensor([(k % 4) / 4 - 0.25 for k in range(n)]).reshape(w.shape)
    return a * (w - t) + 0.1 * (w * w * w)


def flat(tensors):
    return " ".join(repr(float(v)) for t in tensors for v in t.detach().reshape(-1).tolist())


def run(make, problem, steps, averaged=None, before_step=None):
    """Rows (step, theta, loss, ax) of optimizer make(params) on problem; `averaged(opt, params)`
    gives the averaged parameters, if any. make returns an object with step()."""
    rows = []
    if problem.startswith("seed"):
        kind = problem.split("_")[1]
        x, y = seed_data()
        params = [torch.tensor([-10.0, -20.0], requires_grad=True)]
        opt = make(params)
        rows.append((0, flat(params), repr(float(seed_loss(params[0], x, y, kind))), ""))
        for k in range(1, steps + 1):
            opt.zero_grad()
            seed_loss(params[0], x, y, kind).backward()
            if before_step:
                before_step(opt, params)
            opt.step()
            with torch.no_grad():
                loss = repr(float(seed_loss(params[0], x, y, kind)))
            rows.append((k, flat(params), loss, flat(averaged(opt, params)) if averaged else ""))
    else:
        params = [p.clone().requires_grad_(True) for p in multi_start()]
        opt = make(params)
        rows.append((0, flat(params), "", ""))
        for k in range(1, steps + 1):
            for p in params:
                p.grad = multi_gradient(p.detach())
            if before_step:
                before_step(opt, params)
            opt.step()
            rows.append((k, flat(params), "", flat(averaged(opt, params)) if averaged else ""))
    return rows


class transcribed:
    """A stand-in for a torch.optim class: step() applies `update(param, grad, state, group)` to
    each parameter under torch.no_grad(), with per-parameter state as torch keeps it."""

    def __init__(self, params, update, **group):
        self.params, self.update, self.group = params, update, group
        self.state = [dict() for _ in params]

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    @torch.no_grad()
    def step(self):
        for p, s in zip(self.params, self.state):
            if p.grad is not None:
                self.update(p, p.grad, s, self.group)


def write(name, rows_by_case, out_dir):
    path = os.path.join(out_dir, name + ".csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case", "problem", "hyper", "step", "theta", "loss", "ax"])
        for case, problem, hyper, rows in rows_by_case:
            text = " ".join(f"{k}={float(v)!r}" for k, v in hyper.items())
            for step, theta, loss, ax in rows:
                w.writerow([case, problem, text, step, theta, loss, ax])
    print("wrote", path, "torch", torch.__version__)


def steps_of(problem):
    return 100 if problem.startswith("seed") else 30


def max_relative(a_rows, b_rows):
    worst = 0.0
    for a, b in zip(a_rows, b_rows):
        for u, v in zip(a[1].split(), b[1].split()):
            u, v = float(u), float(v)
            worst = max(worst, abs(u - v) / max(abs(u), abs(v), 1e-12))
    return worst
