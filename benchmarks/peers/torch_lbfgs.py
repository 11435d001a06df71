#!/usr/bin/env python3
"""torch.optim.LBFGS on the problems of benchmarks/lbfgs.cpp, timed the same way: one
step(closure) from the same start with the same options, the optimizer's state cleared before
each step, one thread, the gradient written by the closure (no autograd), so that both sides
time the optimizer and the same closure arithmetic.

    /usr/bin/python3 benchmarks/peers/torch_lbfgs.py [--repetitions 7] [--json out.json]

Prints, per problem: closure evaluations and iterations per step (which must equal xoptim's
`evals` and `iters` counters: the algorithms are the same) and the median CPU time per step
and per iteration. Needs PyTorch (Debian: python3-torch); the test suite never runs it.

  rosenbrock:     (1 - x)^2 + 100 (y - x^2)^2 from (-1.2, 1); lr 0.5 without a line search
  quadratic_65536: 0.5 sum_i a_i x_i^2, a_i in [1, 100), x_i in [-1, 1), drawn by the
                  benchmarks' splitmix64 filler (seeds 7 and 8), history 10 and 100
"""
import argparse
import json
import statistics
import time

import numpy as np
import torch

MASK = (1 << 64) - 1


def splitmix_uniform(seed, n, lo, hi):
    """benchmarks/common.hpp's filler: splitmix64, the top 53 bits scaled to [lo, hi)."""
    with np.errstate(over="ignore"):
        i = np.arange(1, n + 1, dtype=np.uint64)
        z = np.uint64(seed) + i * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return lo + (hi - lo) * (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def rosenbrock(w):
    x, y = w[0], w[1]
    f = (1 - x) ** 2 + 100 * (y - x * x) ** 2
    g = torch.stack([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])
    return f, g


def time_steps(start, closure_of, options, repetitions):
    w = torch.nn.Parameter(start.clone())
    times, evals, iters = [], None, None
    for _ in range(repetitions + 1):  # the first is a warm-up
        with torch.no_grad():
            w.copy_(start)
        opt = torch.optim.LBFGS([w], **options)
        closure = closure_of(w)
        t0 = time.process_time()
        opt.step(closure)
        times.append(time.process_time() - t0)
        state = opt.state[opt._params[0]]
        evals, iters = state["func_evals"], state["n_iter"]
    return statistics.median(times[1:]), evals, iters


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repetitions", type=int, default=7)
    ap.add_argument("--json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)

    def rosenbrock_closure(w):
        def closure():
            with torch.no_grad():
                f, g = rosenbrock(w)
                w.grad = g
            return f
        return closure

    n = 1 << 16
    a = torch.from_numpy(splitmix_uniform(7, n, 1.0, 100.0))
    x0 = torch.from_numpy(splitmix_uniform(8, n, -1.0, 1.0))

    def quadratic_closure(w):
        def closure():
            with torch.no_grad():
                g = a * w
                f = 0.5 * torch.dot(w, g)
                w.grad = g
            return f
        return closure

    results = []
    for ls, suffix in ((None, "fixed"), ("strong_wolfe", "strong_wolfe")):
        lr = 0.5 if ls is None else 1.0
        cases = [("lbfgs/rosenbrock/" + suffix, torch.tensor([-1.2, 1.0]), rosenbrock_closure,
                  dict(lr=lr, history_size=100, line_search_fn=ls))]
        for history in (10, 100):
            cases.append((f"lbfgs/quadratic_65536/history_{history}/{suffix}", x0, quadratic_closure,
                          dict(history_size=history, line_search_fn=ls)))
        for name, start, closure_of, options in cases:
            t, evals, iters = time_steps(start, closure_of, options, args.repetitions)
            results.append(dict(name=name, evals=evals, iters=iters, seconds_per_step=t,
                                seconds_per_iter=t / iters))
            print(f"{name:48s} evals {evals:3d} iters {iters:3d}  {t * 1e3:9.3f} ms/step"
                  f"  {t / iters * 1e6:9.1f} us/iter")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(torch=torch.__version__, threads=torch.get_num_threads(), results=results), f, indent=1)


if __name__ == "__main__":
    main()
