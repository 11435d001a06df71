#!/usr/bin/python3
"""tests/data/schedule_free.csv: schedule-free SGD and AdamW (Defazio et al. 2024, "The Road Less
Scheduled") as facebookresearch/schedule_free defines SGDScheduleFree and AdamWScheduleFree
(schedulefree/sgd_schedulefree.py and adamw_schedulefree.py, the versions where Adam's second
moment is bias-corrected inside the square root), transcribed here on PyTorch 1.13 tensors since
the package is not installed. Run in float64 and in float32.

Per group, once per step k = 0, 1, ... (the group's count before the step):
  sched      = (k + 1) / warmup_steps if k < warmup_steps else 1
  lr_k       = lr * sched
  lr_max     = max(lr_max, lr_k)                 (lr_max starts at -1)
  weight     = (k + 1)^r * lr_max^weight_lr_power
  weight_sum = weight_sum + weight               (weight_sum starts at 0)
  c          = weight / weight_sum  (0 if weight_sum is 0)
Per tensor y (the stored parameter in train mode), with z = y at its first step:
  SGD:   g' = g + wd y
  AdamW: v = beta2 v + (1 - beta2) g^2; g' = g / (sqrt(v / (1 - beta2^(k+1))) + eps) + wd y
  y <- lerp(y, z, c) + lr_k (beta1 (1 - c) - 1) g'      (beta1 = momentum for SGD)
  z <- z - lr_k g'
eval():  y <- lerp(y, z, 1 - 1/beta1)  (the stored parameter becomes x)
train(): x <- lerp(x, z, 1 - beta1)    (back to y)

Problems (scripts/reference/elementwise.py): seed_mse (the seed's line, full batch, autograd,
start (-10, -20), 100 steps) and multi (A 3x4 and b 5 as one group, elementwise gradient, 30
steps).

CSV columns: case, problem, dtype, hyper, step, theta, x, loss, switched.
  hyper     xoptim's names (betas split into beta1 beta2), "name=value"; the rest the defaults
  theta     the stored parameters after `step` steps (y; row 0 the start)
  x         the evaluation parameters x = lerp(y, z, 1 - 1/beta1) after the step, computed on a
            copy (the trajectory itself is never switched); row 0: the start
  loss      the seed loss at x (empty for multi)
  switched  for cases whose name ends in _switch: eval() then train() are called in place after
            every 10th step (as around an evaluation), and theta is then the parameters after
            train(); otherwise 0

usage: /usr/bin/python3 scripts/reference/schedule_free.py [out_dir]"""
import csv
import os
import sys

import torch

from elementwise import ROOT, multi_gradient, multi_start, seed_data, seed_loss

torch.set_default_dtype(torch.float64)


class ScheduleFree:
    """One parameter group of SGDScheduleFree (adam=False) or AdamWScheduleFree (adam=True)."""

    def __init__(self, params, adam, lr, beta1, beta2=0.999, eps=1e-8, weight_decay=0.0, warmup_steps=0, r=0.0,
                 weight_lr_power=2.0):
        self.params, self.adam = params, adam
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.weight_decay, self.warmup_steps, self.r, self.weight_lr_power = weight_decay, warmup_steps, r, weight_lr_power
        self.k, self.lr_max, self.weight_sum, self.train_mode = 0, -1.0, 0.0, True
        self.state = [dict() for _ in params]

    @torch.no_grad()
    def eval(self):
        if self.train_mode:
            for p, s in zip(self.params, self.state):
                if "z" in s:
                    p.lerp_(s["z"], 1 - 1 / self.beta1)
            self.train_mode = False

    @torch.no_grad()
    def train(self):
        if not self.train_mode:
            for p, s in zip(self.params, self.state):
                if "z" in s:
                    p.lerp_(s["z"], 1 - self.beta1)
            self.train_mode = True

    def x_of(self):
        """The evaluation parameters, computed on copies."""
        out = []
        for p, s in zip(self.params, self.state):
            out.append(p.detach().clone().lerp_(s["z"], 1 - 1 / self.beta1) if "z" in s else p.detach().clone())
        return out

    @torch.no_grad()
    def step(self):
        assert self.train_mode, "step in eval mode"
        k = self.k
        sched = (k + 1) / self.warmup_steps if k < self.warmup_steps else 1.0
        lr = self.lr * sched
        self.lr_max = max(lr, self.lr_max)
        weight = ((k + 1) ** self.r) * (self.lr_max ** self.weight_lr_power)
        self.weight_sum = self.weight_sum + weight
        c = weight / self.weight_sum if self.weight_sum != 0 else 0.0
        bias_correction2 = 1 - self.beta2 ** (k + 1)
        for y, s in zip(self.params, self.state):
            if y.grad is None:
                continue
            if "z" not in s:
                s["z"] = y.detach().clone()
                if self.adam:
                    s["v"] = torch.zeros_like(y)
            g = y.grad.clone()
            if self.adam:
                s["v"].mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
                g.div_(s["v"].div(bias_correction2).sqrt_().add_(self.eps))
            if self.weight_decay != 0:
                g.add_(y, alpha=self.weight_decay)
            y.lerp_(s["z"], c)
            y.add_(g, alpha=lr * (self.beta1 * (1 - c) - 1))
            s["z"].sub_(g, alpha=lr)
        self.k = k + 1


def flat(tensors):
    return " ".join(repr(float(v)) for t in tensors for v in t.detach().reshape(-1).tolist())


def run(adam, problem, hyper, dtype, steps, switch):
    kw = dict(hyper)
    beta1 = kw.pop("momentum" if not adam else "beta1", 0.9)
    rows = []
    if problem == "seed_mse":
        x, y = (t.to(dtype) for t in seed_data())
        params = [torch.tensor([-10.0, -20.0], dtype=dtype, requires_grad=True)]
    else:
        x = y = None
        params = [p.to(dtype).clone().requires_grad_(True) for p in multi_start()]
    opt = ScheduleFree(params, adam, beta1=beta1, **kw)

    def loss_at(theta):
        return repr(float(seed_loss(theta[0], x, y, "mse"))) if x is not None else ""

    rows.append((0, flat(params), flat(params), loss_at(params), 0))
    for k in range(1, steps + 1):
        if x is not None:
            for p in params:
                p.grad = None
            seed_loss(params[0], x, y, "mse").backward()
        else:
            for p in params:
                p.grad = multi_gradient(p.detach().to(torch.float64)).to(dtype)
        opt.step()
        xs = opt.x_of()
        switched = 0
        if switch and k % 10 == 0:
            opt.eval()
            assert flat(params) == flat(xs)  # eval() gives what x_of() computed
            opt.train()
            switched = 1
        rows.append((k, flat(params), flat(xs), loss_at(xs), switched))
    return rows


SGD_CASES = [
    ("sgd_seed", "seed_mse", {"lr": 0.05}),
    ("sgd_seed_warmup", "seed_mse", {"lr": 0.1, "momentum": 0.8, "weight_decay": 0.01, "warmup_steps": 10,
                                     "r": 0.5}),
    ("sgd_multi", "multi", {"lr": 0.2, "momentum": 0.7, "weight_decay": 0.02, "warmup_steps": 5, "r": 1.0,
                            "weight_lr_power": 1.0}),
    ("sgd_multi_switch", "multi", {"lr": 0.2, "weight_decay": 0.05, "warmup_steps": 3}),
]
ADAMW_CASES = [
    ("adamw_seed", "seed_mse", {"lr": 0.5}),
    ("adamw_seed_warmup", "seed_mse", {"lr": 1.0, "beta1": 0.85, "beta2": 0.99, "weight_decay": 0.05,
                                       "warmup_steps": 20, "r": 0.5}),
    ("adamw_multi", "multi", {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.02,
                              "warmup_steps": 5, "r": 2.0, "weight_lr_power": 0.0}),
    ("adamw_multi_switch", "multi", {"lr": 0.05, "weight_decay": 0.1, "warmup_steps": 4, "r": 1.0}),
]


def main(out_dir):
    path = os.path.join(out_dir, "schedule_free.csv")
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["case", "problem", "dtype", "hyper", "step", "theta", "x", "loss", "switched"])
        for adam, cases in ((False, SGD_CASES), (True, ADAMW_CASES)):
            for case, problem, hyper in cases:
                for dtype, dname in ((torch.float64, "double"), (torch.float32, "float")):
                    steps = 100 if problem == "seed_mse" else 30
                    text = " ".join(f"{k}={float(v)!r}" for k, v in hyper.items())
                    for row in run(adam, problem, hyper, dtype, steps, case.endswith("_switch")):
                        w.writerow([case, problem, dname, text, *row])
    print("wrote", path, "torch", torch.__version__)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data"))
