"""Peak memory of one model-level case for one engine, measured in this (fresh) process.

``python -m minitorch_app.benchmarks.memory CASE ENGINE [--steps N]`` prints one JSON object;
``--list`` prints the case ids. tracemalloc misses numpy's and torch's own allocators,
so this reads the kernel's counters instead: the case is set up (model, optimizer,
inputs; for minitorch also its compiled kernels, loaded once per process as torch's libraries are
by its import), the resident-set high-water mark is reset (``/proc/self/clear_refs``), and the
peak over a warm-up call and ``N`` more is compared with the resident set before them.
Only the engine's own library is imported: torch is never loaded for minitorch's row.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import sys

from minitorch_app.data import DataUnavailable
from minitorch_app.training import make_engine

from .cases import MODEL_CASES, QUICK

MiB = 1024 * 1024


def _status() -> dict[str, int]:
    """VmRSS and VmHWM in bytes (from /proc/self/status; ru_maxrss as the high-water mark elsewhere)."""
    out = {}
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    out.setdefault("VmHWM", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
    return out


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _load_compiled_kernels(lib: object) -> None:
    """Load minitorch's numba kernels (compiled code and numba itself, ~100 MiB) before the baseline, as torch's
    libraries are loaded by its import: code loaded once per process, not memory the step needs. A tiny
    float32 convolution, pooling and product run once; nothing happens where numba is absent."""
    import minitorch

    x = minitorch.randn(2, 1, 12, 12, requires_grad=True)
    y = minitorch.nn.functional.max_pool2d(minitorch.nn.functional.conv2d(x, minitorch.randn(2, 1, 3, 3)), 2)
    y.sum().backward()


def measure(case: str, engine_name: str, steps: int, device: str = "cpu") -> dict:
    """Peak resident memory of ``steps`` calls of ``case`` (after one warm-up call) with ``engine_name``."""
    title, factory, kwargs, _ = MODEL_CASES[case]
    engine = make_engine(engine_name, device)
    fn = factory(engine, **kwargs)
    if engine_name == "minitorch":
        _load_compiled_kernels(engine.lib)
    gc.collect()
    reset = _reset_peak()
    before = _status()
    baseline = before.get("VmRSS", before["VmHWM"])
    for _ in range(1 + steps):
        fn()
    after = _status()
    return {
        "case": case,
        "title": title,
        "engine": engine_name,
        "device": device,
        "steps": steps,
        "baseline_mib": baseline / MiB,
        "peak_mib": after["VmHWM"] / MiB,
        "growth_mib": max(0, after["VmHWM"] - baseline) / MiB,
        "method": "VmHWM after clear_refs" if reset else "ru_maxrss (peak not resettable: includes set-up)",
    }


def main(argv: list | None = None) -> int:
    parser = argparse.ArgumentParser(description="Peak memory of one model-level benchmark case.")
    parser.add_argument("case", nargs="?", choices=list(MODEL_CASES))
    parser.add_argument("engine", nargs="?", choices=["minitorch", "torch"])
    parser.add_argument("--steps", type=int, default=2 if QUICK else 5)
    parser.add_argument("--list", action="store_true", help="print the case ids as a JSON list")
    args = parser.parse_args(argv)
    if args.list:
        print(json.dumps(list(MODEL_CASES)))
        return 0
    if args.case is None or args.engine is None:
        parser.error("CASE and ENGINE are required")
    steps = 1 if args.case == "fashion_epoch" else args.steps
    try:
        result = measure(args.case, args.engine, steps)
    except DataUnavailable as e:
        result = {
            "case": args.case,
            "title": MODEL_CASES[args.case][0],
            "engine": args.engine,
            "skipped": f"Fashion-MNIST not found: {e}",
        }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
