"""``minitorch.cuda``: torch's names for the GPU, answered by the CUDA backend (``backend/cuda.py``).

    devices    is_available, device_count, current_device, set_device, device, get_device_name, ...
    memory     memory_allocated, max_memory_allocated, memory_reserved, reset_peak_memory_stats, empty_cache
    streams.py Stream, Event, current_stream, default_stream, stream()
    graphs.py  CUDAGraph, graph(), graph_pool_handle: capture a whole training step, replay it
    amp.py     autocast, GradScaler: torch.cuda.amp's deprecated spellings of minitorch.amp's

Without CuPy or a GPU, ``is_available()`` is False, the counts and memory figures are 0, seeding
and synchronising do nothing, and whatever needs a device raises torch's error.
"""

from __future__ import annotations

import os
from typing import Any

from ..backend import CUDA
from ..backend import device as _device_spec
from . import amp  # torch.cuda.amp's deprecated autocast and GradScaler
from .graphs import CUDAGraph, graph, graph_pool_handle, is_current_stream_capturing, make_graphed_callables
from .streams import Event, Stream, StreamContext, current_stream, default_stream, stream

__all__ = [
    "CUDAGraph",
    "Event",
    "Stream",
    "StreamContext",
    "current_device",
    "current_stream",
    "default_stream",
    "device",
    "device_count",
    "empty_cache",
    "get_device_capability",
    "get_device_name",
    "graph",
    "graph_pool_handle",
    "is_available",
    "is_current_stream_capturing",
    "make_graphed_callables",
    "manual_seed",
    "manual_seed_all",
    "max_memory_allocated",
    "max_memory_reserved",
    "memory_allocated",
    "memory_reserved",
    "reset_peak_memory_stats",
    "seed",
    "set_device",
    "stream",
    "synchronize",
]


def is_available() -> bool:
    """True when CuPy is installed and a GPU is visible."""
    return CUDA.is_available()


def device_count() -> int:
    """How many GPUs CuPy sees (0 without CuPy)."""
    return CUDA.device_count()


def current_device() -> int:
    """The index of the GPU work goes to; an error without a GPU."""
    return CUDA.current_device()


def _index(device: Any) -> int | None:
    if device is None or isinstance(device, int):
        return device
    if isinstance(device, str):
        device = _device_spec(device)
    return device.index


def set_device(device: Any) -> None:
    """Make ``device`` (an index, ``'cuda:N'`` or a device) the current GPU."""
    index = _index(device)
    CUDA.set_device(0 if index is None else index)


class device:
    """Context manager that makes a GPU current and restores the previous one (``torch.cuda.device``)."""

    def __init__(self, device: Any) -> None:
        self.index = _index(device)
        self.previous: int | None = None

    def __enter__(self) -> device:
        if self.index is not None:
            self.previous = current_device()
            set_device(self.index)
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.previous is not None:
            set_device(self.previous)


def get_device_name(device: Any = None) -> str:
    """The GPU's name, e.g. ``'NVIDIA H200'``."""
    return str(CUDA.properties(_index(device))["name"])


def get_device_capability(device: Any = None) -> tuple:
    """(major, minor) compute capability, e.g. (9, 0) on Hopper."""
    props = CUDA.properties(_index(device))
    return (int(props["major"]), int(props["minor"]))


def synchronize(device: Any = None) -> None:
    """Wait for queued GPU work to finish (a no-op without a GPU); reports a deferred input error."""
    CUDA.synchronize(device)


def manual_seed(seed: int) -> None:
    """Seed the GPU's random generator (a no-op without a GPU)."""
    CUDA.manual_seed(seed)


manual_seed_all = manual_seed


def seed() -> None:
    """Seed the GPU's generator from fresh entropy (a no-op without a GPU)."""
    if CUDA.is_available():  # pragma: no cover - needs a GPU
        CUDA.manual_seed(int.from_bytes(os.urandom(4), "little"))


def memory_allocated(device: Any = None) -> int:
    """Bytes held by live arrays on the GPU (0 without one)."""
    return int(CUDA.memory_stats()["allocated"])


def max_memory_allocated(device: Any = None) -> int:
    """The peak of ``memory_allocated`` since ``reset_peak_memory_stats()``; before the first reset, an
    upper bound (the bytes the memory pool holds), since counting every allocation costs time."""
    return int(CUDA.memory_stats()["peak"])


def memory_reserved(device: Any = None) -> int:
    """Bytes the memory pool holds (in use or cached for reuse)."""
    return int(CUDA.memory_stats()["reserved"])


max_memory_reserved = memory_reserved  # CuPy's pool only grows until empty_cache()


def reset_peak_memory_stats(device: Any = None) -> None:
    """Start counting the peak of ``memory_allocated`` from now."""
    CUDA.reset_peak()


def empty_cache() -> None:
    """Return the memory pool's cached blocks to the GPU (a no-op without one)."""
    CUDA.empty_cache()
