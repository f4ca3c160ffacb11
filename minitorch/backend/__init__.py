"""Backends: one object per kind of device, and how op code finds the one its arrays live on.

Op code never names numpy or cupy. It asks its input's backend, ``backend_of(x)`` (or a
tensor's ``.backend``), for the array module (``array_module(x)`` is short for
``backend_of(x).xp``) and for every service that differs between devices: transfers,
scatter-add, window views, writeability, random numbers, fast kernels (see ``Backend``).

    host.py    HOST: numpy in CPU memory
    cuda.py    CUDA: CuPy on NVIDIA GPUs, inert without CuPy
    base.py    Backend, the interface both answer
    device.py  minitorch.device
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from .base import Backend
from .cuda import CUDA
from .device import CPU, DEVICE_TYPES, DeviceLike, as_device, device
from .host import HOST

# A numpy array, or an array of another backend with numpy's API (a cupy array): what ops work on.
Array = npt.NDArray[Any]

__all__ = [
    "Array",
    "Backend",
    "CPU",
    "CUDA",
    "DeviceLike",
    "HOST",
    "all_backends",
    "array_module",
    "as_device",
    "backend_for",
    "backend_of",
    "cuda_available",
    "device",
    "device_of",
    "is_array",
    "module_for_device",
    "register_backend",
    "to_device",
]

_BY_DEVICE_TYPE: dict = {"cpu": HOST, "cuda": CUDA}
_BY_ARRAY_TYPE: dict = {np.ndarray: HOST}
# Array types of backends other than the host. Empty until CuPy is loaded (and no test device is registered),
# which lets the lookups below return the host at once: they run several times per op.
_FOREIGN: tuple = ()


def _adopt(cuda: Backend) -> None:
    """CuPy was loaded: its arrays belong to the CUDA backend."""
    global _FOREIGN
    _BY_ARRAY_TYPE[cuda.array_type] = cuda
    _FOREIGN = _FOREIGN + (cuda.array_type,)


CUDA.when_loaded(_adopt)


def backend_of(*arrays: Any) -> Backend:
    """The backend holding ``arrays``: the first one off the host decides; numbers belong anywhere."""
    if _FOREIGN:
        for a in arrays:
            found = _BY_ARRAY_TYPE.get(type(a))
            if found is not None and found is not HOST:
                return found
    return HOST


def array_module(*arrays: Any) -> Any:
    """numpy or cupy, whichever holds ``arrays`` (``backend_of(*arrays).xp``)."""
    if not _FOREIGN:
        return np
    return backend_of(*arrays).xp


def backend_for(d: device) -> Backend:
    """The backend of device ``d``; torch's error when that kind of device is not usable here."""
    found: Backend = _BY_DEVICE_TYPE[d.type]
    found.check_available()
    return found


def module_for_device(d: device) -> Any:
    """The array module that holds data for device ``d`` (``backend_for(d).xp``)."""
    return backend_for(d).xp


def device_of(array: Any) -> device:
    """The device an array lives on."""
    return backend_of(array).device_of(array)


def is_array(x: Any) -> bool:
    """True for an array of any backend (numpy's ndarray included)."""
    return isinstance(x, np.ndarray) or (bool(_FOREIGN) and isinstance(x, _FOREIGN))


def to_device(array: Any, d: device) -> Any:
    """``array`` on device ``d``: itself when already there, else a copy through host memory."""
    source = backend_of(array)
    if source is HOST and d.type == "cpu":
        return array
    target = backend_for(d)
    if source is not target:
        array = source.to_host(array)
        if target is HOST:
            return array
    return target.from_host(array, d)


def cuda_available() -> bool:
    """True when CuPy is installed and sees a GPU."""
    return CUDA.is_available()


def all_backends() -> tuple:
    """Every registered backend."""
    return tuple(_BY_DEVICE_TYPE.values())


def register_backend(backend: Backend) -> Callable[[], None]:
    """Add a backend for a new device type (a test-only device); returns a function that removes it."""
    global _FOREIGN
    if backend.type in _BY_DEVICE_TYPE:
        raise ValueError(f"a backend for device type '{backend.type}' is already registered")
    DEVICE_TYPES.append(backend.type)
    _BY_DEVICE_TYPE[backend.type] = backend
    _BY_ARRAY_TYPE[backend.array_type] = backend
    _FOREIGN = _FOREIGN + (backend.array_type,)

    def unregister() -> None:
        global _FOREIGN
        DEVICE_TYPES.remove(backend.type)
        del _BY_DEVICE_TYPE[backend.type]
        del _BY_ARRAY_TYPE[backend.array_type]
        _FOREIGN = tuple(t for t in _FOREIGN if t is not backend.array_type)

    return unregister
