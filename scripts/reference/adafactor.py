#!/usr/bin/python3
"""Reference trajectories for xoptim::adafactor. Writes tests/data/adafactor.csv.

Debian's PyTorch (1.13) has no torch.optim.Adafactor, so this script transcribes, in NumPy, the
algorithm of torch.optim.Adafactor as torch 2.5 defines it (torch/optim/_adafactor.py,
_single_tensor_adafactor), step by step:

  t += 1; one_minus_beta2 = t ** beta2_decay; rho = min(lr, 1 / t ** 0.5)
  alpha = max(eps2, ||theta|| / numel ** 0.5) * rho          (theta before the decay)
  theta *= 1 - lr * weight_decay                             (when weight_decay != 0)
  rank >= 2: R.lerp_(||G||_{dim=-1} ** 2 / G.size(-1), one_minus_beta2)   (shape [..., n, 1])
             C.lerp_(||G||_{dim=-2} ** 2 / G.size(-2), one_minus_beta2)   (shape [..., 1, m])
             V = (R @ C) / max(R.mean(dim=-2), eps1)
  else:      V.lerp_(G * G, one_minus_beta2)
  U = rsqrt(max(V, eps1 * eps1)) * G
  theta += -alpha / max(1, ||U|| / (numel ** 0.5 * d)) * U

with G = -grad under maximize, eps1 = the machine epsilon of the dtype when None, and lerp as
torch's CPU kernel computes it (weight < 0.5: a + w (b - a), else b - (b - a)(1 - w)). float32
cases keep the tensors in float32 and the scalars in Python floats, as torch does.

The gradient of every step is g = s_t (a_k (w - t_k) + 0.1 w^3) elementwise, k the row-major
index, a_k = 1 + (k % 3) / 2, t_k = (k % 4) / 4 - 1/4, s_t = scale, times 3 on every third step
(a jump that update clipping catches); the start is
w_k = ((k % 7) - 3) / 2 times `start`. Case seed_mse is the seed's line instead: theta = (-10, -20)
fitted to tests/data/data.csv with the mean squared error's gradient, 100 steps.

One row per (case, step): case, dtype, shape (dimensions joined by x), lr, beta2_decay, eps1
(empty: None), eps2, d, weight_decay, maximize, step, clipped (1 when the step's update was
clipped: RMS(U) > d), grad, param. Row step = 0 gives the start (grad empty); row k the
gradient fed to step k and the parameter after it. Values in row-major order separated by
spaces, in Python's repr (float32 values as the doubles they are).

usage: /usr/bin/python3 scripts/reference/adafactor.py [out.csv]"""
import csv
import os
import sys

import numpy as np


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def lerp(a, b, w):
    w = a.dtype.type(w)
    if w < 0.5:
        return a + w * (b - a)
    return b - (b - a) * (a.dtype.type(1) - w)


class Adafactor:
    def __init__(self, shape, dtype, lr=1e-2, beta2_decay=-0.8, eps1=None, eps2=1e-3, d=1.0,
                 weight_decay=0.0, maximize=False):
        self.lr, self.beta2_decay, self.eps2, self.d = lr, beta2_decay, eps2, d
        self.weight_decay, self.maximize = weight_decay, maximize
        self.eps1 = float(np.finfo(dtype).eps) if eps1 is None else eps1
        self.t = 0
        if len(shape) > 1:
            self.row = np.zeros(shape[:-1] + (1,), dtype)
            self.col = np.zeros(shape[:-2] + (1,) + shape[-1:], dtype)
        else:
            self.var = np.zeros(shape, dtype)

    def step(self, param, grad):
        f = param.dtype.type
        g = -grad if self.maximize else grad
        self.t += 1
        one_minus_beta2 = float(self.t) ** self.beta2_decay
        rho = min(self.lr, 1 / (float(self.t) ** 0.5))
        alpha = max(self.eps2, float(np.sqrt(np.sum(param * param))) / (param.size ** 0.5)) * rho
        if self.weight_decay != 0:
            param *= f(1 - self.lr * self.weight_decay)
        if g.ndim > 1:
            row_mean = np.sqrt(np.sum(g * g, axis=-1, keepdims=True)) ** 2 / f(g.shape[-1])
            self.row = lerp(self.row, row_mean, one_minus_beta2)
            col_mean = np.sqrt(np.sum(g * g, axis=-2, keepdims=True)) ** 2 / f(g.shape[-2])
            self.col = lerp(self.col, col_mean, one_minus_beta2)
            estimate = np.matmul(self.row, self.col)
            estimate = estimate / np.maximum(np.mean(self.row, axis=-2, keepdims=True), f(self.eps1))
        else:
            self.var = lerp(self.var, g * g, one_minus_beta2)
            estimate = self.var.copy()
        update = (f(1) / np.sqrt(np.maximum(estimate, f(self.eps1 * self.eps1)))) * g
        denom = max(1.0, float(np.sqrt(np.sum(update * update))) / ((update.size ** 0.5) * self.d))
        param += f(-alpha / denom) * update
        return denom > 1.0


def gradient(w, t, scale):
    f = w.dtype.type
    k = np.arange(w.size).reshape(w.shape)
    a = (1 + (k % 3) / 2).astype(w.dtype)
    target = ((k % 4) / 4 - 0.25).astype(w.dtype)
    s = f(scale * (3 if t % 3 == 0 else 1))
    return s * (a * (w - target) + f(0.1) * w * w * w)


def seed_data():
    with open(os.path.join(ROOT, "tests", "data", "data.csv")) as f:
        rows = list(csv.DictReader(f))
    return np.array([float(r["x"]) for r in rows]), np.array([float(r["y"]) for r in rows])


def seed_gradient(w):
    """The gradient of the seed's mean squared error at theta = w (the line theta0 + theta1 x)."""
    x, y = seed_data()
    r = w[0] + w[1] * x - y
    return np.array([np.mean(2 * r), np.mean(2 * r * x)])


def start(shape, dtype, size):
    k = np.arange(int(np.prod(shape))).reshape(shape)
    return (((k % 7) - 3) / 2 * size).astype(dtype)


# name, dtype, shape, hyperparameters (torch's names, eps split), gradient scale, start size, steps
CASES = [
    ("vector_defaults", np.float64, (7,), {}, 1.0, 1.0, 40),
    ("vector_relative", np.float64, (7,), {"lr": 0.5, "weight_decay": 0.1}, 1.0, 1.0, 40),
    ("matrix_defaults", np.float64, (4, 5), {}, 1.0, 1.0, 40),
    ("matrix_relative", np.float64, (4, 5), {"lr": 0.5, "beta2_decay": -0.6, "d": 1.25,
                                             "weight_decay": 0.05}, 1.0, 1.0, 40),
    ("matrix_tall_maximize", np.float64, (6, 2), {"lr": 0.3, "maximize": True}, -1.0, 1.0, 40),
    ("matrix_eps", np.float64, (3, 4), {"lr": 0.5, "eps1": 1e-3, "eps2": 1e-2}, 1e-4, 1e-3, 40),
    ("rank3", np.float64, (2, 3, 4), {"lr": 0.4, "weight_decay": 0.02}, 1.0, 1.0, 40),
    ("vector_f32", np.float32, (7,), {"lr": 0.5, "weight_decay": 0.1}, 1.0, 1.0, 40),
    ("matrix_f32", np.float32, (4, 5), {"lr": 0.5, "d": 1.25}, 1.0, 1.0, 40),
    ("rank3_f32", np.float32, (2, 3, 4), {"lr": 0.4, "weight_decay": 0.02}, 1.0, 1.0, 40),
    # The seed's line: mean squared error on tests/data/data.csv from (-10, -20), 100 steps.
    ("seed_mse", np.float64, (2,), {"lr": 0.05}, "seed", None, 100),
]


def text(a):
    return " ".join(repr(float(v)) for v in a.reshape(-1).tolist())


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                                            "tests", "data", "adafactor.csv")
    lines = ["case,dtype,shape,lr,beta2_decay,eps1,eps2,d,weight_decay,maximize,step,clipped,grad,param"]
    for name, dtype, shape, hyper, scale, size, steps in CASES:
        h = {"lr": 1e-2, "beta2_decay": -0.8, "eps1": None, "eps2": 1e-3, "d": 1.0, "weight_decay": 0.0,
             "maximize": False}
        h.update(hyper)
        opt = Adafactor(shape, dtype, **h)
        w = np.array([-10.0, -20.0]) if scale == "seed" else start(shape, dtype, size)
        head = [name, "float32" if dtype == np.float32 else "float64", "x".join(map(str, shape)), repr(h["lr"]),
                repr(h["beta2_decay"]), "" if h["eps1"] is None else repr(h["eps1"]), repr(h["eps2"]), repr(h["d"]),
                repr(h["weight_decay"]), "1" if h["maximize"] else "0"]
        lines.append(",".join(head + ["0", "0", "", text(w)]))
        clipped = 0
        for t in range(1, steps + 1):
            g = seed_gradient(w) if scale == "seed" else gradient(w, t, scale)
            c = opt.step(w, g)
            clipped += c
            lines.append(",".join(head + [str(t), "1" if c else "0", text(g), text(w)]))
        print(f"{name}: {clipped} of {steps} steps clipped, rho below lr from step "
              f"{next((t for t in range(1, steps + 1) if 1 / t ** 0.5 < h['lr']), 'never')}", file=sys.stderr)
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
