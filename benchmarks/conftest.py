"""Benchmark session set-up: the engine fixture, and the BLAS in use (it decides matmul speed)."""

from __future__ import annotations

import os
from typing import Any

import pytest

from minitorch_app.training import Engine

from .common import engine_for, engine_params

ENV_PREFIXES = ("OPENBLAS_", "OMP_", "MKL_", "MALLOC_", "GOMP_", "KMP_")


@pytest.fixture(params=engine_params())
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each case runs for minitorch and for torch (on cpu, and on cuda where a GPU is seen)."""
    return engine_for(request.param)


def pytest_collection_modifyitems(config: Any, items: list) -> None:
    """Run each case's engines back to back: the parametrization puts every minitorch case of a suite before
    every torch case (a minute apart for the model cases), and this VM's speed drifts by tens of percent over
    such spans, which then went into the ratio. Paired, the two measurements are seconds apart. Odd sessions
    (``MINITORCH_BENCH_SESSION``, set by ``minitorch bench --repeat``) run torch first, so that neither engine
    always takes the first turn."""
    flip = int(os.environ.get("MINITORCH_BENCH_SESSION", "0") or 0) % 2 == 1
    groups: dict = {}
    for position, item in enumerate(items):
        params = dict(getattr(getattr(item, "callspec", None), "params", {}))
        engine = params.pop("engine", None)
        key = (item.path, item.originalname, repr(sorted(params.items())), engine[1] if engine else None)
        groups.setdefault(key, []).append((position, item))
    ordered = []
    for members in groups.values():  # (dicts keep the order of each case's first appearance)
        ordered.extend(item for _, item in (reversed(members) if flip else members))
    items[:] = ordered


def _blas() -> list:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    import numpy  # noqa: F401  (loads the BLAS so threadpoolctl can see it)
    import torch  # noqa: F401

    return [info for info in threadpool_info() if info.get("user_api") == "blas"]


def pytest_report_header(config: Any) -> list:
    lines = [
        f"blas: {i.get('internal_api')} {i.get('version')} kernel={i.get('architecture')} "
        f"threads={i.get('num_threads')} ({i.get('filepath')})"
        for i in _blas()
    ]
    env = " ".join(f"{k}={v}" for k, v in sorted(os.environ.items()) if k.startswith(ENV_PREFIXES))
    return (lines or ["blas: none found (threadpoolctl missing?)"]) + [f"environment: {env or '(none set)'}"]


def pytest_benchmark_update_machine_info(config: Any, machine_info: dict) -> None:
    machine_info["blas"] = _blas()
    machine_info["environment"] = {k: v for k, v in os.environ.items() if k.startswith(ENV_PREFIXES)}
