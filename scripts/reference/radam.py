#!/usr/bin/python3
"""tests/data/radam.csv: RAdam (see elementwise.py for the problems and the columns).

Cases without decoupled weight decay are torch.optim.RAdam of PyTorch 1.13. PyTorch 1.13 has no
`decoupled_weight_decay` (added in 2.1): those cases come from update() below, a direct
transcription of `_single_tensor_radam` of PyTorch 2.x (pytorch/pytorch, torch/optim/radam.py,
the non-capturable, non-differentiable branch, from v2.1 on) applied to torch tensors of
PyTorch 1.13. The transcription is checked first against torch.optim.RAdam of 1.13 on every case
without decoupled decay (2.x updates exp_avg with lerp_ where 1.13 multiplies and adds, so they
agree to rounding, not bit for bit).
usage: /usr/bin/python3 scripts/reference/radam.py [out_dir]"""
import os
import sys

import torch

from elementwise import ROOT, max_relative, run, steps_of, torch_kwargs, transcribed, write

CASES = [
    ("seed_mse", "seed_mse", {"lr": 0.1}),
    ("seed_rmse_wd", "seed_rmse", {"lr": 0.1, "weight_decay": 0.1}),
    ("seed_mse_decoupled", "seed_mse", {"lr": 0.1, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("multi", "multi", {"lr": 0.05, "beta2": 0.99, "weight_decay": 0.02}),
    ("multi_decoupled", "multi", {"lr": 0.05, "beta2": 0.99, "weight_decay": 0.05, "decoupled_weight_decay": True}),
]


def update(param, grad, state, group):
    lr, weight_decay, eps = group["lr"], group["weight_decay"], group["eps"]
    beta1, beta2 = group["betas"]
    if not state:
        state["step"] = torch.tensor(0.0)
        state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        state["exp_avg_sq"] = torch.zeros_like(param, memory_format=torch.preserve_format)
    exp_avg, exp_avg_sq, step_t = state["exp_avg"], state["exp_avg_sq"], state["step"]

    step_t += 1
    step = step_t.item()
    if weight_decay != 0:
        if group["decoupled_weight_decay"]:
            param.mul_(1 - lr * weight_decay)
        else:
            grad = grad.add(param, alpha=weight_decay)
    exp_avg.lerp_(grad, 1 - beta1)
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    bias_corrected_exp_avg = exp_avg / bias_correction1
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
    if rho_t > 5.0:
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        adaptive_lr = (bias_correction2 ** 0.5) / exp_avg_sq.sqrt().add_(eps)
        param.add_(bias_corrected_exp_avg * lr * adaptive_lr * rect, alpha=-1.0)
    else:
        param.add_(bias_corrected_exp_avg * lr, alpha=-1.0)


def group_of(hyper):
    g = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False)
    g.update(torch_kwargs(hyper))
    return g


if __name__ == "__main__":
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "data")
    cases = []
    for c, p, h in CASES:
        mine = run(lambda ps, h=h: transcribed(ps, update, **group_of(h)), p, steps_of(p))
        if h.get("decoupled_weight_decay"):
            rows = mine
        else:
            rows = run(lambda ps, h=h: torch.optim.RAdam(ps, **torch_kwargs(h)), p, steps_of(p))
            worst = max_relative(mine, rows)
            print(c, "transcription vs torch.optim.RAdam 1.13:", worst)
            assert worst < 1e-12, c
        cases.append((c, p, h, rows))
    write("radam", cases, out)
