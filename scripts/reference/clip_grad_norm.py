#!/usr/bin/python3
"""Reference values for xoptim::clip_grad_norm from torch.nn.utils.clip_grad_norm_
(PyTorch 1.13, Debian's python3-torch). Writes tests/data/clip_grad_norm.csv, one row per
(case, tensor):

  case, dtype, max_norm, norm_type, error_if_nonfinite, raised, total_norm,
  tensor, shape, grad, clipped

shape is the dimensions joined by 'x' ("2x3x4", "0x4"); grad and clipped are the tensor's
elements in row-major order, separated by spaces (empty for a zero-size tensor). raised is 1
when clip_grad_norm_ raised (error_if_nonfinite with a non-finite total norm); clipped is then
the gradient as it was left, and total_norm the norm a call without error_if_nonfinite
returns. Numbers are Python's repr: the shortest text that reads back to the same double.

usage: /usr/bin/python3 scripts/reference/clip_grad_norm.py [out.csv]"""
import math
import os
import sys

import torch
from torch.nn.utils import clip_grad_norm_

inf = math.inf
nan = math.nan


def random(seed, shapes, dtype=torch.float64, scale=1.0):
    gen = torch.Generator().manual_seed(seed)
    return [(torch.randn(s, generator=gen, dtype=torch.float64) * scale).to(dtype) for s in shapes]


def with_values(tensors, edits):
    """A copy of tensors with edits {(tensor, flat index): value}."""
    out = [t.clone() for t in tensors]
    for (k, i), v in edits.items():
        out[k].view(-1)[i] = v
    return out


def as_parameters(grads):
    params = []
    for g in grads:
        p = torch.zeros_like(g, requires_grad=True)
        p.grad = g.clone()
        params.append(p)
    return params


def run(grads, max_norm, norm_type, error_if_nonfinite):
    params = as_parameters(grads)
    try:
        total = clip_grad_norm_(params, max_norm, norm_type, error_if_nonfinite)
        raised = False
    except RuntimeError:
        raised = True
        # The norm a call without the check returns, on copies.
        total = clip_grad_norm_(as_parameters(grads), max_norm, norm_type, False)
    return float(total), raised, [p.grad for p in params]


def text(x):
    return repr(float(x))


def cases():
    ranks123 = [(7,), (3, 4), (2, 3, 4)]
    g = random(1, ranks123)
    yield "l2_clip", g, 1.0, 2.0, False
    yield "l2_no_clip", g, 10.0, 2.0, False
    yield "inf_clip", g, 0.5, inf, False
    yield "inf_no_clip", g, 5.0, inf, False
    yield "l1_clip", g, 2.0, 1.0, False
    yield "l1_no_clip", g, 100.0, 1.0, False
    yield "l3_clip", g, 1.0, 3.0, False
    yield "l3_no_clip", g, 10.0, 3.0, False
    yield "p0.5_clip", g, 3.0, 0.5, False
    yield "p1.5_clip", g, 1.0, 1.5, False
    yield "single_rank2", random(2, [(4, 5)]), 1.0, 2.0, False
    yield "single_rank3_inf", random(3, [(2, 2, 3)]), 0.25, inf, False
    zero_size = random(4, [(0,), (3,), (0, 4), (2, 2)])
    yield "zero_size_l2", zero_size, 1.0, 2.0, False
    yield "zero_size_l1", zero_size, 1.0, 1.0, False
    yield "zero_size_l3", zero_size, 1.0, 3.0, False
    yield "all_zero_size_l2", [torch.zeros((0,), dtype=torch.float64), torch.zeros((2, 0), dtype=torch.float64)], \
        1.0, 2.0, False
    yield "max_norm_zero", g, 0.0, 2.0, False
    yield "max_norm_inf", g, inf, 2.0, False
    yield "max_norm_equals_norm", [torch.tensor([3.0, 4.0], dtype=torch.float64)], 5.0, 2.0, False
    yield "tiny_norm", random(5, [(3,), (2, 2)], scale=1e-7), 1e-6, 2.0, False
    yield "overflow_l2", [torch.tensor([1e200, -1e200], dtype=torch.float64), torch.tensor([1.0], dtype=torch.float64)], \
        1.0, 2.0, False
    g2 = random(6, [(5,), (2, 3)])
    with_inf = with_values(g2, {(1, 4): inf, (0, 1): -inf})
    with_nan = with_values(g2, {(1, 2): nan})
    for p, name in ((2.0, "l2"), (inf, "inf"), (1.0, "l1")):
        yield f"inf_grad_{name}", with_inf, 1.0, p, False
        yield f"inf_grad_{name}_error", with_inf, 1.0, p, True
        yield f"nan_grad_{name}", with_nan, 1.0, p, False
        yield f"nan_grad_{name}_error", with_nan, 1.0, p, True
    yield "finite_error_l2", g2, 1.0, 2.0, True
    f32 = random(7, ranks123, dtype=torch.float32)
    yield "float32_l2_clip", f32, 1.0, 2.0, False
    yield "float32_inf_clip", f32, 0.5, inf, False
    yield "float32_l3_clip", f32, 1.0, 3.0, False


def main(out):
    rows = ["case,dtype,max_norm,norm_type,error_if_nonfinite,raised,total_norm,tensor,shape,grad,clipped"]
    for name, grads, max_norm, norm_type, error in cases():
        total, raised, clipped = run(grads, max_norm, norm_type, error)
        dtype = str(grads[0].dtype).replace("torch.", "")
        for k, (g, c) in enumerate(zip(grads, clipped)):
            shape = "x".join(str(d) for d in g.shape)
            rows.append(",".join([
                name, dtype, text(max_norm), text(norm_type), str(int(error)), str(int(raised)), text(total),
                str(k), shape,
                " ".join(text(v) for v in g.reshape(-1).tolist()),
                " ".join(text(v) for v in c.reshape(-1).tolist()),
            ]))
    with open(out, "w") as f:
        f.write("\n".join(rows) + "\n")
    print(f"{out}: {len(rows) - 1} rows, torch {torch.__version__}")


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "..", "tests", "data", "clip_grad_norm.csv"))
