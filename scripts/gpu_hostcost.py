"""What the host pays per call on the GPU machine (issue 12: the eager step is bound by the host, not the GPU).

Times, without synchronising inside the loop, the host cost of the primitives an eager LeNet step is made
of (CuPy's allocation, ufuncs and reductions, minitorch's kernel launches and cuBLAS calls, one recorded
op) beside torch's nearest equivalents, and the eager step split into its phases (zero_grad, forward,
backward, optimizer step) for both engines. Run on the GPU machine from the repository root:
    python scripts/gpu_hostcost.py
"""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import time
from collections.abc import Callable
from typing import Any

sys.path.insert(0, __file__.rsplit("/scripts/", 1)[0])

from benchmarks.cases import _inputs  # noqa: E402
from minitorch_app.training import make_engine  # noqa: E402


def host_us(fn: Callable[[], Any], sync: Callable[[], None], n: int = 2000) -> float:
    """Median over 5 blocks of the host time of one call (the queue drained between blocks)."""
    for _ in range(20):
        fn()
    sync()
    blocks = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        blocks.append((time.perf_counter() - t0) / n * 1e6)
        sync()
    return sorted(blocks)[2]


def primitives() -> None:
    import cupy
    import torch

    import minitorch
    from minitorch.backend import CUDA
    from minitorch.backend.cuda_kernels import grid_for
    from minitorch.ops.unary_cuda import RELU_BACKWARD

    minitorch.cuda.synchronize()  # loads minitorch's CUDA backend (its array type) before the lookups below
    sync = cupy.cuda.runtime.deviceSynchronize
    a = cupy.random.standard_normal((64, 120), dtype=cupy.float32)
    b = cupy.random.standard_normal((64, 120), dtype=cupy.float32)
    x = cupy.random.standard_normal((64, 400), dtype=cupy.float32)
    w = cupy.random.standard_normal((400, 120), dtype=cupy.float32)
    dev = CUDA
    dev.load()
    xp = dev.xp
    out = cupy.empty_like(a)
    rows: list = [
        ("cupy.empty((64,120))", lambda: cupy.empty((64, 120), dtype=cupy.float32)),
        ("cupy.ones(64)", lambda: cupy.ones(64, dtype=cupy.float32)),
        ("a.reshape(120, 64)", lambda: a.reshape(120, 64)),
        ("a.T", lambda: a.T),
        ("cupy.add(a, b, out=out)", lambda: cupy.add(a, b, out=out)),
        ("a + b", lambda: a + b),
        ("cupy.maximum(a, 0)", lambda: cupy.maximum(a, 0)),
        ("a.sum(axis=0)", lambda: a.sum(axis=0)),
        ("launch relu_backward", lambda: dev.launch(RELU_BACKWARD, grid_for(a.size), (256,), (out, a, b, a.size))),
        ("xp.matmul 64x400 @ 400x120", lambda: xp.matmul(x, w)),
        ("xp.matmul x @ w.T-view", lambda: xp.matmul(a, w.T)),
        ("cupy.cuda.get_current_stream()", lambda: cupy.cuda.get_current_stream()),
        ("cupy.cuda.runtime.getDevice()", lambda: cupy.cuda.runtime.getDevice()),
    ]
    ta = torch.randn(64, 120, device="cuda")
    tb = torch.randn(64, 120, device="cuda")
    tx = torch.randn(64, 400, device="cuda")
    tw = torch.randn(400, 120, device="cuda")
    trows: list = [
        ("torch.empty((64,120))", lambda: torch.empty((64, 120), device="cuda")),
        ("ta + tb", lambda: ta + tb),
        ("torch.relu(ta)", lambda: torch.relu(ta)),
        ("ta.sum(0)", lambda: ta.sum(0)),
        ("tx @ tw", lambda: tx @ tw),
    ]
    m = minitorch.randn(64, 120, device="cuda")
    mg = minitorch.randn(64, 120, device="cuda", requires_grad=True)
    t_req = torch.randn(64, 120, device="cuda", requires_grad=True)
    ops: list = [
        ("minitorch relu (no grad)", lambda: minitorch.relu(m)),
        ("minitorch relu (recorded)", lambda: minitorch.relu(mg)),
        ("minitorch m + m (no grad)", lambda: m + m),
        ("torch relu (recorded)", lambda: torch.relu(t_req)),
    ]
    print("--- host cost per call, us (median of 5 blocks of 2000) ---")
    for name, fn in rows + trows + ops:
        print(f"{name:40s} {host_us(fn, lambda: (sync(), torch.cuda.synchronize())):8.2f}")


def phases(name: str, batch: int, steps: int = 200) -> None:
    engine = make_engine(name, "cuda")
    lib = engine.lib
    model = engine.build_model("lenet")
    opt = engine.optimizer("sgd", model.parameters(), 0.01, 0.9)
    criterion = lib.nn.CrossEntropyLoss()
    x, y = _inputs(engine, batch)
    sync = lib.cuda.synchronize
    totals = {"zero_grad": 0.0, "forward": 0.0, "backward": 0.0, "step": 0.0, "item": 0.0}
    for i in range(steps + 20):
        t0 = time.perf_counter()
        opt.zero_grad()
        t1 = time.perf_counter()
        loss = criterion(model(x), y)
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        opt.step()
        t4 = time.perf_counter()
        loss.item()
        t5 = time.perf_counter()
        if i >= 20:
            for key, dt in zip(totals, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)):
                totals[key] += dt
    sync()
    parts = "  ".join(f"{k} {v / steps * 1e3:.3f}" for k, v in totals.items())
    print(f"{name:9s} b{batch}: step {sum(totals.values()) / steps * 1e3:.3f} ms = {parts}")


def profile_minitorch(batch: int = 64, steps: int = 100) -> None:
    """cProfile of minitorch's forward and backward, each on its own (by own time)."""
    engine = make_engine("minitorch", "cuda")
    model = engine.build_model("lenet")
    opt = engine.optimizer("sgd", model.parameters(), 0.01, 0.9)
    criterion = engine.lib.nn.CrossEntropyLoss()
    x, y = _inputs(engine, batch)
    forward, backward = cProfile.Profile(), cProfile.Profile()
    for i in range(steps + 20):
        opt.zero_grad()
        if i >= 20:
            forward.enable()
        loss = criterion(model(x), y)
        forward.disable()
        if i >= 20:
            backward.enable()
        loss.backward()
        backward.disable()
        opt.step()
    engine.lib.cuda.synchronize()
    for title, prof in (("forward", forward), ("backward", backward)):
        buf = io.StringIO()
        pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(30)
        print(f"--- cProfile of {steps} minitorch {title} passes, b{batch}, by own time ---")
        print(buf.getvalue()[-7000:])


def main() -> None:
    primitives()
    print("--- eager LeNet step phases, ms (host time; item() waits for the GPU) ---")
    for batch in (64, 256):
        for name in ("minitorch", "torch", "minitorch", "torch"):
            phases(name, batch)
    if "--profile" in sys.argv:
        profile_minitorch()


if __name__ == "__main__":
    main()
