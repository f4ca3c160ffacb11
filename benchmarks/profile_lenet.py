"""Time minitorch against torch on the LeNet training step and the two-layer net step, in one process.

Both engines start from identical weights (``minitorch_app.reference.twin.twins``) and see the same
batches; each case reports the median of many steps after warm-up and the ratio
minitorch/torch. ``--profile`` also prints a cProfile of minitorch's LeNet step.

Run: .venv/bin/python -m minitorch_app.benchmarks.profile_lenet [--batches 4 64 256] [--profile 64]

For the per-core comparison quoted in the README (the environment `minitorch bench --threads 1`
gives both engines; glibc reads the MALLOC_ variables at start-up, so set them outside):

    MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824 OPENBLAS_NUM_THREADS=1 \
        .venv/bin/python -m minitorch_app.benchmarks.profile_lenet --torch-threads 1

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


def median_ms(step: Callable[[], Any], warmup: int, runs: int) -> float:
    """Median wall time of ``step`` in milliseconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


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
    """Time both engines alternately (``rounds`` blocks each, best block median) and print the ratio.

    Alternating blocks of a few dozen steps keep both engines under the same conditions on a
    machine whose speed drifts; the best block is the one least disturbed by other work.
    """
    best = {name: float("inf") for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            best[name] = min(best[name], median_ms(step, 3, runs))
    ratio = best["minitorch"] / best["torch"]
    print(
        f"{label:18s} minitorch {best['minitorch']:8.3f} ms  torch {best['torch']:8.3f} ms  ratio {ratio:5.2f}",
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
    args = parser.parse_args()
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    print(
        f"numpy {np.__version__}  torch {torch.__version__}  cores {os.cpu_count()}  "
        f"torch threads {torch.get_num_threads()}"
    )
    print(blas_line())
    for batch in args.batches:
        runs = {4: 100, 64: 20}.get(batch, 6 if batch >= 256 else 20)
        compare(f"lenet batch {batch}", lenet_steps(batch), runs)
    if not args.no_two_layer:
        compare("two-layer", two_layer_steps(), 100)
    if args.profile:
        profile(args.profile, 50)


if __name__ == "__main__":
    main()
