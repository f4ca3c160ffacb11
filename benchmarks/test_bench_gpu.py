"""GPU model cases: LeNet training steps at batch 64/256/1024, eager and captured as a CUDA graph, for both engines.

The captured case is torch's CUDA-graph recipe, run with each library (``cases.make_lenet_graph``):
minitorch's replay against torch's replay of its own captured step. Skipped where an engine sees no GPU.
"""

from __future__ import annotations

import pytest

from .cases import GPU_CASES
from .common import measure


@pytest.mark.parametrize("case", list(GPU_CASES))
def test_gpu_model(benchmark, engine, case):
    if engine.device.type != "cuda":
        pytest.skip("a GPU case")
    title, factory, kwargs, info = GPU_CASES[case]
    measure(benchmark, engine, case, title, factory(engine, **kwargs), level="model", **info)
