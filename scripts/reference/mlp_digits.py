#!/usr/bin/python3
"""Reference runs of the digits MLP in PyTorch (float64), for tests/test_mlp_digits.cpp.

Writes, under tests/data/ (or the directory given as the first argument):

  mlp_digits_<name>.csv   tensor,index,initial,final: every element of the four
                          parameters at the start and after STEPS steps
  mlp_digits_loss.csv     step,<name>...: the mini-batch loss at each step, before its update

for <name> in adam, adamw, sgd_nesterov. Run it with Debian's interpreter (python3-torch):

  /usr/bin/python3 scripts/reference/mlp_digits.py

Everything random comes from splitmix64 and is written out below, so that the C++ side
(examples/mlp_digits.hpp) makes the same initial weights and the same batches without torch.
"""

import functools
import math
import sys
from pathlib import Path

import torch
import torch.nn.functional as F

# ---- the set-up, shared with examples/mlp_digits.hpp ---------------------------------------
TRAIN_ROWS = 1500          # of the 1797 rows of digits.csv, shuffled; the other 297 test
INPUTS, HIDDEN, CLASSES = 64, 32, 10
BATCH = 32                 # 46 batches an epoch; the last 28 rows of each shuffle are left out
STEPS = 300
INIT_SEED = 1              # splitmix64 seed of the initial weights
ORDER_SEED = 2             # splitmix64 seed of the batch order
SPLIT_SEED = 3             # splitmix64 seed of the train/test split
WARMUP_STEPS, START_FACTOR = 30, 0.1
PERIOD, ETA_MIN = STEPS - WARMUP_STEPS, 0.0
MAX_NORM = 0.5             # the global gradient norm stays below 0.84 here: 1.0 would never clip
WEIGHT_DECAY = 1e-2        # on the weights only; the biases' group has none

MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


class SplitMix64:
    """Steele, Lea & Flood 2014: a Weyl sequence through a 64-bit finaliser."""

    def __init__(self, seed):
        self.state = seed & MASK

    def skip(self, draws):
        self.state = (self.state + draws * GAMMA) & MASK

    def next(self):
        self.state = (self.state + GAMMA) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        """A double in [0, 1): the top 53 bits times 2^-53 (exact)."""
        return float(self.next() >> 11) * 2.0 ** -53


def initial_parameters():
    """fc1.weight (32 x 64), fc1.bias, fc2.weight (10 x 32), fc2.bias, in this order, row-major,
    each element (2u - 1) / sqrt(fan_in) with u from one splitmix64 stream: nn.Linear's range."""
    rng = SplitMix64(INIT_SEED)
    tensors = []
    for fan_out, fan_in in ((HIDDEN, INPUTS), (CLASSES, HIDDEN)):
        bound = 1.0 / math.sqrt(fan_in)
        for shape in ((fan_out, fan_in), (fan_out,)):
            n = math.prod(shape)
            values = [(2.0 * rng.uniform() - 1.0) * bound for _ in range(n)]
            tensors.append(torch.tensor(values, dtype=torch.float64).reshape(shape))
    return tensors


def shuffled(n, rng):
    """Fisher-Yates on 0..n-1: for i = n-1 down to 1, swap p[i] and p[draw mod (i + 1)]."""
    p = list(range(n))
    for i in range(n - 1, 0, -1):
        j = rng.next() % (i + 1)
        p[i], p[j] = p[j], p[i]
    return p


def batches_per_epoch():
    return TRAIN_ROWS // BATCH


@functools.lru_cache(maxsize=2)
def epoch_permutation(epoch):
    """The order of the training rows in `epoch`: each epoch's shuffle takes n - 1 draws of
    one splitmix64 stream, so epoch e starts e (n - 1) draws in."""
    rng = SplitMix64(ORDER_SEED)
    rng.skip(epoch * (TRAIN_ROWS - 1))
    return shuffled(TRAIN_ROWS, rng)


def batch_at(step):
    """The training rows of `step`: batch step mod 46 of epoch step / 46."""
    epoch, b = divmod(step, batches_per_epoch())
    return epoch_permutation(epoch)[b * BATCH:(b + 1) * BATCH]


def warmup_cosine(step, lr):
    """xoptim::linear_warmup<cosine_decay>{{lr, PERIOD, ETA_MIN}, WARMUP_STEPS, START_FACTOR}
    at `step` (0 for the first step), written as schedules.hpp computes it."""
    def cosine(t):
        t = min(float(t), float(PERIOD))
        return ETA_MIN + (lr - ETA_MIN) * (1.0 + math.cos(math.pi * t / float(PERIOD))) / 2.0
    if step >= WARMUP_STEPS:
        return cosine(step - WARMUP_STEPS)
    f = START_FACTOR + (1.0 - START_FACTOR) * float(step) / float(WARMUP_STEPS)
    return f * cosine(0)


def load_digits(path):
    """The training rows, pixels scaled by 1/16: rows p[0], ..., p[1499] of the file for the
    shuffle p of its 1797 rows by SPLIT_SEED (p[1500:] are the test rows)."""
    rows = [line.split(",") for line in Path(path).read_text().splitlines()[1:] if line.strip()]
    x = torch.tensor([[float(v) for v in r[:64]] for r in rows], dtype=torch.float64) / 16.0
    y = torch.tensor([int(r[64]) for r in rows], dtype=torch.int64)
    train = torch.tensor(shuffled(len(rows), SplitMix64(SPLIT_SEED))[:TRAIN_ROWS])
    return x[train], y[train]


def loss_of(params, x, y):
    w1, b1, w2, b2 = params
    hidden = torch.tanh(F.linear(x, w1, b1))
    return F.cross_entropy(F.linear(hidden, w2, b2), y)  # mean over the batch


OPTIMIZERS = {
    "adam": (torch.optim.Adam, 1e-2, {}),
    "adamw": (torch.optim.AdamW, 1e-2, {}),
    "sgd_nesterov": (torch.optim.SGD, 0.1, {"momentum": 0.9, "nesterov": True}),
}


def run(name, x, y):
    cls, lr, extra = OPTIMIZERS[name]
    start = initial_parameters()
    params = [t.clone().requires_grad_(True) for t in start]
    w1, b1, w2, b2 = params
    opt = cls([{"params": [w1, w2], "weight_decay": WEIGHT_DECAY},
               {"params": [b1, b2], "weight_decay": 0.0}], lr=lr, **extra)
    # LambdaLR multiplies the base rate by the factor; with ETA_MIN = 0 the product equals
    # warmup_cosine(step, lr) bit for bit (checked below), so both sides use one formula.
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: warmup_cosine(step, 1.0))
    losses, clipped = [], 0
    for step in range(STEPS):
        for group in opt.param_groups:
            assert group["lr"] == warmup_cosine(step, lr), (step, group["lr"])
        idx = torch.tensor(batch_at(step))
        opt.zero_grad()
        loss = loss_of(params, x[idx], y[idx])
        loss.backward()
        total = torch.nn.utils.clip_grad_norm_([w1, w2, b1, b2], MAX_NORM)
        clipped += int(total > MAX_NORM)
        opt.step()
        sched.step()
        losses.append(loss.item())
    print(f"{name}: loss {losses[0]:.6f} -> {losses[-1]:.6f}, gradient clipped at {clipped} of {STEPS} steps")
    return start, [p.detach() for p in params], losses


def write_parameters(path, start, final):
    with open(path, "w") as out:
        out.write("tensor,index,initial,final\n")
        for k, (a, b) in enumerate(zip(start, final)):
            for i, (u, v) in enumerate(zip(a.reshape(-1).tolist(), b.reshape(-1).tolist())):
                out.write(f"{k},{i},{u:.17g},{v:.17g}\n")


def main():
    torch.set_default_dtype(torch.float64)
    torch.use_deterministic_algorithms(True)
    root = Path(__file__).resolve().parents[2]
    outdir = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "tests" / "data"
    x, y = load_digits(root / "tests" / "data" / "digits.csv")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    losses = {}
    for name in OPTIMIZERS:
        start, final, losses[name] = run(name, x, y)
        write_parameters(outdir / f"mlp_digits_{name}.csv", start, final)
    with open(outdir / "mlp_digits_loss.csv", "w") as out:
        out.write("step," + ",".join(OPTIMIZERS) + "\n")
        for step in range(STEPS):
            out.write(f"{step}," + ",".join(f"{losses[n][step]:.17g}" for n in OPTIMIZERS) + "\n")


if __name__ == "__main__":
    main()
