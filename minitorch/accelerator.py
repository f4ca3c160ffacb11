"""``minitorch.accelerator``: the device-neutral spelling the current tutorials use (CUDA via CuPy here)."""

from __future__ import annotations

from .backend import CUDA, device


def is_available() -> bool:
    """True when a GPU minitorch can use is present."""
    return CUDA.is_available()


def current_accelerator(check_available: bool = False) -> device | None:
    """``device('cuda')`` when a GPU is usable, else None (as torch on a CPU-only machine)."""
    return device("cuda") if CUDA.is_available() else None


def device_count() -> int:
    return CUDA.device_count()


def synchronize(device: object = None) -> None:
    CUDA.synchronize(device)
