"""What every benchmark case shares: the (engine, device) pairs and how a case is timed and labelled.

Each case runs once per engine in the same session, minitorch's row first, in one
pytest-benchmark group named after the case, so the two rows sit together and their
ratio is read off directly (``minitorch bench`` computes it into REPORT.md).
GPU pairs join when CuPy (for minitorch) or torch sees a GPU.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

import minitorch
from minitorch_app.training import Engine, make_engine

ENGINES = ("minitorch", "torch")


def _torch_cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def _cuda_for(name: str) -> bool:
    return minitorch.cuda.is_available() if name == "minitorch" else _torch_cuda()


def engine_params() -> list[Any]:
    """pytest params ``(engine, device)``: cpu for both engines, plus cuda where either sees a GPU;
    ``MINITORCH_BENCH_DEVICE`` (``minitorch bench --device``) keeps one of the two."""
    devices = ["cpu"] + (["cuda"] if any(_cuda_for(n) for n in ENGINES) else [])
    only = os.environ.get("MINITORCH_BENCH_DEVICE", "all")
    if only != "all":
        devices = [only]
    return [pytest.param((name, dev), id=f"{name}-{dev}") for dev in devices for name in ENGINES]


def engine_for(param: tuple) -> Engine:
    """The engine of an ``engine_params()`` entry (the case is skipped where its device is missing)."""
    name, device = param
    if device == "cuda" and not _cuda_for(name):
        pytest.skip(f"{name} sees no GPU here" + (" (CuPy not installed)" if name == "minitorch" else ""))
    return make_engine(name, device)


def _synced(engine: Engine, fn: Callable[[], Any]) -> Callable[[], Any]:
    if engine.device.type != "cuda":
        return fn
    sync = engine.lib.cuda.synchronize

    def call() -> Any:
        out = fn()
        sync()
        return out

    return call


def measure(
    benchmark: Any,
    engine: Engine,
    case: str,
    title: str,
    fn: Callable[[], Any],
    level: str = "op",
    pedantic: dict | None = None,
    **info: Any,
) -> Any:
    """Time ``fn`` as ``case`` for ``engine``: group, labels for the report, a GPU sync after each call.

    Args:
        benchmark: pytest-benchmark's fixture.
        engine: the engine and device the case runs on.
        case: a short id shared by the two engines' rows (the group).
        title: what the report calls the case.
        fn: one unit of work.
        level: ``op`` or ``model``.
        pedantic: arguments for ``benchmark.pedantic`` (rounds, warmup_rounds) for long cases.
        info: more labels for the report (batch size, ...).
    """
    device = engine.device.type
    benchmark.group = case if device == "cpu" else f"{case}@{device}"
    benchmark.extra_info.update(case=case, title=title, level=level, engine=engine.name, device=device, **info)
    call = _synced(engine, fn)
    if pedantic is not None:
        return benchmark.pedantic(call, iterations=1, **pedantic)
    return benchmark(call)
