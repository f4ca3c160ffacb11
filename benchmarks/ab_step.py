"""A/B timing of minitorch's LeNet training step between two source trees, side by side.

One warm process per tree (identical weights and batches) times LeNet-5 training steps (SGD
momentum 0.9, cross-entropy, batch ``--batch``) in short blocks, the two processes taking turns
(A B, then B A, ...), so that each pair of blocks sees the same machine load. On a shared, noisy
machine one timing says little: this reports the median and spread of each tree's block medians
and of the paired ratios B/A, over ``--blocks`` blocks of ``--steps`` steps.

    .venv/bin/python -m benchmarks.ab_step /tmp/base . --blocks 40 --batch 4 64

A tree is a directory holding the ``minitorch`` package (a checkout or an exported revision,
e.g. ``git archive main | tar -x -C /tmp/base``). The children run with one BLAS thread and the
allocator settings of ``minitorch bench`` (see ``driver.py``), importing minitorch from the tree
given (``PYTHONPATH``), never from the installed package.

Tree B may be ``torch``: torch's own step in a process of its own, the two engines taking turns without
sharing a process (so neither's thread pool spins beside the other's work), as users run them::

    .venv/bin/python -m benchmarks.ab_step . torch --net two-layer --default-threads --blocks 60 --steps 20

A tree spelled ``floor:TREE`` (two-layer net only) times the same step as bare arithmetic on that tree's
kernels, without the framework: ``floor:. torch`` says how far below torch the kernels alone are, ``. floor:.``
what the framework's own work costs on top of them::

    .venv/bin/python -m benchmarks.ab_step floor:. torch --net two-layer --default-threads

``--in-process`` runs both in one process instead: each tree's package is copied under its own
name (``minitorch_a0``, ``minitorch_b0``, ...; the package imports itself relatively) and the models
take turns block by block in a random order, so that they share one interpreter, one allocator and
the same moments of machine load. Two copies of the very same code differ by a percent or two in
one process (where their code and data land in memory), so ``--copies N`` loads N copies of each
tree and compares their means; ``--cpu-time`` times with the thread's CPU clock, which a loaded
machine disturbs less than the wall clock.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

CHILD = r"""
import json, statistics, sys, time
import numpy as np
engine = sys.argv[4] if len(sys.argv) > 4 else "minitorch"
if engine == "torch":
    import torch
else:
    import minitorch as torch
nn, F = torch.nn, torch.nn.functional

class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
        self.fc1, self.fc2, self.fc3 = nn.Linear(400, 120), nn.Linear(120, 84), nn.Linear(84, 10)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))

batch, warmup = int(sys.argv[1]), int(sys.argv[2])
net = sys.argv[3] if len(sys.argv) > 3 else "lenet"
torch.manual_seed(0)
rng = np.random.default_rng(0)
if net == "lenet":
    model = LeNet()
    x = torch.tensor(rng.standard_normal((batch, 1, 32, 32)).astype(np.float32))
    y = torch.tensor(rng.integers(0, 10, batch))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
else:  # the tutorials' two-layer net (64x1000 -> 100 -> 10, squared error, manual SGD); "tiny": 2x3 -> 4 -> 2
    n, d, h, o = (64, 1000, 100, 10) if net == "two-layer" else (2, 3, 4, 2)
    x, y = (torch.tensor(rng.standard_normal(s).astype(np.float32)) for s in ((n, d), (n, o)))
    w1, w2 = (torch.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in ((d, h), (h, o)))
    def step():
        loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
        loss.backward()
        with torch.no_grad():
            w1.sub_(1e-6 * w1.grad)
            w2.sub_(1e-6 * w2.grad)
            w1.grad.zero_()
            w2.grad.zero_()
    if engine == "floor":  # the same arithmetic on the tree's kernels, no tensors, no graph: the framework's floor
        from minitorch.backend import elementwise as ew
        from minitorch.ops import linalg_numba, linalg_threads
        x, y, w1, w2 = x._data, y._data, w1._data, w2._data
        g1, g2 = np.zeros_like(w1), np.zeros_like(w2)
        def step():
            h = linalg_threads.product(x, w1)
            keep = h > 0
            hr = np.where(keep, h, np.float32(0))
            d = hr @ w2 - y
            loss = (d * d).sum()
            gd = d * np.float32(2)
            np.add(g2, hr.T @ gd, out=g2)
            gh = np.where(keep, gd @ w2.T, np.float32(0))
            if not linalg_numba.add_product(x.T, gh, g1):
                np.add(g1, linalg_threads.product(x.T, gh), out=g1)
            ew.run_update(w1, "subtract", ew.run_combine(g1, "multiply", 1e-6))
            ew.run_update(w2, "subtract", ew.run_combine(g2, "multiply", 1e-6))
            ew.run_fill(g1, 0)
            ew.run_fill(g2, 0)
            return float(loss)
for _ in range(warmup):
    step()
print(json.dumps({"file": torch.__file__}), flush=True)
for line in sys.stdin:  # one block of steps per line received
    times = []
    for _ in range(int(line)):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    print(json.dumps({"median_us": statistics.median(times) * 1e6}), flush=True)
"""


# Tree B may be this word: the same step with torch itself, in its own process (two processes only).
TORCH = "torch"
# A tree spelled ``floor:TREE`` runs the two-layer step as bare arithmetic on that tree's kernels (its threaded
# products, its whole-array kernels, numpy for the rest; no tensors, no graph, no checks): what the step would
# cost if the framework's own work were free, beside torch or the tree itself (two processes only).
FLOOR = "floor:"


def engine_of(tree: str) -> tuple:
    """(engine, source tree) of a tree argument: torch, the floor of a tree, or a minitorch tree."""
    if tree == TORCH:
        return "torch", tree
    if tree.startswith(FLOOR):
        return "floor", tree[len(FLOOR) :]
    return "minitorch", tree


def child_env(tree: str, default_threads: bool = False) -> dict:
    """The environment of a child: ``tree`` first on the path, one thread (unless ``default_threads``: the
    thread counts a user gets), the benchmarks' allocator settings (minitorch's trees only)."""
    env = dict(os.environ)
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(name, None)
    tree = engine_of(tree)[1]
    if tree != TORCH:  # (torch runs with glibc's defaults, as minitorch bench and users run it)
        env.update(
            PYTHONPATH=os.path.abspath(tree),
            MALLOC_MMAP_THRESHOLD_="1073741824",
            MALLOC_TRIM_THRESHOLD_="1073741824",
        )
    if not default_threads:
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return env


class Child:
    """A warm process of one tree, timing a block of steps on request."""

    def __init__(self, tree: str, batch: int, warmup: int, default_threads: bool = False, net: str = "lenet") -> None:
        engine, tree = engine_of(tree)
        if engine == "floor" and net != "two-layer":
            raise SystemExit("the floor engine runs the two-layer step only (--net two-layer)")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(batch), str(warmup), net, engine],
            env=child_env(tree, default_threads),
            cwd="/",
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        found = json.loads(self.proc.stdout.readline())["file"]
        expected = os.path.join("torch", "") if tree == TORCH else os.path.join(os.path.abspath(tree), "minitorch")
        if expected not in found if tree == TORCH else not found.startswith(expected):
            raise RuntimeError(f"the child imported {found}, not {tree}")

    def block(self, steps: int) -> float:
        self.proc.stdin.write(f"{steps}\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())["median_us"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def spread(values: list) -> str:
    q = statistics.quantiles(values, n=4) if len(values) > 1 else [values[0]] * 3
    return f"median {statistics.median(values):8.1f} us  (IQR {q[0]:.1f}-{q[2]:.1f}, min {min(values):.1f})"


class Resident:
    """One tree's package loaded in this process under its own name, with its LeNet step ready."""

    def __init__(self, tree: str, name: str, batch: int, warmup: int, workdir: str, net: str = "lenet") -> None:
        shutil.copytree(os.path.join(tree, "minitorch"), os.path.join(workdir, name))
        lib = importlib.import_module(name)
        env = {"__name__": f"ab_{name}"}
        setup = CHILD.split("for _ in range(warmup):")[0].replace(
            "import minitorch as torch", f"import {name} as torch"
        )
        setup = setup.replace(
            "batch, warmup = int(sys.argv[1]), int(sys.argv[2])", f"batch, warmup = {batch}, {warmup}"
        ).replace('net = sys.argv[3] if len(sys.argv) > 3 else "lenet"', f"net = {net!r}")
        exec(setup, env)  # the child's model, data and step, built with this package
        self.lib, self.step = lib, env["step"]
        for _ in range(warmup):
            self.step()

    def block(self, steps: int, clock: Any) -> float:
        times = []
        for _ in range(steps):
            t0 = clock()
            self.step()
            times.append(clock() - t0)
        return statistics.median(times) * 1e6


def in_process(args: argparse.Namespace, batch: int, workdir: str) -> dict:
    """Block medians per tree, ``args.copies`` copies of each taking turns in a random order per round."""
    residents = [
        (which, Resident(tree, f"minitorch_{which.lower()}{k}_{batch}", batch, args.warmup, workdir, args.net))
        for k in range(args.copies)
        for which, tree in (("A", args.a), ("B", args.b))
    ]
    clock = time.thread_time if args.cpu_time else time.perf_counter
    order = random.Random(0)
    times: dict = {"A": [], "B": []}
    for _ in range(args.blocks):
        rounds = {"A": [], "B": []}
        for which, resident in order.sample(residents, len(residents)):
            rounds[which].append(resident.block(args.steps, clock))
        for which in rounds:
            times[which].append(statistics.mean(rounds[which]))
    return times


def report(batch: int, args: argparse.Namespace, times: dict, how: str) -> None:
    ratios = [b / a for a, b in zip(times["A"], times["B"])]
    what = {"two-layer": "two-layer net step", "tiny": "tiny two-layer net step"}.get(
        args.net, f"LeNet step, batch {batch}"
    )
    print(f"{what}, {args.blocks} blocks x {args.steps} steps ({how}; block medians):")
    print(f"  A {args.a}: {spread(times['A'])}")
    print(f"  B {args.b}: {spread(times['B'])}")
    q = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else [ratios[0]] * 3
    print(
        f"  B/A per block pair: median {statistics.median(ratios):.4f} (IQR {q[0]:.4f}-{q[2]:.4f}); "
        f"ratio of medians {statistics.median(times['B']) / statistics.median(times['A']):.4f}"
    )


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a", help="tree A (the baseline)")
    parser.add_argument(
        "b",
        help="tree B (the change), or 'torch': torch's own step in a process of its own (without --in-process); "
        "either may be 'floor:TREE', the two-layer step on TREE's kernels without the framework",
    )
    parser.add_argument("--batch", type=int, nargs="+", default=[64])
    parser.add_argument("--blocks", type=int, default=40)
    parser.add_argument("--steps", type=int, default=25, help="steps per block")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--in-process", action="store_true", help="both trees in this process, taking turns")
    parser.add_argument("--copies", type=int, default=2, help="with --in-process: copies of each tree")
    parser.add_argument(
        "--default-threads", action="store_true", help="two processes with the default thread counts (else one each)"
    )
    parser.add_argument(
        "--net",
        choices=("lenet", "two-layer", "tiny"),
        default="lenet",
        help="the step timed (two-layer: the tutorials' 64x1000 -> 100 -> 10 net; tiny: the same at 2x3 -> 4 -> 2, "
        "the framework's own time; --batch is ignored for both)",
    )
    parser.add_argument("--cpu-time", action="store_true", help="with --in-process: the thread's CPU time")
    args = parser.parse_args(argv)
    if args.in_process and (TORCH in (args.a, args.b) or FLOOR in args.a[:6] + args.b[:6]):
        parser.error("torch and the floor run in a process of their own: leave out --in-process")
    if args.in_process:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            if os.environ.get(name) != "1":
                print(f"note: set {name}=1 (and the MALLOC_ settings of driver.py) before starting Python")
        with tempfile.TemporaryDirectory() as workdir:
            sys.path.insert(0, workdir)
            for batch in args.batch:
                how = f"one process, {args.copies} copies each, {'CPU' if args.cpu_time else 'wall'} time"
                report(batch, args, in_process(args, batch, workdir), how)
        return 0
    for batch in args.batch:
        children = {
            "A": Child(args.a, batch, args.warmup, args.default_threads, args.net),
            "B": Child(args.b, batch, args.warmup, args.default_threads, args.net),
        }
        times: dict = {"A": [], "B": []}
        for r in range(args.blocks):
            for which in ("A", "B") if r % 2 == 0 else ("B", "A"):
                times[which].append(children[which].block(args.steps))
        for child in children.values():
            child.close()
        report(batch, args, times, "two processes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
