"""``minitorch.cuda``: GPU availability and seeding (CuPy-backed when present)."""

from __future__ import annotations

from . import backend


def is_available() -> bool:
    """True when CuPy is installed and a GPU is visible."""
    return backend.cuda_available()


def device_count() -> int:
    """How many GPUs CuPy sees (0 without CuPy)."""
    if not is_available():
        return 0
    return backend._cupy.cuda.runtime.getDeviceCount()


def synchronize(device: object = None) -> None:
    """Wait for queued GPU work to finish (a no-op without a GPU)."""
    if is_available():
        backend._cupy.cuda.Device().synchronize()


def manual_seed(seed: int) -> None:
    """Seed the GPU's random generator (a no-op without a GPU)."""
    if is_available():
        backend._cupy.random.seed(seed)


manual_seed_all = manual_seed


def current_device() -> int:
    if not is_available():
        raise RuntimeError("Torch not compiled with CUDA enabled")
    return backend._cupy.cuda.Device().id
