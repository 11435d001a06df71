#!/usr/bin/python3
"""Reference trajectories for xoptim::shampoo. Writes tests/data/shampoo.csv.

The distributed_shampoo package (facebookresearch/optimizers) needs torch >= 2 and is not
installed here, so this script transcribes its single-device algorithm for 2-D parameters with
AdamGraftingConfig on torch tensors of the case's dtype: DistributedShampoo._per_group_step_impl
(L2 or decoupled weight decay, preconditioner update, root inverse, filtered gradient,
preconditioning and grafting, momentum, update), ShampooPreconditionerList (factor matrices
G G^T and G^T G, scaled by beta2 unless beta2 = 1, bias correction 1 - beta2^t, the two
tensordots over dimension 0), AdagradPreconditionerList as Adam grafting (bias-corrected second
moment, sqrt plus epsilon) and matrix_functions._matrix_inverse_root_eigen (torch.linalg.eigh,
eigenvalues shifted up to >= 0, plus epsilon, Q diag(lambda^(-1/4)) Q^T). The scalars (step, lr,
the bias corrections) are Python floats here; the reference holds them in float32 0-d tensors.
No blocking (max_preconditioner_dim is larger than every case), beta3 = beta1, exponent 1.

One row per (case, step): case, dtype, rows, cols, lr, beta1, beta2, epsilon, momentum,
dampening, weight_decay, precondition_frequency, start_preconditioning_step, use_nesterov,
use_bias_correction, use_decoupled_weight_decay, grafting_beta2, grafting_epsilon, recomputed,
step, grad, param. Row step = 0 gives the starting parameter (grad empty); row k the gradient
fed to step k and the parameter after it (recomputed = 1 where step k recomputed the inverse
roots). Matrices are listed in row-major order, separated by spaces, in Python's repr.

usage: /usr/bin/python3 scripts/reference/shampoo.py [out.csv]"""
import os
import sys

import torch


def inverse_root(a, epsilon, root=4):
    lam, q = torch.linalg.eigh(a)
    lam = lam + (-torch.minimum(lam.min(), torch.zeros((), dtype=lam.dtype)))
    lam = lam + epsilon
    return q * lam.pow(-1.0 / root).unsqueeze(0) @ q.T


class Shampoo:
    def __init__(self, shape, dtype, lr, beta1, beta2, epsilon, momentum, dampening, weight_decay,
                 precondition_frequency, start_preconditioning_step, use_nesterov, use_bias_correction,
                 use_decoupled_weight_decay, grafting_beta2, grafting_epsilon):
        rows, cols = shape
        z = lambda *s: torch.zeros(s, dtype=dtype)
        self.factors = [z(rows, rows), z(cols, cols)]
        self.inverses = [z(rows, rows), z(cols, cols)]
        self.adagrad = z(rows, cols)
        self.filtered = z(rows, cols)
        self.momentum_buffer = z(rows, cols)
        self.lr, self.beta1, self.beta2, self.epsilon = lr, beta1, beta2, epsilon
        self.momentum, self.dampening, self.weight_decay = momentum, dampening, weight_decay
        self.frequency = precondition_frequency
        self.start = precondition_frequency if start_preconditioning_step == -1 else start_preconditioning_step
        self.nesterov, self.bias_correction, self.decoupled = use_nesterov, use_bias_correction, use_decoupled_weight_decay
        self.g2, self.geps = grafting_beta2, grafting_epsilon
        self.step_count = 0

    def step(self, param, grad):
        self.step_count += 1
        t = self.step_count
        grad = grad.clone()
        # L2 (coupled) weight decay.
        if self.weight_decay != 0.0 and not self.decoupled:
            grad.add_(param, alpha=self.weight_decay)
        # Shampoo factor matrices.
        if self.beta2 != 1.0:
            for f in self.factors:
                f.mul_(self.beta2)
        outer = [torch.tensordot(grad, grad, dims=[[1], [1]]), torch.tensordot(grad, grad, dims=[[0], [0]])]
        for f, o in zip(self.factors, outer):
            f.add_(o, alpha=1 - self.beta2 if self.beta2 != 1.0 else 1.0)
        c2 = 1.0 - self.beta2 ** t if (self.bias_correction and self.beta2 < 1.0) else 1.0
        # Adam grafting's second moment.
        if self.g2 == 1.0:
            self.adagrad.addcmul_(grad, grad, value=1.0)
        else:
            self.adagrad.mul_(self.g2)
            self.adagrad.addcmul_(grad, grad, value=1 - self.g2)
        cg = 1.0 - self.g2 ** t if self.g2 < 1.0 else 1.0
        # Root inverses.
        recompute = (t % self.frequency == 0 and t > self.start) or t == self.start
        if recompute:
            for k in range(2):
                self.inverses[k].copy_(inverse_root(self.factors[k] / c2, self.epsilon))
        # Filtered gradient.
        if self.beta1 != 0.0:
            self.filtered.lerp_(grad, 1 - self.beta1)
            gbar = self.filtered
            if self.bias_correction:
                gbar = gbar / (1.0 - self.beta1 * self.beta1 ** (t - 1))
        else:
            gbar = grad
        # Precondition and graft.
        adam = gbar / ((self.adagrad / cg).sqrt() + self.geps)
        if t < self.start:
            direction = adam
        else:
            s = gbar
            for inv in self.inverses:
                s = torch.tensordot(s, inv, [[0], [0]])
            direction = s * (adam.norm() / (s.norm() + 1e-16))
        # Decoupled weight decay.
        if self.weight_decay != 0.0 and self.decoupled:
            direction = direction + self.weight_decay * param
        # Momentum.
        if self.momentum != 0.0:
            self.momentum_buffer.mul_(self.momentum)
            self.momentum_buffer.add_(direction, alpha=1 - self.dampening)
            if self.nesterov:
                direction = direction * (1 - self.dampening) + self.momentum * self.momentum_buffer
            else:
                direction = self.momentum_buffer.clone()
        param.add_(direction * -self.lr)
        return recompute


def text(t):
    return " ".join(repr(float(v)) for v in t.reshape(-1).tolist())


# name, dtype, rows, cols, lr, beta1, beta2, epsilon, momentum, dampening, weight_decay,
# precondition_frequency, start_preconditioning_step, use_nesterov, use_bias_correction,
# use_decoupled_weight_decay, grafting_beta2, grafting_epsilon
CASES = [
    ("tall_sums_f2_s4", "float64", 6, 4, 0.01, 0.9, 1.0, 1e-12, 0.0, 0.0, 0.0, 2, 4, 0, 1, 1, 0.999, 1e-8),
    ("wide_ema_decoupled_momentum", "float64", 3, 5, 0.02, 0.9, 0.99, 1e-10, 0.5, 0.0, 0.01, 3, 3, 0, 1, 1, 0.999, 1e-8),
    ("tall_coupled_nesterov", "float64", 6, 4, 0.01, 0.8, 0.95, 1e-9, 0.9, 0.1, 0.05, 1, 2, 1, 1, 0, 0.99, 1e-8),
    ("square_unfiltered_no_bias_correction", "float64", 4, 4, 0.005, 0.0, 0.999, 1e-12, 0.0, 0.0, 0.0, 5, 5, 0, 0, 1, 0.999, 1e-8),
    ("wide_late_start", "float64", 3, 5, 0.01, 0.95, 1.0, 1e-12, 0.0, 0.0, 0.1, 2, 7, 0, 1, 1, 0.9, 1e-6),
    ("tall_sums_f2_s4_float", "float32", 6, 4, 0.01, 0.9, 1.0, 1e-6, 0.0, 0.0, 0.0, 2, 4, 0, 1, 1, 0.999, 1e-8),
    ("wide_ema_decoupled_momentum_float", "float32", 3, 5, 0.02, 0.9, 0.99, 1e-6, 0.5, 0.0, 0.01, 3, 3, 0, 1, 1, 0.999, 1e-8),
]
STEPS = 12


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data", "shampoo.csv")
    lines = ["case,dtype,rows,cols,lr,beta1,beta2,epsilon,momentum,dampening,weight_decay,precondition_frequency,"
             "start_preconditioning_step,use_nesterov,use_bias_correction,use_decoupled_weight_decay,grafting_beta2,"
             "grafting_epsilon,recomputed,step,grad,param"]
    for seed, case in enumerate(CASES):
        name, dtype_name, r, c = case[:4]
        hyper = case[4:]
        dtype = getattr(torch, dtype_name)
        gen = torch.Generator().manual_seed(2000 + seed)
        param = torch.randn((r, c), generator=gen, dtype=torch.float64).to(dtype)
        target = torch.randn((r, c), generator=gen, dtype=torch.float64).to(dtype)
        opt = Shampoo((r, c), dtype, *hyper)
        head = ",".join([name, dtype_name, str(r), str(c)] + [repr(h) for h in hyper])
        lines.append(f"{head},0,0,,{text(param)}")
        for k in range(1, STEPS + 1):
            # A pull towards a drawn target plus a drawn part, so that successive steps differ.
            noise = torch.randn((r, c), generator=gen, dtype=torch.float64).to(dtype)
            grad = (param - target) + 0.3 * noise
            recomputed = opt.step(param, grad)
            lines.append(f"{head},{int(recomputed)},{k},{text(grad)},{text(param)}")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
