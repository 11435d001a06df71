#!/usr/bin/python3
"""Reference trajectories for xoptim::lbfgs from torch.optim.LBFGS (PyTorch 1.13, Debian's
python3-torch). Writes tests/data/lbfgs.csv, one row per call of step(closure):

  case,dtype,step,loss,func_evals,n_iter,theta0,theta1

`loss` is what step() returns (the loss at the parameters it was given), `func_evals` and
`n_iter` torch's state['func_evals'] and state['n_iter'] after the step, theta the parameters
after it. Row step = 0 holds the start (loss there, counters 0). Numbers are Python's repr
(the shortest text that reads back to the same double; float32 values widened exactly).

Cases (each with a history_size small enough that the ring buffer wraps):
  seed_*         linear regression y ~ theta0 + theta1 x under MSE on tests/data/data.csv
                 (the seed's data set), from (-10, -20)
  rosenbrock_*   (1 - x)^2 + 100 (y - x^2)^2 from (-1.2, 1), the library's start

The closure computes the loss and its gradient with the same operations, in the same order,
as the library's objectives (xoptim::linear_regression<mse> and xoptim::rosenbrock), in
Python floats (IEEE doubles), and writes the gradient into p.grad; the script checks it
against autograd at every evaluation. The comparison then measures the optimizer alone.

usage: /usr/bin/python3 scripts/reference/lbfgs.py [out_dir]"""
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "tests", "data", "data.csv")


def read_data():
    with open(DATA) as f:
        rows = [line.strip().split(",") for line in f.readlines()[1:] if line.strip()]
    return [float(r[0]) for r in rows], [float(r[1]) for r in rows]


X, Y = read_data()


def seed_value_and_gradient(t0, t1):
    # xoptim::linear_regression<mse>: p_i = t0 + t1 x_i; L = sum (p_i - y_i)^2 / n;
    # dL/dp_i = (2 / n) (p_i - y_i); g0 = sum dL/dp_i; g1 = sum dL/dp_i x_i (sequential sums).
    n = len(X)
    pred = [t0 + t1 * x for x in X]
    s = 0.0
    for p, y in zip(pred, Y):
        r = p - y
        s += r * r
    loss = s / n
    scale = 2.0 / n
    dl = [scale * (p - y) for p, y in zip(pred, Y)]
    g0 = 0.0
    for v in dl:
        g0 += v
    g1 = 0.0
    for v, x in zip(dl, X):
        g1 += v * x
    return loss, (g0, g1)


def seed_autograd(theta):
    x = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)
    th = theta.detach().to(torch.float64).clone().requires_grad_(True)
    loss = ((th[0] + th[1] * x - y) ** 2).mean()
    loss.backward()
    return float(loss), th.grad.tolist()


def rosenbrock_value_and_gradient(x, y):
    # xoptim::rosenbrock: f = (1 - x)^2 + 100 (y - x^2)^2, df = (-2 (1 - x) - 400 x (y - x^2), 200 (y - x^2)).
    f = (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x)
    return f, (-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x))


def rosenbrock_autograd(theta):
    th = theta.detach().to(torch.float64).clone().requires_grad_(True)
    f = (1 - th[0]) ** 2 + 100 * (th[1] - th[0] ** 2) ** 2
    f.backward()
    return float(f), th.grad.tolist()


PROBLEMS = {
    "seed": (seed_value_and_gradient, seed_autograd, (-10.0, -20.0)),
    "rosenbrock": (rosenbrock_value_and_gradient, rosenbrock_autograd, (-1.2, 1.0)),
}


def cases():
    # name, problem, dtype, LBFGS arguments, steps
    yield "seed_fixed", "seed", torch.float64, dict(lr=0.5, max_iter=4, history_size=3), 8
    yield "seed_wolfe", "seed", torch.float64, dict(max_iter=3, history_size=3, line_search_fn="strong_wolfe"), 6
    yield "rosenbrock_fixed", "rosenbrock", torch.float64, dict(lr=0.5, max_iter=5, history_size=3), 12
    # Fixed steps of 0.1 along the valley: a difference of one ulp grows about tenfold per step.
    yield "rosenbrock_fixed_sensitive", "rosenbrock", torch.float64, dict(lr=0.1, max_iter=10, history_size=3), 12
    yield "rosenbrock_wolfe", "rosenbrock", torch.float64, \
        dict(max_iter=5, history_size=3, line_search_fn="strong_wolfe"), 12
    yield "rosenbrock_defaults", "rosenbrock", torch.float64, dict(line_search_fn="strong_wolfe"), 3
    yield "seed_float", "seed", torch.float32, dict(lr=0.5, max_iter=4, history_size=3), 6
    yield "seed_wolfe_float", "seed", torch.float32, \
        dict(max_iter=3, history_size=3, line_search_fn="strong_wolfe"), 4


def run_case(name, problem, dtype, args, steps, rows):
    value_and_gradient, autograd, start = PROBLEMS[problem]
    theta = torch.tensor(start, dtype=dtype, requires_grad=True)
    opt = torch.optim.LBFGS([theta], **args)
    worst = 0.0

    def closure():
        nonlocal worst
        t0, t1 = (float(v) for v in theta.detach())
        loss, grad = value_and_gradient(t0, t1)
        ref_loss, ref_grad = autograd(theta)
        scale = max(abs(ref_loss), 1e-300)
        worst = max(worst, abs(loss - ref_loss) / scale)
        for g, r in zip(grad, ref_grad):
            worst = max(worst, abs(g - r) / max(abs(r), 1e-6))  # gradients near 0 cancel: an absolute floor
        theta.grad = torch.tensor(grad, dtype=dtype)
        return torch.tensor(loss, dtype=dtype)

    def row(step, loss, state):
        t = [repr(float(v)) for v in theta.detach()]
        rows.append(",".join([name, "float32" if dtype == torch.float32 else "float64", str(step), repr(float(loss)),
                              str(state.get("func_evals", 0)), str(state.get("n_iter", 0))] + t))

    row(0, value_and_gradient(*(float(v) for v in theta.detach()))[0], {})
    for k in range(1, steps + 1):
        loss = opt.step(closure)
        row(k, loss, opt.state[theta])
    assert worst < 1e-9, f"{name}: the hand-written gradient differs from autograd by {worst}"
    return worst


def main(out_dir):
    torch.set_num_threads(1)
    rows = ["case,dtype,step,loss,func_evals,n_iter,theta0,theta1"]
    for name, problem, dtype, args, steps in cases():
        worst = run_case(name, problem, dtype, args, steps, rows)
        print(f"{name}: {args}, {steps} steps; closure vs autograd {worst:.1e}")
    path = os.path.join(out_dir, "lbfgs.csv")
    with open(path, "w") as f:
        f.write("\n".join(rows) + "\n")
    print(f"{path}: {len(rows) - 1} rows, torch {torch.__version__}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "tests", "data"))
