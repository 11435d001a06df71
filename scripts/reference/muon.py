#!/usr/bin/python3
"""Reference trajectories for xoptim::muon. Writes tests/data/muon.csv.

Debian's PyTorch (1.13) has no torch.optim.Muon, so this script transcribes the algorithm of
torch.optim.Muon as torch 2.9 defines it (torch/optim/_muon.py: _single_tensor_muon,
_zeropower_via_newtonschulz with use_addmm=False, _adjust_lr) on torch float64 tensors. The one
deliberate difference: the Newton-Schulz iteration runs in float64 here, where torch casts
the update to bfloat16 first. Everything else (the lerp form of the momentum, the transpose of
a tall matrix, the norm clamped below at eps, decay by lr * weight_decay before the update,
the rate adjustment) follows that source.

One row per (case, step): case, rows, cols, lr, weight_decay, momentum, nesterov,
adjust_lr_fn, ns_steps, step, grad, param. Row step = 0 gives the starting parameter (grad
empty); row k the gradient fed to step k and the parameter after it. Matrices are listed in
row-major order, separated by spaces, in Python's repr.

usage: /usr/bin/python3 scripts/reference/muon.py [out.csv]"""
import math
import os
import sys

import torch

A, B, C = 3.4445, -4.7750, 2.0315
EPS = 1e-7


def newton_schulz(g, steps, eps=EPS, coefficients=(A, B, C)):
    a, b, c = coefficients
    x = g.clone()
    if g.size(0) > g.size(1):
        x = x.T
    x = x / x.norm().clamp(min=eps)
    for _ in range(steps):
        gram = x @ x.T
        update = b * gram + c * gram @ gram
        x = a * x + update @ x
    if g.size(0) > g.size(1):
        x = x.T
    return x


def adjust_lr(lr, fn, shape):
    rows, cols = shape
    if fn == "original":
        return lr * math.sqrt(max(1, rows / cols))
    if fn == "match_rms_adamw":
        return lr * 0.2 * math.sqrt(max(rows, cols))
    raise ValueError(fn)


def step(param, grad, buf, lr, weight_decay, momentum, nesterov, fn, ns_steps):
    buf.lerp_(grad, 1 - momentum)
    update = grad.lerp(buf, momentum) if nesterov else buf
    update = newton_schulz(update, ns_steps)
    param.mul_(1 - lr * weight_decay)
    param.add_(update, alpha=-adjust_lr(lr, fn, param.shape))


def text(t):
    return " ".join(repr(float(v)) for v in t.reshape(-1).tolist())


CASES = [
    # name, rows, cols, lr, weight_decay, momentum, nesterov, adjust_lr_fn, ns_steps
    ("tall_nesterov_original", 5, 3, 0.02, 0.1, 0.95, True, "original", 5),
    ("wide_nesterov_original", 3, 5, 0.02, 0.1, 0.95, True, "original", 5),
    ("tall_plain_rms", 6, 4, 0.05, 0.1, 0.9, False, "match_rms_adamw", 5),
    ("wide_plain_rms", 4, 6, 0.05, 0.1, 0.9, False, "match_rms_adamw", 5),
    ("tall_nesterov_rms_nodecay", 7, 2, 0.01, 0.0, 0.95, True, "match_rms_adamw", 5),
    ("wide_plain_original_decay", 2, 7, 0.03, 0.5, 0.8, False, "original", 5),
    ("square_nesterov_3steps", 4, 4, 0.02, 0.1, 0.95, True, "original", 3),
]
STEPS = 6


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "muon.csv")
    rows_out = ["case,rows,cols,lr,weight_decay,momentum,nesterov,adjust_lr_fn,ns_steps,step,grad,param"]
    for seed, (name, r, c, lr, wd, mu, nest, fn, ns) in enumerate(CASES):
        gen = torch.Generator().manual_seed(1000 + seed)
        param = torch.randn((r, c), generator=gen, dtype=torch.float64)
        target = torch.randn((r, c), generator=gen, dtype=torch.float64)
        buf = torch.zeros_like(param)
        head = f"{name},{r},{c},{lr!r},{wd!r},{mu!r},{int(nest)},{fn},{ns}"
        rows_out.append(f"{head},0,,{text(param)}")
        for k in range(1, STEPS + 1):
            # A gradient that depends on the parameter (a quadratic pull towards target) plus
            # a drawn part, so that successive steps differ.
            grad = (param - target) + 0.3 * torch.randn((r, c), generator=gen, dtype=torch.float64)
            step(param, grad, buf, lr, wd, mu, nest, fn, ns)
            rows_out.append(f"{head},{k},{text(grad)},{text(param)}")
    with open(out, "w") as f:
        f.write("\n".join(rows_out) + "\n")


if __name__ == "__main__":
    main()
