"""Time minitorch against torch on the LeNet training step and the two-layer net step, in one process.

Both engines start from identical weights (``minitorch_app.reference.twin.twins``) and see the same
batches; each case reports the median of many steps after warm-up and the ratio
minitorch/torch. ``--profile`` also prints a cProfile of minitorch's LeNet step.

Run: .venv/bin/python -m minitorch_app.benchmarks.profile_lenet [--batches 4 64 256] [--profile 64]

By default both engines use their default thread counts (every usable core), as users run them;
``--threads 1`` gives both one thread (the per-core comparison; ``OPENBLAS_NUM_THREADS=1`` in the
environment keeps numpy's BLAS from starting threads at all). Each case prints the median of the
per-block ratios with their spread, and the ratio of CPU time (all threads of the process: BLAS
threads spinning after a product count, other processes' load does not).

The process drops ``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` (set on some machines,
they slow numpy's BLAS) before numpy loads, so both engines run under one environment.
"""

from __future__ import annotations

import os
import sys

if "numpy" not in sys.modules:  # the BLAS reads these when it loads
    for _name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        os.environ.pop(_name, None)

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any

import numpy as np  # noqa: E402
import torch  # noqa: E402
from minitorch_app.reference.twin import twins  # noqa: E402

import minitorch  # noqa: E402
from minitorch.backend import jit  # noqa: E402

from .cases import two_layer_problem  # noqa: E402


def blas_line() -> str:
    """The BLAS library, kernel and thread count numpy uses (threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "blas: threadpoolctl not installed"
    rows = [
        f"{i.get('internal_api')} {i.get('version')} kernel={i.get('architecture')} threads={i.get('num_threads')}"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]
    return "blas: " + ("; ".join(rows) or "none found")


def median_ms(step: Callable[[], Any], warmup: int, runs: int) -> tuple:
    """Median wall time and median process CPU time (all threads) of ``step`` in ms, after ``warmup`` calls."""
    for _ in range(warmup):
        step()
    times, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(times) * 1e3, statistics.median(cpu) * 1e3


def lenet_step(lib: Any, model: Any, x: Any, y: Any) -> Callable[[], Any]:
    """One training step of ``model`` (zero_grad, forward, cross-entropy, backward, SGD momentum 0.9)."""
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def step() -> Any:
        opt.zero_grad()
        loss = lib.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def lenet_steps(batch: int) -> dict:
    """The two engines' LeNet steps at ``batch`` from identical weights and data."""
    ours, theirs = twins("lenet")
    rng = np.random.default_rng(batch)
    xs = rng.standard_normal((batch, 1, 32, 32), dtype=np.float32)
    ys = rng.integers(0, 10, batch)
    return {
        "minitorch": lenet_step(minitorch, ours, minitorch.tensor(xs), minitorch.tensor(ys)),
        "torch": lenet_step(torch, theirs, torch.tensor(xs), torch.tensor(ys)),
    }


def two_layer_steps() -> dict:
    """The tutorials' two-layer net step (64x1000 -> 100 -> 10, squared error, manual SGD) for both engines."""
    p = two_layer_problem(0)
    steps = {}
    for name, lib in (("minitorch", minitorch), ("torch", torch)):
        x, y = lib.tensor(p["x"]), lib.tensor(p["y"])
        w1 = lib.tensor(p["w1"], requires_grad=True)
        w2 = lib.tensor(p["w2"], requires_grad=True)

        def step(lib: Any = lib, x: Any = x, y: Any = y, w1: Any = w1, w2: Any = w2) -> None:
            loss = (x.mm(w1).clamp(min=0).mm(w2) - y).pow(2).sum()
            loss.backward()
            with lib.no_grad():
                w1 -= 1e-6 * w1.grad
                w2 -= 1e-6 * w2.grad
                w1.grad.zero_()
                w2.grad.zero_()

        steps[name] = step
    return steps


def compare(label: str, steps: dict, runs: int, rounds: int = 12) -> float:
    """Time both engines alternately (``rounds`` blocks each) and print the ratios of the block medians.

    Alternating blocks of a few dozen steps keep both engines under the same conditions on a
    machine whose speed drifts. Printed: the median over blocks of the per-block ratio (wall time),
    its spread (lowest and highest block), the best block of each engine, and the ratio of CPU time
    (all threads of the process: spinning BLAS threads count, other processes' load does not).
    """
    walls: dict = {name: [] for name in steps}
    cpus: dict = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            wall, cpu = median_ms(step, 3, runs)
            walls[name].append(wall)
            cpus[name].append(cpu)
    ratios = sorted(m / t for m, t in zip(walls["minitorch"], walls["torch"]))
    ratio = statistics.median(ratios)
    cpu_ratio = statistics.median(cpus["minitorch"]) / statistics.median(cpus["torch"])
    best = {name: min(v) for name, v in walls.items()}
    print(
        f"{label:18s} minitorch {best['minitorch']:8.3f} ms  torch {best['torch']:8.3f} ms (best blocks)  "
        f"ratio {ratio:5.2f} [{ratios[0]:.2f}-{ratios[-1]:.2f}]  cpu {statistics.median(cpus['minitorch']):7.3f}"
        f" / {statistics.median(cpus['torch']):7.3f} ms = {cpu_ratio:5.2f}",
        flush=True,
    )
    return ratio


def profile(batch: int, steps: int) -> None:
    """cProfile of ``steps`` minitorch LeNet steps at ``batch``, sorted by own time."""
    import cProfile
    import pstats

    step = lenet_steps(batch)["minitorch"]
    for _ in range(10):
        step()
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(steps):
        step()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="*", default=[4, 64, 256])
    parser.add_argument("--no-two-layer", action="store_true")
    parser.add_argument("--profile", type=int, default=0, metavar="BATCH", help="cProfile the step at BATCH")
    parser.add_argument("--torch-threads", type=int, default=0, help="torch.set_num_threads (0: leave)")
    parser.add_argument("--threads", type=int, default=0, help="set_num_threads of both engines (0: their defaults)")
    parser.add_argument("--rounds", type=int, default=12, help="alternating blocks per case")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
        minitorch.set_num_threads(args.threads)
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    print(
        f"numpy {np.__version__}  torch {torch.__version__}  cores {os.cpu_count()}  "
        f"torch threads {torch.get_num_threads()}  minitorch threads {minitorch.get_num_threads()}  "
        f"numba {jit.version() or 'off (plain numpy kernels)'}"
    )
    print(blas_line())
    print(f"load average at start: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for batch in args.batches:
        runs = {4: 100, 64: 20}.get(batch, 6 if batch >= 256 else 20)
        compare(f"lenet batch {batch}", lenet_steps(batch), runs, args.rounds)
    if not args.no_two_layer:
        compare("two-layer", two_layer_steps(), 100, args.rounds)
    print(f"load average at end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    if args.profile:
        profile(args.profile, 50)


if __name__ == "__main__":
    main()
