"""The first stage of scripts/gpu_check.sh: does minitorch train LeNet on the GPU, eagerly and as a captured graph?

Each check runs on its own (one failing does not stop the others) and is written to ``--json``:

- versions and the device (name, compute capability), TF32 off for float32 GEMMs;
- three LeNet SGD-momentum steps on the device against the same steps on the CPU (loss and parameters);
- the same three steps captured once as a CUDA graph and replayed, against the eager steps;
- a rough timing of the eager step and of a replay at batch 64 (the benchmark stage measures properly).

``--device fake`` (the dry run on a machine without a GPU) runs it on the test-only host-backed device
with the GPU's kernels emulated and minitorch.cuda's streams driven by it: capture runs eagerly with every
synchronisation forbidden, and the replay checks are reported as skipped.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np

sys.path.insert(0, __file__.rsplit("/scripts/", 1)[0])  # the repository root: minitorch, and tests/ for the dry run
import minitorch  # noqa: E402
from minitorch.nn import functional as F  # noqa: E402

RESULTS: dict = {}


def check(name: str) -> Callable:
    def run(fn: Callable[[], Any]) -> None:
        t0 = time.perf_counter()
        try:
            detail = fn()
            RESULTS[name] = {"ok": True, "detail": detail}
        except Skip as s:
            RESULTS[name] = {"ok": None, "detail": f"skipped: {s}"}
        except Exception as e:
            RESULTS[name] = {"ok": False, "detail": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()[-2000:]}
        RESULTS[name]["seconds"] = round(time.perf_counter() - t0, 2)
        mark = {True: "ok  ", False: "FAIL", None: "skip"}[RESULTS[name]["ok"]]
        print(f"[smoke] {mark} {name} ({RESULTS[name]['seconds']} s): {RESULTS[name]['detail']}", flush=True)

    return run


class Skip(Exception):
    pass


def lenet() -> Any:
    nn = minitorch.nn
    minitorch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip


def batches(n: int, batch: int = 64) -> list:
    rng = np.random.default_rng(1)
    return [(rng.standard_normal((batch, 1, 32, 32)).astype(np.float32), rng.integers(0, 10, batch)) for _ in range(n)]


def train(device: str, data: list, captured: bool = False) -> tuple:
    """SGD-momentum steps over ``data`` on ``device`` (eagerly, or one eager step then a captured one replayed)."""
    model = lenet().to(device)
    opt = minitorch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    sx = minitorch.zeros(data[0][0].shape, device=device)
    sy = minitorch.zeros(data[0][1].shape, dtype=minitorch.int64, device=device)

    def step() -> Any:
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(sx), sy)
        loss.backward()
        opt.step()
        return loss

    losses, graph = [], None
    for i, (x, y) in enumerate(data):
        sx.copy_(minitorch.tensor(x, device=device))
        sy.copy_(minitorch.tensor(y, device=device))
        if captured and i == 1:
            graph = minitorch.cuda.CUDAGraph()
            with minitorch.cuda.graph(graph):
                static_loss = step()
        if captured and i >= 1:
            graph.replay()
            losses.append(static_loss.item())
        else:
            losses.append(step().item())
    return losses, [p.detach().cpu().numpy() for p in model.parameters()], graph


def close(a: list, b: list, rtol: float) -> float:
    worst = 0.0
    for x, y in zip(a, b):
        err = float(np.max(np.abs(np.asarray(x) - np.asarray(y)) / (np.abs(np.asarray(y)) + 1e-3)))
        worst = max(worst, err)
    if not worst <= rtol:
        raise AssertionError(f"largest relative difference {worst:.2e} > {rtol:g}")
    return worst


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda", choices=["cuda", "fake"])
    ap.add_argument("--json", required=True)
    args = ap.parse_args()
    dev = args.device
    if dev == "fake":
        from minitorch.cuda import streams
        from tests.fake_device import FAKE, fake_device
        from tests.test_cuda_kernels import VARIANTS

        registered = fake_device()  # kept: the generator unregisters the device when collected
        registered.__enter__()
        for plain, fast in VARIANTS.items():
            FAKE.register_kernel(plain, fast)
        streams.BACKEND = FAKE

    @check("device")
    def _() -> Any:
        info = {"minitorch": minitorch.__version__, "numpy": np.__version__, "python": sys.version.split()[0]}
        if dev == "cuda":
            import cupy

            info |= {
                "cupy": cupy.__version__,
                "gpu": minitorch.cuda.get_device_name(),
                "capability": minitorch.cuda.get_device_capability(),
            }
            if not minitorch.cuda.is_available():
                raise RuntimeError("minitorch.cuda.is_available() is False")
        return info

    @check("tf32_off")
    def _() -> Any:
        if dev != "cuda":
            raise Skip("no cuBLAS here")
        from cupy._core import _routines_linalg as L

        minitorch.zeros(1, device="cuda")  # the backend's first use applies the setting
        kind = L.get_compute_type(np.float32)
        if kind == L.COMPUTE_TYPE_TF32:
            raise AssertionError("float32 GEMMs would use TF32")
        return L.compute_type_to_str(kind)

    data = batches(4)

    @check("eager_steps_match_cpu")
    def _() -> Any:
        got, got_p, _ = train(dev, data)
        want, want_p, _ = train("cpu", data)
        return {
            "losses": got,
            "cpu_losses": want,
            "param_rel_err": close(got_p, want_p, 1e-3),
            "loss_rel_err": close(got, want, 1e-4),
        }

    @check("captured_steps_match_eager")
    def _() -> Any:
        if dev != "cuda":
            model = lenet().to(dev)
            g = minitorch.cuda.CUDAGraph()
            x = minitorch.tensor(data[0][0], device=dev)
            with minitorch.cuda.graph(g):  # on the fake device: runs eagerly, every synchronisation forbidden
                model(x).sum().backward()
            raise Skip("captured without a synchronisation; replaying needs a GPU")
        got, got_p, _ = train(dev, data, captured=True)
        want, want_p, _ = train(dev, data)
        return {"losses": got, "eager_losses": want, "param_rel_err": close(got_p, want_p, 1e-5)}

    @check("step_timing_batch64")
    def _() -> Any:
        if dev != "cuda":
            raise Skip("timings need the GPU")
        model = lenet().to("cuda")
        opt = minitorch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = minitorch.tensor(data[0][0], device="cuda")
        y = minitorch.tensor(data[0][1], device="cuda")

        def step() -> Any:
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        for _ in range(5):
            step()
        minitorch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(50):
            step()
        minitorch.cuda.synchronize()
        eager = (time.perf_counter() - t0) / 50
        g = minitorch.cuda.CUDAGraph()
        with minitorch.cuda.graph(g):
            step()
        g.replay()
        minitorch.cuda.synchronize()
        t0 = time.perf_counter()
        for _ in range(200):
            g.replay()
        minitorch.cuda.synchronize()
        replay = (time.perf_counter() - t0) / 200
        return {"eager_ms": round(eager * 1e3, 3), "replay_ms": round(replay * 1e3, 3)}

    with open(args.json, "w") as fh:
        json.dump(RESULTS, fh, indent=1, default=str)
    return 0 if all(r["ok"] is not False for r in RESULTS.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
