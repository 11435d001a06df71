#!/usr/bin/env python3
"""Ratios of medians from a Google Benchmark JSON file written by xoptim-bench with
--benchmark_repetitions=K --benchmark_enable_random_interleaving=true: for each step/ and
naive/ benchmark, its median bandwidth over the median bandwidth of the in-place axpy at the
same type and N (x_axpy) and, for step/, over its naive/ twin (x_naive); for many/, the
1000-tensor group over the single tensor (x_single); for seed/, its median time over the
hand-written one's (x_handwritten); for threads/, over the threaded triad (x_triad); for
any_step/ and any_many/ (the type-erased any_optimizer), the bandwidth over that of the typed
step/ or many/ twin (x_typed), and for any_seed/, the time per step over seed/'s (x_typed).

usage: benchmarks/ratios.py results.json"""
import json
import statistics
import sys
from collections import defaultdict


def main(path):
    with open(path) as f:
        data = json.load(f)
    runs = defaultdict(list)
    for b in data["benchmarks"]:
        if b.get("run_type") == "aggregate":
            continue
        name = b["run_name"].replace("/real_time", "")
        value = b.get("bytes_per_second", 0.0)
        runs[name].append(value)
    med = {k: statistics.median(v) for k, v in runs.items()}
    reps = {k: len(v) for k, v in runs.items()}

    def show(name, **ratios):
        cells = " ".join(f"{k}={v:.3f}" for k, v in ratios.items())
        print(f"{name:48s} {med[name] / 1e9:9.2f} GB/s  n={reps[name]:2d}  {cells}")

    for name in med:
        parts = name.split("/")
        kind = parts[0]
        if kind in ("step", "naive", "step_unaligned") and len(parts) == 4:
            axpy = f"baseline/axpy_inplace/{parts[2]}/{parts[3]}"
            r = {}
            if axpy in med:
                r["x_axpy"] = med[name] / med[axpy]
            twin = f"naive/{parts[1]}/{parts[2]}/{parts[3]}"
            if kind == "step" and twin in med:
                r["x_naive"] = med[name] / med[twin]
            show(name, **r)
        elif kind == "baseline" and parts[1] == "triad" and len(parts) == 4:
            axpy = f"baseline/axpy_inplace/{parts[2]}/{parts[3]}"
            show(name, **({"x_axpy": med[name] / med[axpy]} if axpy in med else {}))
        elif kind == "baseline":
            show(name)
        elif kind == "many" and parts[-1] == "1000":
            single = "/".join(parts[:-1] + ["1"])
            show(name, **({"x_single": med[name] / med[single]} if single in med else {}))
        elif kind == "seed":
            hand = "seed_handwritten/" + parts[1]
            if hand in med:
                # one "byte" per step: time ratio = rate of hand-written over rate of xoptim
                print(f"{name:48s} {1e9 / med[name]:9.1f} ns/step  n={reps[name]:2d}  "
                      f"x_handwritten={med[hand] / med[name]:.3f}")
        elif kind in ("any_step", "any_many"):
            typed = kind[len("any_"):] + "/" + "/".join(parts[1:])
            show(name, **({"x_typed": med[name] / med[typed]} if typed in med else {}))
        elif kind == "any_seed":
            typed = "seed/" + parts[1]
            if typed in med:
                # time ratio, as for seed/: above 1, the type-erased step is slower
                print(f"{name:48s} {1e9 / med[name]:9.1f} ns/step  n={reps[name]:2d}  "
                      f"x_typed={med[typed] / med[name]:.3f}")
        elif kind == "threads":
            triad = "baseline/triad_threads/f32/" + "/".join(parts[3:])
            show(name, **({"x_triad": med[name] / med[triad]} if triad in med else {}))


if __name__ == "__main__":
    main(sys.argv[1])
