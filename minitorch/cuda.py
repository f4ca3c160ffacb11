"""``minitorch.cuda``: torch's names for the GPU, answered by the CUDA backend (``backend/cuda.py``)."""

from __future__ import annotations

from typing import Any

from .backend import CUDA


def is_available() -> bool:
    """True when CuPy is installed and a GPU is visible."""
    return CUDA.is_available()


def device_count() -> int:
    """How many GPUs CuPy sees (0 without CuPy)."""
    return CUDA.device_count()


def current_device() -> int:
    """The index of the GPU work goes to; an error without a GPU."""
    return CUDA.current_device()


def synchronize(device: Any = None) -> None:
    """Wait for queued GPU work to finish (a no-op without a GPU)."""
    CUDA.synchronize(device)


def manual_seed(seed: int) -> None:
    """Seed the GPU's random generator (a no-op without a GPU)."""
    CUDA.manual_seed(seed)


manual_seed_all = manual_seed
