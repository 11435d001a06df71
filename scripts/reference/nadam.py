#!/usr/bin/python3
"""tests/data/nadam.csv: NAdam as PyTorch 2.x defines it (see elementwise.py for the problems and
the columns).

Every case comes from update() below, a direct transcription of `_single_tensor_nadam` of PyTorch
2.x (pytorch/pytorch, torch/optim/nadam.py, the non-capturable, non-differentiable branch, from
v2.1 on) applied to torch tensors of PyTorch 1.13, because

- PyTorch 1.13 has no `decoupled_weight_decay` (added in 2.1: param.mul_(1 - lr * weight_decay)
  instead of adding weight_decay * param to the gradient);
- PyTorch 1.13 computes mu_product_next = mu_product * mu * mu_next, after mu_product has
  already been multiplied by mu (mu_t counted twice); PyTorch 2.0 corrected it to
  mu_product * mu_next, the product of mu_1 .. mu_{t+1} of Dozat's algorithm. xoptim follows the
  correction.

The transcription is checked first: with 1.13's two lines put back (torch113=True) it must give
torch.optim.NAdam of 1.13 bit for bit on every case without decoupled decay.
usage: /usr/bin/python3 scripts/reference/nadam.py [out_dir]"""
import os
import sys

import torch

from elementwise import ROOT, max_relative, run, steps_of, torch_kwargs, transcribed, write

CASES = [
    ("seed_mse", "seed_mse", {"lr": 0.1}),
    ("seed_rmse_wd", "seed_rmse", {"lr": 0.1, "weight_decay": 0.1}),
    ("seed_mse_decoupled", "seed_mse", {"lr": 0.1, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("multi", "multi", {"lr": 0.05, "momentum_decay": 0.01, "weight_decay": 0.02}),
    ("multi_decoupled", "multi", {"lr": 0.02, "weight_decay": 0.05, "decoupled_weight_decay": True}),
]


def update(param, grad, state, group, torch113=False):
    lr, weight_decay, eps = group["lr"], group["weight_decay"], group["eps"]
    beta1, beta2 = group["betas"]
    momentum_decay, decoupled = group["momentum_decay"], group["decoupled_weight_decay"]
    if not state:
        state["step"] = torch.tensor(0.0)
        state["mu_product"] = torch.tensor(1.0)
        state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        state["exp_avg_sq"] = torch.zeros_like(param, memory_format=torch.preserve_format)
    exp_avg, exp_avg_sq, mu_product, step_t = state["exp_avg"], state["exp_avg_sq"], state["mu_product"], state["step"]

    step_t += 1
    step = step_t.item()
    bias_correction2 = 1 - beta2 ** step
    if weight_decay != 0:
        if decoupled:
            param.mul_(1 - lr * weight_decay)
        else:
            grad = grad.add(param, alpha=weight_decay)
    mu = beta1 * (1. - 0.5 * (0.96 ** (step * momentum_decay)))
    mu_next = beta1 * (1. - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
    mu_product *= mu
    if torch113:
        exp_avg.mul_(beta1).add_(grad, alpha=1 - beta1)
    else:
        exp_avg.lerp_(grad, 1 - beta1)
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    denom = exp_avg_sq.div(bias_correction2).sqrt()
    mu_product_next = (mu_product * mu * mu_next).item() if torch113 else mu_product.item() * mu_next
    denom.add_(eps)
    param.addcdiv_(grad, denom, value=(-lr * (1. - mu) / (1. - mu_product.item())))
    param.addcdiv_(exp_avg, denom, value=(-lr * mu_next) / (1. - mu_product_next))


def group_of(hyper):
    g = dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3, decoupled_weight_decay=False)
    g.update(torch_kwargs(hyper))
    return g


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data")
    cases = []
    for c, p, h in CASES:
        rows = run(lambda ps, h=h: transcribed(ps, update, **group_of(h)), p, steps_of(p))
        if not h.get("decoupled_weight_decay"):
            old = run(lambda ps, h=h: transcribed(ps, lambda *a: update(*a, torch113=True), **group_of(h)), p, steps_of(p))
            theirs = run(lambda ps, h=h: torch.optim.NAdam(ps, **torch_kwargs(h)), p, steps_of(p))
            assert max_relative(old, theirs) == 0.0, c
            print(c, "transcription with 1.13's lines = torch.optim.NAdam 1.13 bit for bit; 2.x vs 1.13:",
                  max_relative(rows, theirs))
        cases.append((c, p, h, rows))
    write("nadam", cases, out)
