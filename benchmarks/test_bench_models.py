"""Model-level benchmarks: whole training steps, inference and a Fashion-MNIST epoch, for both engines.

The workloads live in cases.py, shared with the peak-memory measurement (memory.py),
so time and memory are taken of the same work.
"""

from __future__ import annotations

import pytest

from minitorch_app.data import DataUnavailable

from .cases import MODEL_CASES, QUICK
from .common import measure


@pytest.mark.parametrize("case", list(MODEL_CASES))
def test_model(benchmark, engine, case):
    title, factory, kwargs, info = MODEL_CASES[case]
    try:
        fn = factory(engine, **kwargs)
    except DataUnavailable as e:
        pytest.skip(f"Fashion-MNIST not found: {e}")
    pedantic = None
    if case == "fashion_epoch":  # seconds per call: a few rounds, not pytest-benchmark's calibration
        pedantic = {"rounds": 1 if QUICK else 5, "warmup_rounds": 0 if QUICK else 1}
    measure(benchmark, engine, case, title, fn, level="model", pedantic=pedantic, **info)
