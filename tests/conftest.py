"""Test configuration: hypothesis profiles, the device fixture and a tiny Fashion-MNIST for the trainer."""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import minitorch

from .fake_device import fake_device

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


DEVICES = ["cpu", "fake"] + (["cuda"] if minitorch.cuda.is_available() else [])


@pytest.fixture(params=DEVICES)
def device(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each test that takes ``device`` runs on cpu, on the host-backed test device ``fake``
    (tests/fake_device.py: plumbing only) and, where a GPU and CuPy are present, on cuda."""
    if request.param == "fake":
        with fake_device():
            yield "fake"
    else:
        yield request.param


@pytest.fixture(autouse=True)
def fresh_generators() -> None:
    """Each test starts from the random state of a fresh process (torch's and minitorch's default seed), so that
    a test drawing unseeded numbers (a tutorial's) does not depend on which tests ran before it in its worker."""
    import torch

    minitorch.random.default_generator.manual_seed(DEFAULT_SEED)
    torch.manual_seed(DEFAULT_SEED)


DEFAULT_SEED = 67280421310721  # torch's default seed, and minitorch's


@pytest.fixture(params=DEVICES[1:])
def offhost(request: pytest.FixtureRequest) -> Iterator[str]:
    """The ``device`` fixture without cpu: for parity tables whose host runs are tested elsewhere."""
    if request.param == "fake":
        with fake_device():
            yield "fake"
    else:
        yield request.param


@pytest.fixture(scope="session", autouse=True)
def single_thread_numerics() -> Iterator[None]:
    """Run BLAS (numpy's and torch's) on one thread per test process.

    The suite runs under ``pytest -n 2`` on two cores: with every worker's OpenBLAS and
    torch pools starting two threads apiece, oversubscribed BLAS threads spin against
    each other (a 64x400 GEMM was measured 100x slower).
    """
    import torch
    from threadpoolctl import threadpool_limits

    threads, ours = torch.get_num_threads(), minitorch.get_num_threads()
    torch.set_num_threads(1)
    minitorch.set_num_threads(1)  # its worker threads and the BLAS count it sets (tests that change it restore 1)
    with threadpool_limits(limits=1):
        yield
    torch.set_num_threads(threads)
    minitorch.set_num_threads(ours)


@pytest.fixture
def plain_host_kernels() -> Iterator[None]:
    """The host without its registered fast variants for one test (they are restored after): for tests that
    compare the host bit for bit with the fake device, which runs the plain kernels."""
    from minitorch.backend import HOST

    saved = dict(HOST._kernels)
    HOST._kernels.clear()
    try:
        yield
    finally:
        HOST._kernels.clear()
        HOST._kernels.update(saved)


def _write_idx(path: str, array: np.ndarray, magic: int) -> None:
    header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as fh:
        fh.write(header + array.astype(np.uint8).tobytes())


def _images(n: int, seed: int) -> tuple:
    """Class c is a bright horizontal bar at row 2 + 2c (plus noise): learnable in a few steps."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    rng.shuffle(labels)
    images = rng.integers(0, 60, (n, 28, 28))
    for i, c in enumerate(labels):
        images[i, 2 + 2 * c : 4 + 2 * c, 4:24] = 255
    return images, labels


@pytest.fixture(scope="session")
def tiny_fashion_mnist(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A data directory holding a 320/100-image Fashion-MNIST in IDX files, for ``minitorch train --data-dir``."""
    root = tmp_path_factory.mktemp("data")
    raw = root / "FashionMNIST" / "raw"
    raw.mkdir(parents=True)
    for split, n, seed in (("train", 320, 0), ("t10k", 100, 1)):
        images, labels = _images(n, seed)
        _write_idx(str(raw / f"{split}-images-idx3-ubyte.gz"), images, 2051)
        _write_idx(str(raw / f"{split}-labels-idx1-ubyte.gz"), labels, 2049)
    return str(root)
