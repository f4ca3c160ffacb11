"""``minitorch.accelerator``: the device-neutral spelling the current tutorials use (CUDA via CuPy here)."""

from __future__ import annotations

from . import backend, cuda


def is_available() -> bool:
    """True when a GPU minitorch can use is present."""
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> backend.device | None:
    """``device('cuda')`` when a GPU is usable, else None (as torch on a CPU-only machine)."""
    return backend.device("cuda") if cuda.is_available() else None


def device_count() -> int:
    return cuda.device_count()


def synchronize(device: object = None) -> None:
    cuda.synchronize(device)
