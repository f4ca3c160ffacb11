"""Test configuration: hypothesis profiles and the device fixture."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

import minitorch

# 'ci' (default): derandomised and sized so the whole suite stays within minutes on 2 cores.
# 'thorough': at least 200 examples per property; select it with MINITORCH_HYPOTHESIS_PROFILE=thorough.
settings.register_profile(
    "ci",
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("MINITORCH_HYPOTHESIS_PROFILE", "ci"))


DEVICES = ["cpu"] + (["cuda"] if minitorch.cuda.is_available() else [])


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> str:
    """Each test that takes ``device`` runs on cpu and, where a GPU and CuPy are present, cuda."""
    return request.param


@pytest.fixture(scope="session", autouse=True)
def single_thread_numerics() -> Iterator[None]:
    """Run BLAS (numpy's and torch's) on one thread per test process.

    The suite runs under ``pytest -n 2`` on two cores: with every worker's OpenBLAS and
    torch pools starting two threads apiece, oversubscribed BLAS threads spin against
    each other (a 64x400 GEMM was measured 100x slower).
    """
    import torch
    from threadpoolctl import threadpool_limits

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(threads)
